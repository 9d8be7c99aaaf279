"""Placement: turns a finished interview's answers into phases, factor scores and tips."""

from placement.compute import Placement, compute_placement

__all__ = ["Placement", "compute_placement"]
