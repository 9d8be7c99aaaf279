"""Process-wide settings for a long-running bot, all in one place and applied on purpose.

Nothing here runs at import: `tune_process()` is called once the bot is built, by the
commands that serve Telegram. Tests and the console run with Python's defaults.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import os
import warnings

from telegram.warnings import PTBUserWarning

# A tap's objects are freed by reference count; the young generation was collected only
# because a few hundred taps in flight hold that many objects at once. At Python's default of
# 700: 327 collections in 30 s (~5 % of the bot's CPU, pauses up to 38 ms); at 10,000: 4.
YOUNG_GENERATION_THRESHOLD = 10_000
# Pillow keeps pixels in blocks of up to 16 MB, which the C heap keeps after a picture is freed
# (17 MB held); 4 MB blocks go back to the system. Read by Pillow when it is first imported.
PILLOW_BLOCK_SIZE = "4m"
# Open files wanted where the system sets no hard limit.
OPEN_FILES = 65_536


def tune_process() -> None:
    """Applies every process-wide setting the bot runs with."""
    _more_open_files()
    _collect_less()
    _faster_event_loop()
    os.environ.setdefault("PILLOW_BLOCK_SIZE", PILLOW_BLOCK_SIZE)
    # sendMessage and editMessageText are sent raw on purpose (bot.telegram.sending).
    warnings.filterwarnings(
        "ignore",
        message=r"Please use 'Bot\.(sendMessage|editMessageText)'",
        category=PTBUserWarning,
    )


def _collect_less() -> None:
    """Sets start-up's objects aside for good and collects the young generation less often.

    Modules, the dialogue and the templates live as long as the process, so full collections
    need not walk them again (gc.freeze). Cyclic garbage is still collected.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)


def _more_open_files() -> None:
    """Raises the open-file limit to what the system allows (1,024 is common).

    Every connection holds a file: Telegram's, the database's, and slow or half-open ones
    that a webhook server must outlast until it closes them.
    """
    if importlib.util.find_spec("resource") is None:
        return  # Windows has no such limit to raise
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, OPEN_FILES)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _faster_event_loop() -> None:
    """Makes new event loops uvloop ones (less CPU per Bot API call) where uvloop exists."""
    if importlib.util.find_spec("uvloop") is None:
        return  # no uvloop for Windows: the standard loop serves
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
