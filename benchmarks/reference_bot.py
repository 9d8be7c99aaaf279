"""The reference bot: the scan's questions the way python-telegram-bot's own examples are built.

    TELEGRAM_BOT_TOKEN=... .venv/bin/python -m benchmarks.reference_bot

A ConversationHandler with PicklePersistence and PTB's default sequential processing, like
`conversationbot.py` and `persistentconversationbot.py` in PTB's examples. It asks the same
questions as our bot (read from the dialogue, Dutch words from the locale) with inline
buttons, and shows the same chat to the person: the tapped question shows its answer, the
next question follows as a new message. It stores no result and draws no chart.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    PicklePersistence,
)

from dialogues.loader import ResolvedQuestion, default_dialogue, option_label

ASKING = 0
DIALOGUE = default_dialogue()
LOCALE = DIALOGUE.locale("nl")


def applies(question: ResolvedQuestion, answers: dict[str, str]) -> bool:
    return all(answers.get(ref) in values for ref, values in (question.when or {}).items())


def next_question(after: str | None, answers: dict[str, str]) -> ResolvedQuestion | None:
    ids = [q.id for q in DIALOGUE.questions]
    start = ids.index(after) + 1 if after else 0
    return next((q for q in DIALOGUE.questions[start:] if applies(q, answers)), None)


def label(question: ResolvedQuestion, value: str) -> str:
    option = question.option(value)
    assert option is not None
    return f"{option.emoji} {option_label(LOCALE, question, option)}".strip()


def question_markup(question: ResolvedQuestion) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    label(question, o.value), callback_data=f"a:{question.id}:{o.value}"
                )
            ]
            for o in question.options
        ]
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Greets the person and asks the first question."""
    assert update.message is not None and context.user_data is not None
    context.user_data["answers"] = {}
    first = next_question(None, {})
    assert first is not None
    context.user_data["at"] = first.id
    await update.message.reply_text(LOCALE.messages["welcome"])
    await update.message.reply_text(
        LOCALE.questions[first.id].text, reply_markup=question_markup(first)
    )
    return ASKING


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Stores the answer and asks the next question."""
    query = update.callback_query
    assert query is not None and query.data and context.user_data is not None
    await query.answer()
    _, question_id, value = query.data.split(":", 2)
    if question_id != context.user_data.get("at"):
        return ASKING  # a button of an earlier question
    answers: dict[str, str] = context.user_data["answers"]
    answers[question_id] = value
    question = DIALOGUE.question(question_id)
    await query.edit_message_text(
        f"{LOCALE.questions[question_id].text}\n✅ {LOCALE.messages['answered']} "
        f"{label(question, value)}"
    )
    following = next_question(question_id, answers)
    chat_id = query.message.chat.id if query.message else query.from_user.id
    if following is None:
        await context.bot.send_message(chat_id, LOCALE.messages["summary_title"])
        return ConversationHandler.END
    context.user_data["at"] = following.id
    await context.bot.send_message(
        chat_id, LOCALE.questions[following.id].text, reply_markup=question_markup(following)
    )
    return ASKING


def main() -> None:
    """Runs the bot until stopped."""
    logging.basicConfig(level=logging.WARNING)
    persistence = PicklePersistence(filepath=Path(os.environ.get("DATA_DIR", ".")) / "ref.pickle")
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ.get("TELEGRAM_BASE_URL", "https://api.telegram.org/bot"))
        .persistence(persistence)
        .build()
    )
    conversation = ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={ASKING: [CallbackQueryHandler(answer, pattern=r"^a:")]},
        fallbacks=[CommandHandler("start", start)],
        name="scan",
        persistent=True,
    )
    application.add_handler(conversation)
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
