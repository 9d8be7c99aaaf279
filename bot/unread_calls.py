"""Bot API calls whose answer the bot never reads, sent without building PTB objects from it.

`send_message` and `edit_message_text` turn Telegram's answer into a `Message` (with its
chat, sender and keyboard): 0.25 ms of CPU each, about a seventh of a tap's CPU, for an
object every tap throws away. `do_api_request` sends the same request through the same
rate limiter and retries and returns the answer as it came. Defaults do not apply to it,
so the parse mode is set here.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.warnings import PTBUserWarning

# PTB asks callers to prefer the named method; here the raw call is the point.
warnings.filterwarnings(
    "ignore",
    message=r"Please use 'Bot\.(sendMessage|editMessageText)'",
    category=PTBUserWarning,
)


async def send_text(bot: Bot, chat_id: int, text: str, buttons: str | None = None) -> None:
    """Sends an HTML message, with buttons (a keyboard in JSON) if there are any."""
    call: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
    if buttons is not None:
        call["reply_markup"] = buttons
    await bot.do_api_request("sendMessage", api_kwargs=call)


async def replace_text(bot: Bot, chat_id: int, message_id: int, text: str) -> None:
    """Replaces a message's text (and so drops its buttons)."""
    call = dict(chat_id=chat_id, message_id=message_id, text=text, parse_mode=ParseMode.HTML)
    await bot.do_api_request("editMessageText", api_kwargs=call)
