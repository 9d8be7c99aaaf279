"""Several workers on one database: one person's updates apply in order and exactly once.

Each worker has its own engine and conversation, as a separate bot process would; threads
make them act at the same moment (a barrier), the database's locks must do the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import count
from pathlib import Path
from typing import TypeVar

import pytest
from sqlmodel import Session, func, select

from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams, team_data
from dialogues.loader import Dialogue
from storage import rounds, tallies, team_queries
from storage.db import make_engine
from storage.models import Answer, ProcessedUpdate, Respondent, Scan, Team
from storage.secrets import load_secrets
from tests.flow import TEST_KEY
from tests.test_hr_report import tally_rows

WORKERS = 4
Result = TypeVar("Result")
UPDATE_IDS = count(9_000_000_000)  # beyond 32 bits, as Telegram's update ids may be


@pytest.fixture
def workers(database_url: str, dialogue: Dialogue) -> Iterator[list[Conversation]]:
    """One conversation per worker, each on its own engine (its own connections)."""
    conversations = [
        Conversation(make_engine(database_url), dialogue, TEST_KEY) for _ in range(WORKERS)
    ]
    yield conversations
    for conversation in conversations:
        conversation.engine.dispose()


def at_once(calls: list[Callable[[], Result]]) -> list[Result]:
    """Runs the calls in threads released together, so they hit the database at one moment."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Result]) -> Result:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def update(external_id: str) -> Person:
    """The person as one new Telegram update of theirs."""
    return Person("telegram", external_id, "nl", input_id=next(UPDATE_IDS))


def current_question(conversation: Conversation, external_id: str) -> tuple[str, str]:
    """The question the person is at, and the value of an option that goes on with the scan."""
    reply = conversation.current(Person("telegram", external_id, "nl")).replies[-1]
    assert reply.template == "question", reply
    question = reply.data["question"]
    options = [*question.options[1:], *question.options[:1]]  # the second one, mostly
    return question.id, next(o.value for o in options if not o.ends_interview)


def stored(conversation: Conversation) -> tuple[dict[str, str], int, int, int]:
    """The answers, and how many answer rows, scans and respondents there are."""
    with Session(conversation.engine) as session:
        rows = session.exec(select(Answer)).all()
        scans = session.exec(select(func.count()).select_from(Scan)).one()
        people = session.exec(select(func.count()).select_from(Respondent)).one()
    return {row.question_id: row.value for row in rows}, len(rows), scans, people


def test_workers_starting_together_on_one_machine_share_one_pseudonym_key(
    database_url: str, tmp_path: Path
) -> None:
    """Each makes the key file if there is none: one wins, every worker reads its key."""
    engines = [make_engine(database_url) for _ in range(WORKERS)]
    made = at_once([partial(load_secrets, tmp_path / "data", engine) for engine in engines])
    assert len({secrets.pseudonym_key for secrets in made}) == 1  # one person, one respondent
    assert len({secrets.webhook_secret for secrets in made}) == 1
    for engine in engines:
        engine.dispose()


def test_a_new_person_starting_on_every_worker_at_once_gets_one_scan(
    workers: list[Conversation],
) -> None:
    outcomes = at_once([partial(w.start, update("501")) for w in workers])
    keys = sorted(o.replies[0].template + str(o.replies[0].data.get("key", "")) for o in outcomes)
    assert keys == ["messagewelcome_back"] * (WORKERS - 1) + ["welcome"]  # one made the scan
    assert stored(workers[0])[1:] == (0, 1, 1)


def test_one_update_delivered_to_every_worker_at_once_is_handled_once(
    workers: list[Conversation],
) -> None:
    person = "502"
    workers[0].start(update(person))
    given: dict[str, str] = {}
    while True:
        question, value = current_question(workers[0], person)
        same_update = update(person)  # Telegram delivers it again while the first is handled
        outcomes = at_once([partial(w.answer, same_update, question, value) for w in workers])
        assert sum(not o.repeat for o in outcomes) == 1, question
        given[question] = value
        if outcomes[[o.repeat for o in outcomes].index(False)].replies[-1].template == "summary":
            break
    answers, rows, scans, people = stored(workers[0])
    assert answers == given and rows == len(given)
    assert (scans, people) == (1, 1)
    with Session(workers[0].engine) as session:
        handled = session.exec(select(func.count()).select_from(ProcessedUpdate)).one()
    assert handled == 1 + len(given)


