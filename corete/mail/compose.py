"""Rendering a message: the only module that imports css-inline.

Each kind of message has two templates, ``mail/<kind>.txt`` and ``mail/<kind>.html``,
rendered in the recipient's language with the hub's absolute links; the HTML part's
styles (from mail/_base.html's <style>) are written into each element's style attribute,
as mail programs ignore style sheets.
"""
from __future__ import annotations

import logging
from contextvars import ContextVar
from contextlib import contextmanager, nullcontext

import css_inline
from flask import current_app, has_request_context
from flask_babel import force_locale

log = logging.getLogger(__name__)
# Never fetches what a template might link: the styles are all in the template.
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
_INSIDE: ContextVar[bool] = ContextVar("corete_mail_links", default=False)


def base_url() -> str | None:
    config = current_app.config
    return config.get("MAIL_BASE_URL") or config.get("PUBLIC_URL")


@contextmanager
def links():
    """url_for(..., _external=True) gives the hub's public address: MAIL_BASE_URL (or
    PUBLIC_URL) when set, else the address of the request that caused the message. A
    command's core app gets the pages' routes first."""
    if _INSIDE.get():  # a whole batch renders inside one
        yield
        return
    from corete.app import ensure_web

    ensure_web(current_app)
    base = base_url()
    if base is None and has_request_context():
        yield
        return
    if base is None:
        log.warning("MAIL_BASE_URL is not set: links in e-mails point at http://localhost/")
        base = "http://localhost/"
    with current_app.test_request_context("/", base_url=base):
        marker = _INSIDE.set(True)
        try:
            yield
        finally:
            _INSIDE.reset(marker)


def render(kind: str, lang: str, subject, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of a message. ``subject`` is a callable giving the subject
    in the current language (a gettext call), so it is asked in ``lang``."""
    with links(), force_locale(lang) if lang else nullcontext():
        context = {**context, "lang": lang}
        subject_text = str(subject() if callable(subject) else subject)
        # The environment's templates directly: a page's context processors (the logged-in
        # user, the CSRF token) have no place in a message.
        env = current_app.jinja_env
        text = env.get_template(f"mail/{kind}.txt").render(subject=subject_text, **context)
        html = env.get_template(f"mail/{kind}.html").render(subject=subject_text, **context)
    return " ".join(subject_text.split())[:300], text, _INLINER.inline(html)
