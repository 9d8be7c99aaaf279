"""Timed work: the nightly tidy, rounds at their end date (and halfway), reminders people
asked for, and teams' actions at their date."""

from __future__ import annotations

import logging
from datetime import time as daytime
from datetime import timedelta
from functools import partial

from bot.telegram.context import App, Context
from bot.telegram.sending import send_notices

log = logging.getLogger(__name__)

# A sender takes the reminders that go out within this time, and looks again after it.
REMINDER_HORIZON = timedelta(seconds=5)
# Rounds end on a day, not a minute: an hourly look is soon enough.
ROUND_CHECK = timedelta(hours=1)
# Actions are due on a morning: an hourly look is soon enough for them too.
ACTION_CHECK = timedelta(hours=1)


def schedule(application: App) -> None:
    """Tidies storage now and every night, closes due rounds hourly, looks for reminders often."""
    assert application.job_queue is not None
    application.job_queue.run_once(tidy, when=0)
    application.job_queue.run_daily(tidy, time=daytime(3, 30))
    application.job_queue.run_repeating(close_rounds, interval=ROUND_CHECK, first=0)
    application.job_queue.run_repeating(
        take_reminders, interval=REMINDER_HORIZON, first=REMINDER_HORIZON
    )
    # A first look soon after start: a bot restarted more often than hourly still looks.
    application.job_queue.run_repeating(remind_actions, interval=ACTION_CHECK, first=60)


async def tidy(context: Context) -> None:
    """Expires idle scans and unlinks finished ones past the retention period; forgets the
    web pages' old resume codes too (in webhook mode the same process serves them)."""
    data = context.bot_data
    done = await data.database.run(data.conversation.tidy)
    log.info(
        "tidied: %d idle scans expired, %d old scans unlinked, %d web resume codes forgotten",
        done.expired,
        done.unlinked,
        done.resume_codes,
    )


async def close_rounds(context: Context) -> None:
    """Closes the rounds that reached their end date (frozen from then on) and tells their
    leads; tells the leads of a planned round halfway through."""
    data = context.bot_data
    calendar, spacing = data.hr.calendar, data.reminder_spacing
    closed = await data.database.run(data.teams.close_due_rounds)
    if closed:
        log.info("closed %d team rounds at their end date", len(closed))
    notices = await data.database.run(partial(calendar.closed_notices, closed, spacing=spacing))
    notices += await data.database.run(partial(calendar.halfway_notices, spacing=spacing))
    if notices:  # sent by a task of its own, so the next run is never held up
        context.application.create_task(send_notices(context, notices), name="round notices")


async def take_reminders(context: Context) -> None:
    """Takes the reminders due now and sends them, each at the moment it was given."""
    data = context.bot_data
    due = partial(
        data.conversation.due_reminders, spacing=data.reminder_spacing, horizon=REMINDER_HORIZON
    )
    notices = await data.database.run(due)
    if notices:  # sent by a task of its own, so the next run is never held up
        context.application.create_task(send_notices(context, notices), name="reminders")


async def remind_actions(context: Context) -> None:
    """Takes the team actions whose date came (each once) and reminds their leads."""
    data = context.bot_data
    due = partial(data.teams.actions.due, spacing=data.reminder_spacing)
    notices = await data.database.run(due)
    if notices:
        log.info("reminding %d leads of their team's actions", len(notices))
        context.application.create_task(send_notices(context, notices), name="action reminders")