@pytest.mark.parametrize("with_update_ids", [True, False], ids=["telegram", "without-update-ids"])
def test_a_double_tap_landing_on_two_workers_at_once_counts_once(
    workers: list[Conversation], with_update_ids: bool
) -> None:
    """Without update ids (a front end that has none) the transaction starts with reads."""
    person = "503"
    workers[0].start(update(person))

    def tap() -> Person:
        return update(person) if with_update_ids else Person("telegram", person, "nl")

    given: dict[str, str] = {}
    for _ in range(8):
        question, value = current_question(workers[0], person)
        outcomes = at_once([partial(w.answer, tap(), question, value) for w in workers[:2]])
        answered = [o for o in outcomes if o.answered is not None]
        assert len(answered) == 1, question  # the other saw the question already answered
        assert answered[0].answered is not None and answered[0].answered[0].id == question
        given[question] = value
        after, _ = current_question(workers[0], person)
        assert after != question  # moved on exactly one question, not two
    answers, rows, scans, _ = stored(workers[0])
    assert answers == given and rows == len(given) and scans == 1


def test_taps_of_two_people_on_two_workers_do_not_wait_for_or_mix_with_each_other(
    workers: list[Conversation],
) -> None:
    people = ["504", "505"]
    for person in people:
        workers[0].start(update(person))
    given: dict[str, dict[str, str]] = {person: {} for person in people}
    for _ in range(6):
        asked = {person: current_question(workers[0], person) for person in people}
        calls = [partial(w.answer, update(p), *asked[p]) for p in people for w in workers[:2]]
        outcomes = at_once(calls)
        assert sum(o.answered is not None for o in outcomes) == len(people)
        for person, (question, value) in asked.items():
            given[person][question] = value
    with Session(workers[0].engine) as session:
        for person in people:
            name = workers[0].pseudonym_of(Person("telegram", person))
            respondent = session.exec(select(Respondent).where(Respondent.pseudonym == name)).one()
            scan = session.exec(select(Scan).where(Scan.respondent_id == respondent.id)).one()
            rows = session.exec(select(Answer).where(Answer.scan_id == scan.id)).all()
            assert {row.question_id: row.value for row in rows} == given[person]


def test_people_finishing_while_their_rounds_close_count_exactly_once(
    workers: list[Conversation],
) -> None:
    """Last taps on every worker while the lead closes both rounds: each finish counts once."""
    lead = Person("telegram", "3100", "nl")
    teams = [Teams(worker.people, min_group=3) for worker in workers]
    codes = [teams[0].team(lead, name).replies[0].data["team"].code for name in ("Noord", "Zuid")]
    people = [str(3200 + n) for n in range(WORKERS)]
    for n, external_id in enumerate(people):  # each one tap from the end, in two teams
        person = Person("telegram", external_id, "nl")
        workers[0].start(person, codes[n % 2])
        while (asked := workers[0].current(person).replies[-1].data)["number"] < asked["total"]:
            workers[0].answer(person, *current_question(workers[0], external_id))

    def last_tap(worker: Conversation, external_id: str) -> object:
        return worker.answer(update(external_id), *current_question(worker, external_id))

    calls: list[Callable[[], object]] = [
        partial(last_tap, worker, external_id)
        for worker, external_id in zip(workers, people, strict=True)
    ]
    calls += [partial(teams[n + 1].press, lead, team_data("close_yes", codes[n])) for n in (0, 1)]
    at_once(calls)

    kept = tally_rows(workers[0].engine)
    with Session(workers[0].engine) as session:
        tallies.rebuild(session)
        session.commit()
    assert tally_rows(workers[0].engine) == kept
    with Session(workers[0].engine) as session:
        for n, code in enumerate(codes):
            team = session.exec(select(Team).where(Team.code == code)).one()
            closed = rounds.closed_rounds(session, team_id=team.id or 0)
            assert [r.wave for r in closed] == [1] and team.wave == 2
            later = team_queries.finished_in_team(session, team_id=team.id or 0, wave=2)
            assert closed[0].people + later == len(people[n::2])  # in round 1 or 2, never both
