"""The Telegram channel: python-telegram-bot wired to the service.

`application` builds the bot and lists every handler; `handlers` turn updates into service
calls; `sending` renders and sends what the service returned; `ordering` is the processing
model; `transport` the Bot API connection; `webhook` the webhook server; `jobs` the timed work.
"""
