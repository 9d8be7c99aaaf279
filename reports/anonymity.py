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


def hidden_groups(
    sizes: Iterable[GroupSize], min_group: int, everyone: dict[int, int] | None = None
) -> set[GroupKey]:
    """Groups to hide: the small ones, then the smallest others until the hidden add up.

    `everyone` (people per wave) counts those in no group of this kind too, such as a lead
    in their own team: everyone minus the shown groups must be nobody or at least the minimum.
    """
    by_wave: dict[int, list[GroupSize]] = defaultdict(list)
    for size in sizes:
        by_wave[size.wave].append(size)
    hidden: set[GroupKey] = set()
    for wave, groups in by_wave.items():
        outside = (everyone or {}).get(wave, 0) - sum(g.people for g in groups)
        hide = {g.key for g in groups if g.people < min_group}
        while 0 < max(outside, 0) + sum(g.people for g in groups if g.key in hide) < min_group:
            shown = sorted((g for g in groups if g.key not in hide), key=_smallest_first)
            if not shown:
                break
            hide.add(shown[0].key)
        hidden |= {(key, wave) for key in hide}
    return hidden


Crossings = dict[tuple[GroupId, int], dict[str, int]]  # (team key, wave) -> role -> people


def hidden_roles_by_crossing(
    teams: Iterable[GroupSize],
    roles: Iterable[GroupSize],
    crossings: Crossings,
    hidden: set[GroupKey],
    min_group: int,
) -> set[GroupKey]:
    """`hidden` (teams and roles) and the roles to hide so that no crossing can be worked out.

    Teams and roles split the same people twice. Shown teams, shown roles and everyone's
    total give the sums of "a team's people in a role" wherever that crossing is a bridge
    between the two splits (hidden teams count as one block, hidden roles as another). Such
    a crossing of one to `min_group - 1` people would be a figure of too few: the smallest
    shown role goes to the hidden block until none is left.
    """
    hidden = set(hidden)
    teams, role_sizes = list(teams), list(roles)
    for wave in sorted({size.wave for size in role_sizes}):
        in_wave = [t for t in teams if t.wave == wave]
        role_total = {r.group: r.people for r in role_sizes if r.wave == wave}
        while True:
            edges = _crossing_edges(in_wave, role_total, crossings, hidden, wave)
            bridges = _bridges(edges)
            if not any(0 < edges[edge] < min_group for edge in bridges):
                break
            shown = [r for r in role_sizes if r.wave == wave and (r.key, wave) not in hidden]
            if not shown:
                break
            hidden.add((min(shown, key=_smallest_first).key, wave))
    return hidden


_HIDDEN_TEAMS, _HIDDEN_ROLES = ("team", "*"), ("role", "*")
_Block = tuple[str, GroupId]
_Edge = tuple[_Block, _Block]


def _crossing_edges(
    teams: list[GroupSize],
    role_total: dict[str, int],
    crossings: Crossings,
    hidden: set[GroupKey],
    wave: int,
) -> dict[_Edge, int]:
    """People per (team block, role block); hidden teams and hidden roles are a block each."""

    def role_block(role: str) -> _Block:
        return _HIDDEN_ROLES if (role, wave) in hidden else ("role", role)

    edges: dict[_Edge, int] = defaultdict(int)
    rest = dict(role_total)  # what the shown teams leave: the hidden teams, leads, no team
    for team in teams:
        if (team.key, wave) in hidden:
            continue
        for role, people in crossings.get((team.key, wave), {}).items():
            edges[(("team", team.key), role_block(role))] += people
            rest[role] = rest.get(role, 0) - people
    for role, people in rest.items():
        if people > 0:
            edges[(_HIDDEN_TEAMS, role_block(role))] += people
    return {edge: people for edge, people in edges.items() if people > 0}


def _bridges(edges: dict[_Edge, int]) -> set[_Edge]:
    """The crossings whose two blocks are connected through them only (Tarjan, iterative)."""
    neighbours: dict[_Block, list[tuple[_Block, _Edge]]] = defaultdict(list)
    for edge in edges:
        a, b = edge
        neighbours[a].append((b, edge))
        neighbours[b].append((a, edge))
    order: dict[_Block, int] = {}
    low: dict[_Block, int] = {}
    bridges: set[_Edge] = set()
    for root in neighbours:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack: list[tuple[_Block, _Edge | None, int]] = [(root, None, 0)]
        while stack:
            block, via, index = stack[-1]
            if index < len(neighbours[block]):
                stack[-1] = (block, via, index + 1)
                nxt, edge = neighbours[block][index]
                if edge == via:
                    continue
                if nxt in order:
                    low[block] = min(low[block], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, edge, 0))
                continue
            stack.pop()
            if stack and via is not None:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[block])
                if low[block] > order[parent]:
                    bridges.add(via)
    return bridges


def shown_cells(
    cells: Iterable[Cell], hidden: set[GroupKey], totals: Iterable[Cell], min_group: int
) -> list[Cell]:
    """The cells that may be shown, given the everyone-in-the-wave totals they add up to."""
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
