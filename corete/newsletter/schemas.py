"""The subscription form: what a person may ask for, checked."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from corete.newsletter.services import NewsletterError, Wish, clean_email

MAX_CHOICES = 20


def _list(form, name: str) -> list[str]:
    values = []
    for raw in form.getlist(name):
        for part in raw.split(",") if name == "tags" else [raw]:
            part = " ".join(part.split())[:100]
            if part and part.casefold() not in {v.casefold() for v in values}:
                values.append(part)
    if len(values) > MAX_CHOICES:
        raise NewsletterError(_("Choose at most %(n)d.", n=MAX_CHOICES))
    return values


def wish_from(form, kind: str) -> tuple[Wish | None, dict]:
    """(the wish, {}) or (None, the errors by field)."""
    errors = {}
    try:
        email = clean_email(form.get("email", ""))
    except NewsletterError as e:
        errors["email"], email = str(e), ""
    lang = form.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]
    if lang not in current_app.config["LANGUAGES"]:
        errors["lang"] = _("Choose Italian or English.")
    chosen = {}
    for name in ("cities", "tags", "spaces"):
        try:
            chosen[name] = _list(form, name)
        except NewsletterError as e:
            errors[name], chosen[name] = str(e), []
    if kind == "follow" and not any(chosen.values()) and "cities" not in errors:
        errors["cities"] = _("Choose what to follow: a city, a tag or a space.")
    if errors:
        return None, errors
    return Wish(email, kind, lang, chosen["cities"], chosen["tags"], chosen["spaces"]), {}
