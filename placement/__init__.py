"""Placement: turns a finished interview's answers into phases, scores, a position and tips."""

from placement.compute import Placement, compute_placement
from placement.stored import stored_scores

__all__ = ["Placement", "compute_placement", "stored_scores"]
