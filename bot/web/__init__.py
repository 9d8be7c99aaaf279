"""The web channel: the same interview as a mobile web page, one question per screen.

Server-rendered pages, every button a POST form: it works without JavaScript.
"""
