"""Which figures may be shown: none for a small group, and none that can be worked back.

Primary suppression hides groups (and cells) below the minimum size; SQL already drops them.
Complementary suppression then hides more, because a hidden group can be recovered by
subtracting the shown groups from the total: whatever stays hidden must add up to nobody
or to at least the minimum. Waves never overlap (each scan belongs to one wave), so a
difference between waves is itself a group of its own size.

Groups are told apart by their key (storage.report_queries.group_key): a team by its id, so
two teams that share a name are two groups here, each judged on its own size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from storage.report_queries import Cell, GroupId, GroupSize

GroupKey = tuple[GroupId, int]  # (the group's key, wave)


def _smallest_first(size: GroupSize) -> tuple[int, str, str]:
    return size.people, size.group, str(size.key)


def hidden_groups(sizes: Iterable[GroupSize], min_group: int) -> set[GroupKey]:
    """Groups to hide: the small ones, then the smallest others until the hidden add up."""
    by_wave: dict[int, list[GroupSize]] = defaultdict(list)
    for size in sizes:
        by_wave[size.wave].append(size)
    hidden: set[GroupKey] = set()
    for wave, groups in by_wave.items():
        hide = {g.key for g in groups if g.people < min_group}
        while 0 < sum(g.people for g in groups if g.key in hide) < min_group:
            shown = sorted((g for g in groups if g.key not in hide), key=_smallest_first)
            if not shown:
                break
            hide.add(shown[0].key)
        hidden |= {(key, wave) for key in hide}
    return hidden


def shown_cells(
    cells: Iterable[Cell], sizes: Iterable[GroupSize], totals: Iterable[Cell], min_group: int
) -> list[Cell]:
    """The cells that may be shown, given the everyone-in-the-wave totals they add up to."""
    hidden = hidden_groups(sizes, min_group)
    candidates = [c for c in cells if (c.key, c.wave) not in hidden and c.mean is not None]
    known_total = {(t.wave, t.model, t.dimension): t.known for t in totals}
    by_measure: dict[tuple[int, str, str], list[Cell]] = defaultdict(list)
    for cell in candidates:
        by_measure[(cell.wave, cell.model, cell.dimension)].append(cell)
    shown: list[Cell] = []
    for measure, group_cells in by_measure.items():
        remaining = sorted(group_cells, key=lambda c: c.known)
        left_out = known_total.get(measure, 0) - sum(c.known for c in remaining)
        while remaining and 0 < left_out < min_group:
            left_out += remaining.pop(0).known
        shown.extend(remaining)
    return shown
