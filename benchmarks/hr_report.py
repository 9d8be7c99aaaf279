"""Times the HR report over many synthetic respondents and prints a table.

    .venv/bin/python -m benchmarks.hr_report [--people 10000 100000] [--database-url URL]
        [--exports] [--kits]

With --exports it also times writing the report as HTML, XLSX and CSV (into a temporary folder);
with --kits, each team lead's result and conversation kit page (all teams, one after another).

Respondents are written straight into the tables (finished scans with scores and a role), in
teams of 3 to 15 people of one organisation over two closed rounds, so some teams fall below
the minimum group size.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.pictures.kit_pdf import kit_pdf
from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams
from dialogues.loader import default_dialogue
from placement import compute_placement, stored_scores
from reports.export import write
from reports.hr import build_report, role_question
from storage import rounds
from storage.db import make_engine, sqlite_url
from storage.models import Answer, Organisation, Result, ResultScore, Scan, Team, utcnow

ORGANISATION = "Benchmark BV"
# The organisation's open round: rounds 1 and 2 are closed, so the report shows them.
OPEN_ROUND = 3

BATCH = 5_000
# The one lead of every generated team, so the kits are built as that lead asks for them.
LEAD = Person("benchmark", "lead")


def generate(engine: Engine, people: int, seed: int = 7) -> None:
    """Writes `people` finished scans in teams, with every score a placement stores."""
    dialogue = default_dialogue()
    rng = random.Random(seed)
    # Every (model, dimension) a finished placement stores, as the bot writes them.
    measures = list(stored_scores(dialogue, compute_placement(dialogue, {})))
    highest = {("pad", "ring"): 3, ("pad", "proces"): 4}
    roles = [o.value for o in dialogue.question(role_question(dialogue)).options]
    now = utcnow()
    with Session(engine) as session:
        session.execute(
            insert(Organisation).values(id=1, code="bench", name=ORGANISATION, wave=OPEN_ROUND)
        )
        scans: list[dict[str, object]] = []
        team_id, made = 0, 0
        while made < people:
            team_id += 1
            session.execute(
                insert(Team).values(
                    id=team_id,
                    code=f"bench{team_id}",
                    name=f"Team {team_id}",
                    lead="x",
                    organisation_id=1,
                    wave=OPEN_ROUND,
                )
            )
            size = min(rng.randint(3, 15), people - made)
            for _ in range(size):
                made += 1
                scans.append(
                    {
                        "id": made,
                        "state": "done",
                        "team_id": team_id,
                        "wave": rng.choice((1, 2)),
                        "started_at": now,
                        "updated_at": now,
                        "finished_at": now,
                    }
                )
        for start in range(0, len(scans), BATCH):
            chunk = scans[start : start + BATCH]
            session.execute(insert(Scan), chunk)
            scores = [
                {
                    "scan_id": s["id"],
                    "model": model,
                    "dimension": dim,
                    "score": None
                    if rng.random() < 0.1
                    else float(rng.randint(1, highest.get((model, dim), 5))),
                }
                for s in chunk
                for model, dim in measures
            ]
            session.execute(insert(ResultScore), scores)
            answers = [
                {
                    "scan_id": s["id"],
                    "question_id": role_question(dialogue),
                    "value": rng.choices(roles, weights=(80, 12, 4, 4))[0],
                    "answered_at": now,
                }
                for s in chunk
            ]
            session.execute(insert(Answer), answers)
            results = [
                {"scan_id": a["scan_id"], "role": a["value"], "created_at": now} for a in answers
            ]
            session.execute(insert(Result), results)
        rounds.count_old_rounds(session)  # what closing each team round counts
        session.commit()


def time_kits(engine: Engine) -> tuple[int, float]:
    """Builds every team's result and kit page as its lead gets them: (kits, seconds)."""
    dialogue = default_dialogue()
    people = Conversation(engine, dialogue, "be9c" * 16).people
    with Session(engine) as session:
        session.execute(update(Team).values(lead=people.pseudonym_of(LEAD)))
        session.commit()
        codes = [team.code for team in session.exec(select(Team))]
    teams, locale, kits = Teams(people, min_group=5), dialogue.locale("nl"), 0
    started = time.perf_counter()
    for code in codes:
        for reply in teams.results(LEAD, code).replies:
            if reply.template == "team_kit":
                kit_pdf(reply.data, locale)
                kits += 1
    return kits, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", help="default: a fresh SQLite file per size")
    parser.add_argument("--exports", action="store_true", help="time the HTML, XLSX and CSV too")
    parser.add_argument("--kits", action="store_true", help="time every team's result and kit")
    args = parser.parse_args()
    exports = ("html", "xlsx", "csv") if args.exports else ()
    print(
        f"{'respondents':>12} {'teams':>6} {'generate s':>11} {'report s':>9} "
        f"{'groups shown':>13} {'hidden':>7}"
        + "".join(f" {fmt + ' s':>7}" for fmt in exports)
        + (f" {'kits':>5} {'kits s':>7}" if args.kits else "")
    )
    dialogue = default_dialogue()
    for people in args.people:
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(args.database_url or sqlite_url(Path(folder)))
            started = time.perf_counter()
            generate(engine, people)
            generated = time.perf_counter() - started
            started = time.perf_counter()
            with Session(engine) as session:
                report = build_report(session, min_group=5, organisation=ORGANISATION)
            took = time.perf_counter() - started
            shown = sum(1 for g in report.groups if g.people is not None)
            hidden = sum(1 for g in report.groups if g.people is None)
            teams = len({g.team_id for g in report.groups if g.kind == "team"})
            written = ""
            for fmt in exports:
                started = time.perf_counter()
                write(report, dialogue, fmt, Path(folder) / f"report.{fmt}")
                written += f" {time.perf_counter() - started:>7.2f}"
            if args.kits:
                kits, seconds = time_kits(engine)
                written += f" {kits:>5,} {seconds:>7.2f}"
            print(
                f"{people:>12,} {teams:>6,} {generated:>11.1f} {took:>9.2f} {shown:>13,} "
                f"{hidden:>7,}{written}"
            )
            engine.dispose()


if __name__ == "__main__":
    main()
