"""Categories of events, each with a colour: a few kinds of events a visitor picks from,
each defined as the tags that put an event in it (feeds already publish tags; no feed
format changes). An event is in the first category one of its tags belongs to.

A network sets its own in EVENT_CATEGORIES (a list of {"key", "colour", "tags", "it",
"en"}); without it, the defaults below. Colours are shown beside a text label, never alone.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from corete.core.i18n import page_language


@dataclass(frozen=True)
class Category:
    key: str
    colour: str  # a CSS colour, for the dot beside the label
    tags: tuple[str, ...]  # casefolded
    labels: tuple[tuple[str, str], ...] = ()  # (language, label) from the configuration
    default_label: object = None  # a lazy gettext for the defaults

    @property
    def label(self) -> str:
        if self.labels:
            labels = dict(self.labels)
            return labels.get(page_language()) or labels.get("en") or self.key
        return str(self.default_label or self.key)


DEFAULTS = (
    Category("workshops", "#b5462b", ("workshop", "laboratorio", "laboratori", "corso", "corsi", "formazione",
                                     "training", "fotografia", "falegnameria"), default_label=_l("Workshops and courses")),
    Category("talks", "#1f4e5f", ("talk", "conferenza", "incontro", "seminario", "barcamp", "pitch", "presentazione"),
             default_label=_l("Talks and meetings")),
    Category("community", "#0b7a5b", ("networking", "comunità", "community", "aperitivo", "colazione", "cena", "festa"),
             default_label=_l("Community and networking")),
    Category("making", "#7a4f9a", ("maker", "makers", "fablab", "fab lab", "hackathon", "stampa 3d", "open lab",
                                   "elettronica"), default_label=_l("Making and hacking")),
    Category("open", "#a06a00", ("open day", "porte aperte", "visita", "mercatino", "riuso"),
             default_label=_l("Open days and markets")),
)


def categories() -> tuple[Category, ...]:
    """The network's categories: EVENT_CATEGORIES, else the defaults."""
    configured = current_app.config.get("EVENT_CATEGORIES")
    if not configured:
        return DEFAULTS
    cached = current_app.extensions.get("corete_event_categories")
    if cached is not None and cached[0] is configured:
        return cached[1]
    categories = tuple(
        Category(str(c["key"]), str(c.get("colour", "#555")), tuple(str(t).casefold() for t in c.get("tags", [])),
                 labels=tuple((lang, str(c[lang])) for lang in ("it", "en") if c.get(lang)))
        for c in configured)
    current_app.extensions["corete_event_categories"] = (configured, categories)
    return categories


def find(key: str | None) -> Category | None:
    return next((c for c in categories() if c.key == key), None) if key else None


def of_tags(tags) -> Category | None:
    """The category of an event with these tags (the first that has one of them)."""
    folded = {t.casefold() for t in tags or []}
    return next((c for c in categories() if folded.intersection(c.tags)), None) if folded else None


def tag_filter(tag: str | None, category: str | None):
    """What the tag filter of the services gets: a tag, or a category's tags (a tuple)."""
    if tag:
        return tag
    found = find(category)
    return found.tags if found else None
