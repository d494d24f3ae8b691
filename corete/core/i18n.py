"""Language negotiation: the visitor's choice (a cookie set by the switch), else
Accept-Language, else Italian."""
from __future__ import annotations

from flask import current_app, has_request_context, request

COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return "en"  # a command's messages, in the language of its help (e-mails choose their own)
    chosen = request.cookies.get(COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def page_language() -> str:
    """The language of the page being answered: what a message it causes is written in."""
    from flask_babel import get_locale

    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
