"""Bot API calls that ride on the webhook's HTTP response instead of going out on their own."""

from __future__ import annotations

from typing import Any


class WebhookReplies:
    """One method call per update, handed back to Telegram in the webhook response body.

    Telegram runs a method given as the reply to a webhook request, which saves the bot an
    outbound call; it reports no result, which is fine for a callback answer without text.
    """

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, Any]] = {}

    def answer_callback_query(self, update_id: int, query_id: str) -> None:
        self._calls[update_id] = {"method": "answerCallbackQuery", "callback_query_id": query_id}

    def pop(self, update_id: int) -> dict[str, Any] | None:
        """The call to put in the response for this update, if any; forgotten afterwards."""
        return self._calls.pop(update_id, None)
