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
from corete.core.vocabulary import SPACE_KINDS
from corete.spaces.models import Space


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


# --- The coordinators' registry pages (/console/spaces) --------------------------------------

# What a coordinator edits of a space; a field changed here is locked: the space's feed no
# longer changes it (federation.services.update_space_profile).
EDITABLE = ("name", "kind", "address", "city", "postal_code", "lat", "lon", "email", "phone", "website",
            "opening_hours", "timezone", "description", "tags")
ACTIONS = ("pause", "resume", "retire", "restore")


def space_state(space: Space) -> str:
    """"retired" (hidden, not polled), "paused" (shown, no feed polled), or "active"."""
    if not space.active:
        return "retired"
    if space.feeds and all(f.state == "paused" for f in space.feeds):
        return "paused"
    return "active"


def edit_space(space: Space, form: dict, *, unlock: bool = False) -> list[str]:
    """Apply a coordinator's form (a loaded ProfileIn: a field left out was emptied); the
    names of the fields that changed. They are locked against the feed, unless ``unlock``
    hands every field back to it."""
    changed = []
    for key in EDITABLE:
        value = form.get(key)
        if key == "tags":
            value = value or []
        elif key == "kind":
            value = value or "other"
        if getattr(space, key) != value:
            setattr(space, key, value)
            changed.append(key)
    space.locked_fields = [] if unlock else sorted(set(space.locked_fields or []) | set(changed))
    return changed


def act_on_space(space: Space, action: str, now: dt.datetime) -> None:
    """Pause (its feeds are no longer read; what they published stays), resume, retire
    (hidden from every page, the API and the exports, and not polled; nothing is deleted)
    or restore a space."""
    if action not in ACTIONS:
        raise RegistryError(_("Unknown action."))
    if action in ("retire", "restore"):
        space.active = action == "restore"
    for feed in space.feeds:
        if action in ("pause", "retire") and feed.state == "active":
            feed.state = "paused"
        elif action in ("resume", "restore") and feed.state == "paused":
            feed.state, feed.next_poll_at, feed.consecutive_failures = "active", now, 0


def new_space(session, form: dict, urls: list[str]) -> Space:
    """A space a coordinator added from the web: the same rules as `corete spaces add`;
    what the form gives besides is the profile until the space's feed says otherwise."""
    space = add_space(session, form["name"], urls, **{k: form.get(k) for k in ("kind", "city", "lat", "lon",
                                                                              "email", "website")})
    for key in EDITABLE:
        if getattr(space, key) in (None, []) and form.get(key) not in (None, [], ""):
            setattr(space, key, form[key])
    session.flush()
    return space


@dataclass
class FeedCheck:
    """What the validator said of a feed address a coordinator gave."""

    url: str
    report: object  # federation.validate.ValidationReport

    @property
    def usable(self) -> bool:
        """The hub can read it: fetched, and a feed it understands (rejected items are the
        operator's to fix; the rest of the feed lands)."""
        return self.report.error is None


MAX_FEEDS_AT_ONCE = 10  # each is fetched by the validator while the coordinator waits


def feed_urls(text: str | None) -> list[str]:
    """The addresses of a text box, one a line (or separated by spaces), checked, without
    repeats; at most MAX_FEEDS_AT_ONCE."""
    words = list(dict.fromkeys((text or "").split()))
    if len(words) > MAX_FEEDS_AT_ONCE:
        raise RegistryError(_("At most %(n)d addresses at once: add the others next.", n=MAX_FEEDS_AT_ONCE))
    urls: list[str] = []
    for word in words:
        url = check_feed_url(word)
        if url not in urls:
            urls.append(url)
    return urls


def check_feeds(urls: list[str], config) -> list[FeedCheck]:
    """Each address through the validator, as the poller will fetch it (its networks), in
    at most VALIDATE_FETCH_DEADLINE seconds each, several at once."""
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from corete.federation.fetch import FetchPolicy
    from corete.federation.validate import validate_source

    deadline = float(config["VALIDATE_FETCH_DEADLINE"])
    poller = FetchPolicy.from_config(config)
    policy = replace(poller, total_deadline=min(poller.total_deadline, deadline),
                     host_wait=min(poller.host_wait, deadline))
    with ThreadPoolExecutor(max_workers=min(4, len(urls) or 1)) as pool:
        reports = list(pool.map(lambda url: validate_source(url=url, config=config, policy=policy), urls))
    return [FeedCheck(url, report) for url, report in zip(urls, reports)]
