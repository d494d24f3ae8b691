"""The member registry: adding, importing, removing spaces and reading feed health."""
from __future__ import annotations

import csv
import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from corete.core.models import utcnow
from corete.federation.models import Feed
from corete.spaces.models import SPACE_KINDS, Space


class RegistryError(ValueError):
    """Bad registry input; the message is for the person who typed it, in their language
    (English at the command line)."""


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return text[:70] or "space"


def unique_slug(session, name: str) -> str:
    base = slugify(name)
    slug, n = base, 2
    while session.scalar(select(Space.id).where(Space.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def check_feed_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistryError(_("%(url)s is not an http(s) URL", url=repr(url)))
    if len(url) > 2000:
        raise RegistryError(_("the feed URL is longer than 2000 characters"))
    return url


def _coordinate(value, low, high, name):
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RegistryError(_("%(name)s %(value)s is not a number", name=name, value=repr(value))) from None
    if not low <= number <= high or number != number:
        raise RegistryError(_("%(name)s %(value)s is outside %(low)s..%(high)s", name=name, value=number, low=low, high=high))
    return number


def _fields(kind=None, city=None, lat=None, lon=None, email=None, website=None) -> dict:
    if kind not in (None, "") and kind not in SPACE_KINDS:
        raise RegistryError(_("kind must be one of %(kinds)s", kinds=", ".join(SPACE_KINDS)))
    lat, lon = _coordinate(lat, -90, 90, "lat"), _coordinate(lon, -180, 180, "lon")
    if (lat is None) != (lon is None):
        raise RegistryError(_("give both lat and lon, or neither"))
    values = {"kind": kind or None, "city": (city or "").strip() or None, "lat": lat, "lon": lon,
              "email": (email or "").strip() or None, "website": (website or "").strip() or None}
    return {k: v for k, v in values.items() if v is not None}


def add_feed(space: Space, url: str) -> Feed:
    url = check_feed_url(url)
    for feed in space.feeds:
        if feed.url == url:
            return feed
    # New feeds are polled soon, but not all in the same second.
    feed = Feed(url=url, next_poll_at=utcnow() + dt.timedelta(seconds=random.uniform(0, 30)))
    space.feeds.append(feed)
    return feed


def add_space(session, name: str, feeds: list[str], **fields) -> Space:
    name = (name or "").strip()
    if not name:
        raise RegistryError(_("a space needs a name"))
    if not feeds:
        raise RegistryError(_("a space needs at least one feed URL"))
    values = _fields(**fields)
    space = Space(slug=unique_slug(session, name), name=name, tags=[], locked_fields=[], **values)
    session.add(space)
    for url in feeds:
        add_feed(space, url)
    session.flush()
    return space


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def import_csv(session, stream) -> ImportReport:
    """Import spaces from CSV (header: name,feed_url[,city,lat,lon,kind,email,website]).
    A space is matched by the slug of its name, so re-importing changes nothing."""
    report = ImportReport()
    reader = csv.DictReader(stream)
    missing = {"name", "feed_url"} - set(reader.fieldnames or [])
    if missing:
        raise RegistryError(_("the header row lacks %(columns)s", columns=", ".join(sorted(missing))))
    for line, row in enumerate(reader, 2):
        try:
            name = (row.get("name") or "").strip()
            urls = [check_feed_url(u) for u in (row.get("feed_url") or "").split()]
            extra = _fields(**{k: row.get(k) for k in ("city", "lat", "lon", "kind", "email", "website")})
            space = session.scalar(select(Space).where(Space.slug == slugify(name))) if name else None
            if space is None:
                add_space(session, name, urls, **extra)
                report.created += 1
                continue
            before = ({f.url for f in space.feeds}, {k: getattr(space, k) for k in extra})
            for key, value in extra.items():
                setattr(space, key, value)
            for url in urls:
                add_feed(space, url)
            after = ({f.url for f in space.feeds}, {k: getattr(space, k) for k in extra})
            if before == after:
                report.unchanged += 1
            else:
                report.updated += 1
        except RegistryError as e:
            report.errors.append(f"line {line}: {e}")
    session.flush()
    return report


def get_space(session, slug: str) -> Space:
    space = session.scalar(select(Space).where(Space.slug == slug))
    if space is None:
        raise RegistryError(_("no space %(slug)s", slug=repr(slug)))
    return space


def space_names(session, slugs) -> dict[str, str]:
    """{slug: name} of these spaces, for pages that hold slugs (a round's members) and
    show people names."""
    slugs = list(set(slugs))
    return {slug: name for slug, name in session.execute(select(Space.slug, Space.name).where(Space.slug.in_(slugs)))} if slugs else {}


def feed_health(feed: Feed) -> dict:
    return {
        "url": feed.url,
        "state": feed.state,
        "format": feed.format,
        "last_success_at": feed.last_success_at.isoformat() if feed.last_success_at else None,
        "last_polled_at": feed.last_polled_at.isoformat() if feed.last_polled_at else None,
        "last_status": feed.last_status,
        "last_error_class": feed.last_error_class,
        "last_error_message": feed.last_error_message,
        "consecutive_failures": feed.consecutive_failures,
        "next_poll_at": feed.next_poll_at.isoformat() if feed.state == "active" and feed.next_poll_at else None,
        "redirect_pending": feed.redirect_candidate,
        "redirect_confirmations": feed.redirect_confirmations,
        "held_removals": len(feed.held_removals or []),
    }
