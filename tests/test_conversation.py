"""The conversation service against a real SQLite database: every step is stored at once."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.render import Renderer
from bot.service.conversation import Conversation
from bot.service.outcome import Person, answer_data
from dialogues.loader import Dialogue
from storage.db import make_engine
from storage.models import Answer, Respondent, Result, ResultScore, Scan
from tests.flow import TEST_KEY
from tests.harness import everything_stored

ANNA = Person("telegram", "123456789", "nl")


def current_question_id(conversation: Conversation, person: Person = ANNA) -> str:
    reply = conversation.current(person).replies[-1]
    assert reply.template == "question", reply
    return reply.data["question"].id


def answer_current(conversation: Conversation, option_index: int = 0, person: Person = ANNA):
    question = conversation.current(person).replies[-1].data["question"]
    option = question.options[min(option_index, len(question.options) - 1)]
    return conversation.answer(person, question.id, option.value)


def stored(engine: Engine) -> tuple[Scan, dict[str, str]]:
    """Reads the database through a separate session, as a restarted process would."""
    with Session(engine) as session:
        scan = session.exec(select(Scan)).one()
        answers = {a.question_id: a.value for a in session.exec(select(Answer))}
        return scan, answers


def test_start_welcomes_and_asks_consent(conversation: Conversation) -> None:
    outcome = conversation.start(ANNA)
    assert [r.template for r in outcome.replies] == ["welcome", "question"]
    assert outcome.replies[1].data["question"].id == "toestemming"
    scan, answers = stored(conversation.engine)
    assert scan.team_id is None and answers == {}


def test_every_answer_and_position_is_stored_before_the_reply(
    conversation: Conversation, engine: Engine
) -> None:
    conversation.start(ANNA)
    for step in range(5):
        asked = current_question_id(conversation)
        outcome = answer_current(conversation, step)
        assert outcome.answered is not None and outcome.answered[0].id == asked
        scan, answers = stored(engine)
        assert asked in answers
        assert scan.state == outcome.replies[-1].data["question"].id != asked


def test_a_restarted_process_continues_at_the_same_question(
    database_url: str, dialogue: Dialogue
) -> None:
    first = Conversation(make_engine(database_url), dialogue, TEST_KEY)
    first.start(ANNA)
    first.answer(ANNA, "toestemming", "ja")
    for _ in range(3):
        answer_current(first, 3)
    where = current_question_id(first)
    first.engine.dispose()

    second = Conversation(make_engine(database_url), dialogue, TEST_KEY)
    outcome = second.start(ANNA)
    assert outcome.replies[0].data["key"] == "welcome_back"
    assert outcome.replies[1].data["question"].id == where
    _, answers = stored(second.engine)
    assert len(answers) == 4


def test_declining_keeps_no_answers(conversation: Conversation, engine: Engine) -> None:
    conversation.start(ANNA)
    outcome = conversation.answer(ANNA, "toestemming", "nee")
    assert outcome.replies[-1].data["key"] == "declined"
    scan, answers = stored(engine)
    assert scan.state == "declined" and answers == {}


def test_a_full_scan_ends_in_a_stored_placement(conversation: Conversation, engine: Engine) -> None:
    conversation.start(ANNA)
    conversation.answer(ANNA, "toestemming", "ja")
    outcome = None
    while conversation.current(ANNA).replies[-1].template == "question":
        outcome = answer_current(conversation, 3)
    assert outcome is not None and outcome.replies[-1].template == "summary"
    placement = outcome.replies[-1].data["placement"]
    assert placement.own_phase == 4
    with Session(engine) as session:
        result = session.exec(select(Result)).one()
        phases = session.exec(select(ResultScore).where(ResultScore.model == "groeimodel")).all()
    assert result.preference is not None
    assert {p.dimension: p.score for p in phases}["individu"] == 4
    with Session(engine) as session:
        rows = session.exec(select(ResultScore)).all()
    stored_scores = {(r.model, r.dimension): r.score for r in rows}
    assert stored_scores[("pad", "ring")] in (1.0, 2.0, 3.0)
    assert ("randvoorwaarden", "veiligheid") in stored_scores
    again = conversation.start(ANNA)  # the summary again, in case the first one was lost
    assert [r.template for r in again.replies] == ["summary", "message"]
    assert again.replies[0].data["placement"] == placement
    assert again.replies[1].data["key"] == "already_done"


def test_a_double_tap_counts_once_and_an_old_button_changes_nothing(
    conversation: Conversation, engine: Engine
) -> None:
    conversation.start(ANNA)
    conversation.answer(ANNA, "toestemming", "ja")
    first = conversation.press(ANNA, answer_data("rol", "medewerker"))
    assert first.answered is not None
    again = conversation.press(ANNA, answer_data("rol", "medewerker"))
    assert again.replies == [] and again.answered is None
    changed = conversation.press(ANNA, answer_data("rol", "directie"))
    assert changed.replies[0].data["key"] == "stale_button"
    assert changed.replies[1].data["question"].id == "er_weten_1"
    _, answers = stored(engine)
    assert answers["rol"] == "medewerker"


def test_back_pause_and_resume_keep_answers(conversation: Conversation, engine: Engine) -> None:
    conversation.start(ANNA)
    conversation.answer(ANNA, "toestemming", "ja")
    conversation.answer(ANNA, "rol", "hr")
    assert current_question_id(conversation) == "er_weten_1"
    back = conversation.back(ANNA)
    assert back.replies[-1].data["question"].id == "rol"
    assert back.replies[-1].data["previous_answer"] == "hr"
    refused = conversation.back(ANNA)
    assert refused.replies[0].data["key"] == "first_question"
    conversation.answer(ANNA, "rol", "hr")
    paused = conversation.pause(ANNA)
    assert paused.replies[0].data == {"key": "paused", "actions": ["resume"]}
    assert stored(engine)[0].state == "paused"
    resumed = conversation.press(ANNA, "nav:resume")
    assert resumed.replies[-1].data["question"].id == "er_weten_1"
    assert stored(engine)[1]["rol"] == "hr"


def test_restart_asks_first_and_then_clears_this_scan(
    conversation: Conversation, engine: Engine
) -> None:
    conversation.start(ANNA)
    conversation.answer(ANNA, "toestemming", "ja")
    conversation.answer(ANNA, "rol", "hr")
    ask = conversation.restart(ANNA)
    assert ask.replies[0].data == {"key": "restart_confirm", "actions": ["restart", "keep"]}
    assert stored(engine)[1]["rol"] == "hr"
    done = conversation.press(ANNA, "nav:restart")
    assert done.replies[-1].data["question"].id == "rol"
    assert stored(engine)[1] == {"toestemming": "ja"}


def test_no_raw_identity_is_stored(conversation: Conversation, database_url: str) -> None:
    conversation.start(ANNA)
    conversation.answer(ANNA, "toestemming", "ja")
    with Session(conversation.engine) as session:
        respondent = session.exec(select(Respondent)).one()
    assert ANNA.external_id not in respondent.pseudonym
    conversation.engine.dispose()
    raw = everything_stored(database_url)
    assert respondent.pseudonym.encode() in raw  # the dump does hold what is stored
    assert ANNA.external_id.encode() not in raw


def test_garbage_button_data_gets_a_hint(conversation: Conversation) -> None:
    conversation.start(ANNA)
    outcome = conversation.press(ANNA, "a:toestemming:misschien")
    assert outcome.replies[0].data["key"] == "not_understood"
    assert conversation.press(ANNA, "rubbish").replies[0].data["key"] == "not_understood"


def test_someone_who_never_started_leaves_nothing_behind(
    conversation: Conversation, engine: Engine
) -> None:
    stranger = Person("telegram", "555", "nl")
    assert conversation.current(stranger, unclear=True).replies[0].data["key"] == "not_started"
    assert conversation.press(stranger, answer_data("rol", "hr")).replies[0].data["key"] == (
        "not_started"
    )
    assert conversation.back(stranger).replies[0].data["key"] == "not_started"
    with Session(engine) as session:
        assert session.exec(select(Respondent)).all() == []


def test_a_second_scan_says_how_the_placement_moved(
    conversation: Conversation, dialogue: Dialogue
) -> None:
    conversation.start(ANNA)
    conversation.answer(ANNA, "toestemming", "ja")
    while conversation.current(ANNA).replies[-1].template == "question":
        answer_current(conversation, 1)  # low everywhere
    first = conversation.start(ANNA).replies[0]
    assert first.data["movement"] is None  # nothing to compare with yet

    conversation.restart(ANNA, confirmed=True)
    outcome = None
    while conversation.current(ANNA).replies[-1].template == "question":
        outcome = answer_current(conversation, 4)  # high everywhere
    assert outcome is not None
    summary = outcome.replies[-1]
    movement = summary.data["movement"]
    assert movement.phase is not None and movement.phase[0] < movement.phase[1]
    assert set(movement.up) == set(dialogue.model("eigen_regie").dimensions)
    text = Renderer(dialogue).render(summary).text
    assert "Sinds je vorige scan" in text and "Duidelijk sterker geworden:" in text


def test_a_chosen_language_wins_over_the_app_language(conversation: Conversation) -> None:
    offered = conversation.choose_language(ANNA).replies[0]
    assert offered.data["key"] == "language_choice"
    assert [data for _, _, data in offered.data["buttons"]] == ["lang:nl", "lang:en"]
    assert conversation.press(ANNA, "lang:xx").replies[0].data["key"] == "language_choice"

    chosen = conversation.press(ANNA, "lang:en")
    assert chosen.language == "en" and chosen.replies[0].data["key"] == "language_set"
    started = conversation.start(ANNA)  # ANNA's app says Dutch
    assert started.language == "en"
    assert conversation.language_of(ANNA) == "en"
    conversation.press(ANNA, "lang:nl")
    assert conversation.current(ANNA).language == "nl"
