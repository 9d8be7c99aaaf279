"""The real python-telegram-bot application against a local Bot API server, driven by taps.

Updates travel the real path: the fake server queues them, PTB fetches them with getUpdates,
our handlers run, and every message the bot sends is checked the way Telegram checks it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from pathlib import Path

from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Answer, Result
from tests.fakebotapi import FakeBotApi
from tests.flow import BEFORE_ROLE, WORKER_TAPS, WORKER_TOTAL, counted
from tests.harness import answer_all, start_bot_process, tap_and_settle


async def test_a_person_taps_from_start_to_summary(
    api: FakeBotApi, running_bot: Path, database_url: str
) -> None:
    anna = api.user(4242, "Anna")
    started = time.perf_counter()
    await anna.send("/start team42")
    # Three replies: settling after the first could end before the last on a busy machine.
    await anna.wait_for(lambda user: "Doe je mee?" in user.last.get("plain", ""))
    await api.settle()
    assert "Welkom bij de leercultuurscan" in anna.messages[-2]["text"]
    assert anna.last["text"].endswith("Doe je mee?</b>") or "Doe je mee?" in anna.last["text"]
    await tap_and_settle(api, anna, "✅ Ja, ik doe mee")
    consent_message = anna.messages[-2]
    # The answer as its button said it: one check mark, the option's own.
    assert "\nJouw antwoord: ✅ Ja, ik doe mee" in consent_message["text"]
    assert consent_message["text"].count("✅") == 1
    assert not consent_message.get("reply_markup")
    assert f"Vraag 1 van {BEFORE_ROLE}" in anna.last["text"]
    await tap_and_settle(api, anna, "👷 Medewerker")
    taps = 2 + await answer_all(api, anna, pick=3)
    elapsed = time.perf_counter() - started

    summary = anna.last["text"]
    assert anna.messages[-2]["photo"]  # the picture of where she stands comes first
    assert "Klaar! Dit is jouw uitslag." in summary
    assert "Drie tips voor jou" in summary
    await tap_and_settle(api, anna, "📖 Meer uitleg")  # the model part, one tap away
    assert "Jij: stap 4 van 5" in anna.last["plain"]
    assert taps == WORKER_TAPS
    assert api.rejected == []
    assert api.unanswered_callback_queries() == []
    engine = make_engine(database_url)
    with Session(engine) as session:
        assert len(session.exec(select(Answer)).all()) == WORKER_TAPS
        assert session.exec(select(Result)).one() is not None
    print(f"\none interview through the Telegram path: {taps} taps in {elapsed:.2f} s")


async def test_back_button_shows_the_previous_question_with_its_answer(
    api: FakeBotApi, running_bot: Path
) -> None:
    bob = api.user(777, "Bob")
    await bob.send("/start")
    await api.settle()
    await tap_and_settle(api, bob, "✅ Ja")
    await tap_and_settle(api, bob, "🗂️ HR")
    hr_total = counted({"toestemming": "ja", "rol": "hr"})
    assert f"Vraag 2 van {hr_total}" in bob.last["text"]
    await tap_and_settle(api, bob, "⬅️ Terug")
    assert "Wat is jouw rol in het werk?" in bob.last["text"]
    await tap_and_settle(api, bob, "🏢 Directie")
    directie_total = counted({"toestemming": "ja", "rol": "directie"})
    assert f"Vraag 2 van {directie_total}" in bob.last["text"]
    assert api.rejected == []


async def test_commands_text_and_old_buttons_get_friendly_replies(
    api: FakeBotApi, running_bot: Path
) -> None:
    cas = api.user(31337, "Cas")
    await cas.send("/start")
    await api.settle()
    await tap_and_settle(api, cas, "✅ Ja")
    await cas.send("ik typ liever")
    await api.settle()
    assert "Antwoorden gaat met de knoppen" in cas.messages[-2]["text"]
    assert "Wat is jouw rol in het werk?" in cas.last["text"]
    await cas.send("/pauze")
    await api.settle()
    assert "Gepauzeerd" in cas.last["text"]
    await tap_and_settle(api, cas, "▶️ Verder")
    assert "Wat is jouw rol in het werk?" in cas.last["text"]
    await tap_and_settle(api, cas, "👷 Medewerker")
    first_statement = cas.last["message_id"]
    # A copy whose buttons could not be taken off (sent by another worker, or too old).
    api.fail_next("editMessageReplyMarkup", 400, "Bad Request: message can't be edited")
    await cas.send("/terug")
    await api.settle()
    assert "Wat is jouw rol in het werk?" in cas.last["text"]
    await cas.tap_on(first_statement, "😄 Klopt helemaal")
    await api.settle()
    assert "Die knop hoort bij een eerdere vraag" in cas.messages[-2]["text"]
    assert "Wat is jouw rol in het werk?" in cas.last["text"]
    await tap_and_settle(api, cas, "👷 Medewerker")
    await cas.send("/help")
    await api.settle()
    assert "/terug" in cas.last["text"]
    await cas.send("/opnieuw")
    await api.settle()
    await tap_and_settle(api, cas, "🔄 Ja, opnieuw")
    assert "We beginnen opnieuw." in cas.messages[-2]["text"]
    assert "Wat is jouw rol in het werk?" in cas.last["text"]
    await cas.send("/privacy")
    await api.settle()
    assert "Wat we bewaren" in cas.last["text"]
    assert api.rejected == []
    assert api.unanswered_callback_queries() == []


async def test_killed_bot_process_continues_at_the_same_question(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    process = await start_bot_process(api, tmp_path, DATABASE_URL=database_url)
    try:
        dana = api.user(5005, "Dana")
        await dana.send("/start")
        await api.settle(timeout=20)
        assert any(call[0].lower() == "setmycommands" for call in api.calls)
        await tap_and_settle(api, dana, "✅ Ja")
        await tap_and_settle(api, dana, "👷 Medewerker")
        for _ in range(5):
            await tap_and_settle(api, dana, "😄 Klopt helemaal")
        assert f"Vraag 7 van {WORKER_TOTAL}" in dana.last["text"]
        process.send_signal(signal.SIGKILL)
        await process.wait()

        process = await start_bot_process(api, tmp_path, DATABASE_URL=database_url)
        await dana.send("/start")
        await api.settle(timeout=20)
        assert "Welkom terug!" in dana.messages[-2]["text"]
        assert f"Vraag 7 van {WORKER_TOTAL}" in dana.last["text"]
        await answer_all(api, dana, pick=1)
        assert "Klaar! Dit is jouw uitslag." in dana.last["text"]
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 20)
    engine = make_engine(database_url)
    with Session(engine) as session:
        answers = {a.question_id: a.value for a in session.exec(select(Answer))}
    assert len(answers) == WORKER_TAPS
    first_five = ("weten_1", "weten_2", "willen_1", "willen_2", "kunnen_1")
    assert [answers[f"er_{q}"] for q in first_five] == ["klopt_helemaal"] * 5
    assert api.rejected == []


async def test_a_person_switches_language_mid_scan_and_it_sticks(
    api: FakeBotApi, running_bot: Path
) -> None:
    eva = api.user(6060, "Eva", language_code="nl")  # her Telegram app is in Dutch
    await eva.send("/start")
    await api.settle()
    await tap_and_settle(api, eva, "✅ Ja")
    assert "Wat is jouw rol in het werk?" in eva.last["text"]
    await eva.send("/taal")
    await api.settle()
    assert "In welke taal" in eva.last["text"]
    assert eva.buttons() == ["🌐 Nederlands", "🌐 English"]
    await tap_and_settle(api, eva, "🌐 English")
    assert "From now on I will talk to you in English." in eva.messages[-2]["text"]
    assert "What is your role at work?" in eva.last["text"]  # the same question, in English
    await tap_and_settle(api, eva, "👷 Employee")
    assert "Question 2 of" in eva.last["text"]
    await eva.send("/help")  # her app still says Dutch: her choice wins
    await api.settle()
    assert "How it works" in eva.last["text"]
    await eva.send("/start")
    await api.settle()
    assert "Welcome back" in eva.messages[-2]["text"]
    await answer_all(api, eva, pick=3)
    assert "Here is your result." in eva.last["text"]
    assert eva.messages[-2]["photo"]

    await eva.send("/language")  # the English name of the command works too
    await api.settle()
    await tap_and_settle(api, eva, "🌐 Nederlands")
    assert "Vanaf nu praat ik Nederlands met je." in eva.last["text"]
    assert api.rejected == []
    assert api.unanswered_callback_queries() == []


async def test_the_language_of_the_telegram_app_is_used_until_one_is_chosen(
    api: FakeBotApi, running_bot: Path
) -> None:
    finn = api.user(6061, "Finn", language_code="en-GB")
    await finn.send("/start")
    await api.settle()
    assert "Will you take part?" in finn.last["text"]
    commands = {c[1].get("language_code") for c in api.calls if c[0].lower() == "setmycommands"}
    assert {"en"} <= commands  # the command menu is there in English too
    other = api.user(6062, "Gus", language_code="de")  # no German: Dutch, the default
    await other.send("/start")
    await api.settle()
    assert "Doe je mee?" in other.last["text"]
