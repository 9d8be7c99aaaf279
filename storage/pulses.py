"""The pulse after a closed team round: its link, its people's scores, and its frozen counts.

A pulse scan is a Scan with `pulse_of` set (the round it follows) and no Result: no round,
tally or report counts it. Its focus scores are ResultScore rows, read once, when the pulse
closes: then its score counts are kept in the TeamPulse row (only when at least the minimum
group answered) and never change again, whoever answers or deletes their data later.

Keyword-only and taking the session, like storage.queries.
"""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select, update

from storage.models import Respondent, ResultScore, Scan, Team, TeamPulse, utcnow

CODE_BYTES = 9  # as team codes: 72 random bits
PREFIX = "p"  # a pulse link reads apart from a team link (12 characters, this one 13)


def pulse_of_round(session: Session, *, team_id: int, wave: int) -> TeamPulse | None:
    return session.get(TeamPulse, (team_id, wave))


def pulse_by_code(session: Session, *, code: str) -> TeamPulse | None:
    return session.exec(select(TeamPulse).where(TeamPulse.code == code)).first()


def open_pulse(
    session: Session, *, team_id: int, wave: int, focus: list[Any], now: datetime
) -> TeamPulse:
    """The pulse after the team's round `wave`: the one already sent, else a new one."""
    found = pulse_of_round(session, team_id=team_id, wave=wave)
    if found is not None:
        return found
    pulse = TeamPulse(
        team_id=team_id,
        wave=wave,
        code=PREFIX + secrets.token_urlsafe(CODE_BYTES),
        focus=focus,
        opened_at=now,
    )
    session.add(pulse)
    session.flush()
    return pulse


def finish_pulse_scan(
    session: Session, *, scan_id: int, scores: dict[tuple[str, str], float | None]
) -> None:
    """Keeps a finished pulse's focus scores (no Result: it counts in no round)."""
    for (model, dimension), score in scores.items():
        session.add(ResultScore(scan_id=scan_id, model=model, dimension=dimension, score=score))
    session.exec(update(Scan).where(col(Scan.id) == scan_id).values(finished_at=utcnow()))


def counted_scans(session: Session, *, pulse: TeamPulse) -> list[int]:
    """The finished pulse scans that count: each person's latest, the team's lead's never."""
    team = session.get(Team, pulse.team_id)
    lead = team.lead if team else ""
    statement = (
        select(Scan.id, Scan.respondent_id, Respondent.pseudonym)
        .outerjoin(Respondent, col(Respondent.id) == Scan.respondent_id)
        .where(
            col(Scan.team_id) == pulse.team_id,
            col(Scan.pulse_of) == pulse.wave,
            col(Scan.finished_at).is_not(None),
        )
        .order_by(col(Scan.id))
    )
    latest: dict[object, int] = {}
    for scan_id, respondent_id, name in session.exec(statement):
        if name is not None and name == lead:
            continue
        person = respondent_id if respondent_id is not None else f"scan {scan_id}"
        latest[person] = scan_id or 0
    return sorted(latest.values())


def answered(session: Session, *, pulse: TeamPulse) -> int:
    """How many people finished the open pulse so far (a count, never a figure)."""
    return len(counted_scans(session, pulse=pulse))


def close_pulse(session: Session, *, pulse: TeamPulse, min_group: int, now: datetime) -> None:
    """Closes the pulse and freezes its counts; below `min_group` people none are kept."""
    scans = counted_scans(session, pulse=pulse)
    counter: Counter[tuple[str, str, float | None]] = Counter()
    if len(scans) >= min_group:
        rows = session.exec(select(ResultScore).where(col(ResultScore.scan_id).in_(scans)))
        for row in rows:
            counter[(row.model, row.dimension, row.score)] += 1
    pulse.closed_at, pulse.people = now, len(scans)
    pulse.counts = [
        [m, d, s, n]
        for (m, d, s), n in sorted(counter.items(), key=lambda i: (i[0][:2], i[0][2] or -1.0))
    ]
    if len(scans) < min_group:
        pulse.counts = None
    session.add(pulse)
    session.flush()


def distributions(counts: list[Any] | None) -> dict[tuple[str, str], dict[float | None, int]]:
    """Kept counts as (model, dimension) -> score -> people."""
    found: dict[tuple[str, str], dict[float | None, int]] = {}
    for model, dimension, score, people in counts or []:
        found.setdefault((model, dimension), {})[score] = people
    return found
