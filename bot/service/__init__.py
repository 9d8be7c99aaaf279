"""The service: what a person can do, for any channel (Telegram, web, console).

Nothing here imports a channel library. Each call takes one person's input, runs it through
the interview machine and storage in one transaction, and returns an `Outcome`: what to say,
as template names with their data. The channels render and send it.
"""
