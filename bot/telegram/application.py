"""The Telegram bot: built from the settings, every handler listed in the order it is tried."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot.app import build_conversation, build_renderer
from bot.pictures import Painter
from bot.service.conversation import Conversation
from bot.service.hr import HR_PREFIX, Hr
from bot.service.teams import TEAM_PREFIX, Teams
from bot.settings import Settings
from bot.telegram import handlers
from bot.telegram.context import CONTEXT_TYPES, App
from bot.telegram.jobs import schedule
from bot.telegram.menus import COMMANDS, set_default_menu
from bot.telegram.ordering import PendingLimit, PersonOrder
from bot.telegram.transport import AiohttpRequest, PatientRateLimiter
from bot.tuning import tune_process
from reports.overview import HrOverview
from storage.database import Database

__all__ = ["COMMANDS", "build_application", "run_polling", "set_up"]

# Each update makes up to three Bot API calls at once; the connection pool is sized to match.
CALLS_PER_UPDATE = 4


async def set_up(application: App) -> None:
    """Learns the bot's link, sets the command menu and schedules the timed work."""
    renderer = application.bot_data.renderer
    renderer.deep_link = f"https://t.me/{application.bot.username}?start="
    await set_commands(application)
    schedule(application)


async def tear_down(application: App) -> None:
    """Stops the drawing thread."""
    application.bot_data.painter.close()


async def set_commands(application: App) -> None:
    """Sets the menu everyone sees; leads, HR and admins get theirs per chat (see menus)."""
    await set_default_menu(application.bot, application.bot_data.renderer.dialogue)


def build_application(settings: Settings, conversation: Conversation | None = None) -> App:
    """Builds the bot and lists every handler in the order they are tried."""
    if settings.telegram_bot_token is None:
        raise SystemExit("Set TELEGRAM_BOT_TOKEN to run the Telegram bot.")
    conversation = conversation or build_conversation(settings)
    # PTB's builder cannot carry BotData's type through every step; `App` names the result.
    application = cast(
        App,
        ApplicationBuilder()
        .context_types(CONTEXT_TYPES)
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(PatientRateLimiter())
        .request(AiohttpRequest(CALLS_PER_UPDATE * settings.max_concurrent_updates))
        .get_updates_request(AiohttpRequest(1))
        .update_queue(PendingLimit(settings.max_pending_updates))
        .concurrent_updates(
            PersonOrder(
                in_flight=settings.max_pending_updates,
                people_at_once=settings.max_concurrent_updates,
                per_person=settings.max_updates_per_person,
                on_flood=lambda update: handlers.flooded(
                    update, CONTEXT_TYPES.context.from_update(update, application)
                ),
            )
        )
        .post_init(set_up)
        .post_shutdown(tear_down)
        .build(),
    )
    data = application.bot_data
    data.conversation = conversation
    data.database = Database(conversation.engine)
    data.renderer = build_renderer(settings, conversation)
    data.painter = Painter()
    data.teams = Teams(conversation.people, settings.min_group_size)
    data.hr_ids = settings.hr_ids | settings.admin_ids
    data.admin_ids = settings.admin_ids
    data.reminder_spacing = timedelta(seconds=1 / settings.reminders_per_second)
    overview = HrOverview(conversation.engine, conversation.dialogue, settings.min_group_size)
    data.hr = Hr(conversation.people, overview)

    # Commands count when sent; editing an old message into a command does nothing.
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    group_command = ~filters.ChatType.PRIVATE & filters.COMMAND
    application.add_handler(MessageHandler(group_command, handlers.group_chat))
    application.add_handler(CommandHandler("start", handlers.start, filters=private))
    application.add_handler(CommandHandler("help", handlers.help_command, filters=private))
    application.add_handler(CommandHandler("privacy", handlers.privacy, filters=private))
    application.add_handler(CommandHandler("terug", handlers.back, filters=private))
    application.add_handler(CommandHandler("pauze", handlers.pause, filters=private))
    application.add_handler(CommandHandler("opnieuw", handlers.restart, filters=private))
    application.add_handler(
        CommandHandler(["taal", "language"], handlers.choose_language, filters=private)
    )
    application.add_handler(CommandHandler("mijngegevens", handlers.my_data, filters=private))
    application.add_handler(CommandHandler("verwijder", handlers.forget, filters=private))
    application.add_handler(CommandHandler("team", handlers.team, filters=private))
    application.add_handler(CommandHandler("teamresultaat", handlers.team_results, filters=private))
    application.add_handler(CommandHandler("hr", handlers.hr_overview, filters=private))
    application.add_handler(CommandHandler("organisatie", handlers.organisation, filters=private))
    application.add_handler(CommandHandler("hrtoegang", handlers.hr_access, filters=private))
    application.add_handler(CallbackQueryHandler(handlers.team_button, pattern=f"^{TEAM_PREFIX}:"))
    application.add_handler(CallbackQueryHandler(handlers.hr_button, pattern=f"^{HR_PREFIX}:"))
    admin_buttons = f"^{handlers.ADMIN_PREFIX}:"
    application.add_handler(CallbackQueryHandler(handlers.admin_button, pattern=admin_buttons))
    application.add_handler(CallbackQueryHandler(handlers.button))
    typed_reply = private & filters.REPLY & filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(typed_reply, handlers.typed_reply))
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE, handlers.anything_else))
    application.add_error_handler(handlers.error_handler)
    return application


def run_polling(settings: Settings) -> int:
    """Runs the bot with long polling until stopped."""
    application = build_application(settings)
    tune_process()
    application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    return 0
