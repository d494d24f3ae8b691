"""One event published by several sources appears once.

Two occurrences are the same event when they come from different feeds, start at the
same instant (the same date for all-day events), and have:
- the same UID, when it looks globally unique (contains "@", is a URL, or is long);
- the same URL;
- or the same title, once case, accents, punctuation and spacing are set aside.

This is deliberately conservative: merging two different events is worse than
showing a duplicate. A group never holds two items of the same feed, and never joins
two events a coordinator has split. The item the hub saw first leads the group (its
UID is the one exported), and every host and source is listed.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import or_, select

from corete.events.models import Event, EventSplit
from corete.events.services import EventOccurrence, local_midnight, occurrences

REASONS = ("uid", "url", "title")  # in the order they are tried


@dataclass
class MergedOccurrence:
    """An occurrence as people see it: the leading source, and the others that publish it."""

    primary: EventOccurrence
    others: list[EventOccurrence] = field(default_factory=list)
    reasons: set[str] = field(default_factory=set)

    # The templates and the API read these as they read an EventOccurrence.
    @property
    def event(self) -> Event:
        return self.primary.event

    @property
    def occurrence(self):
        return self.primary.occurrence

    @property
    def id(self) -> str:
        return self.primary.id

    @property
    def members(self) -> list[EventOccurrence]:
        return [self.primary] + self.others

    @property
    def hosts(self):
        seen, hosts = set(), []
        for member in self.members:
            if member.event.space_id not in seen:
                seen.add(member.event.space_id)
                hosts.append(member.event.space)
        return hosts


def normalised_title(title: str) -> str:
    text = unicodedata.normalize("NFKD", title or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[^\W_]+", text))


def normalised_url(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def global_uid(uid: str) -> bool:
    return "@" in uid or uid.startswith(("http://", "https://", "urn:")) or len(uid) >= 20


def _start_key(o: EventOccurrence):
    start = o.occurrence.start
    return start.astimezone(dt.timezone.utc) if isinstance(start, dt.datetime) else ("date", start)


def split_pairs(session, event_ids) -> set[frozenset]:
    ids = list(event_ids)
    if not ids:
        return set()
    rows = session.execute(
        select(EventSplit.event_a_id, EventSplit.event_b_id).where(
            or_(EventSplit.event_a_id.in_(ids), EventSplit.event_b_id.in_(ids))
        )
    )
    return {frozenset(row) for row in rows}


def match_keys(event: Event, titles: dict[int, str]) -> list[tuple[str, str]]:
    """The keys under which two copies starting together are the same event."""
    keys = []
    if global_uid(event.uid):
        keys.append(("uid", event.uid))
    url = normalised_url(event.url)
    if url:
        keys.append(("url", url))
    title = titles.get(event.id)
    if title is None:
        title = titles[event.id] = normalised_title(event.title)
    if title:
        keys.append(("title", title))
    return keys


def merge_duplicates(found: list[EventOccurrence], *, session) -> list[MergedOccurrence]:
    """Group the occurrences of the same event; the result keeps the input's order.
    Linear in the occurrences: copies meet through their keys, not pair by pair."""
    buckets: dict = {}
    for index, o in enumerate(found):
        buckets.setdefault(_start_key(o), []).append(index)
    candidates = [idx for idx in buckets.values() if len(idx) > 1]
    if not candidates:
        return [MergedOccurrence(o) for o in found]
    splits = split_pairs(session, {found[i].event.id for idx in candidates for i in idx})
    group_of = list(range(len(found)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(found))}
    reasons: dict[int, set[str]] = {i: set() for i in range(len(found))}
    titles: dict[int, str] = {}
    for idx in candidates:
        seen: dict[tuple[str, str], list[int]] = {}
        for i in idx:
            for key in match_keys(found[i].event, titles):
                for j in seen.get(key, []):
                    gi, gj = group_of[i], group_of[j]
                    if gi == gj or not _compatible(found, members[gj], members[gi], splits):
                        continue
                    for k in members[gi]:
                        group_of[k] = gj
                    members[gj] += members.pop(gi)
                    reasons[gj] |= reasons.pop(gi) | {key[0]}
                seen.setdefault(key, []).append(i)
    result = []
    for leader in sorted(members, key=lambda g: min(members[g])):
        group = sorted((found[i] for i in members[leader]), key=lambda o: (o.event.first_seen_at, o.event.id))
        result.append(MergedOccurrence(group[0], group[1:], reasons[leader]))
    return result


def _compatible(found, left: list[int], right: list[int], splits: set[frozenset]) -> bool:
    feeds = {found[i].event.feed_id for i in left}
    if any(found[i].event.feed_id in feeds for i in right):
        return False  # one source never publishes the same event twice as far as we know
    return not any(frozenset((found[i].event.id, found[j].event.id)) in splits for i in left for j in right)


def split(session, a: Event, b: Event, by: str) -> None:
    """Record that ``a`` and ``b`` are different events. Flushes."""
    low, high = sorted((a.id, b.id))
    exists = session.scalar(select(EventSplit.id).where(EventSplit.event_a_id == low, EventSplit.event_b_id == high))
    if exists is None:
        session.add(EventSplit(event_a_id=low, event_b_id=high, created_by=by))
        session.flush()


def exported_events(merged: list[MergedOccurrence]) -> list[Event]:
    """Events for a calendar file: each merged group by its leading item. A series is
    always exported whole (its occurrences may be duplicates only some of the time)."""
    chosen: dict[int, Event] = {}
    for m in merged:
        chosen.setdefault(m.event.id, m.event)
        for other in m.others:
            if other.event.is_series:
                chosen.setdefault(other.event.id, other.event)
    return list(chosen.values())


def group_of(found: EventOccurrence, *, session) -> MergedOccurrence:
    """The merged group an occurrence belongs to (itself alone if none)."""
    start = found.occurrence.start
    if isinstance(start, dt.datetime):
        lo, hi = start, start + dt.timedelta(minutes=1)
    else:
        lo = local_midnight(start)
        hi = lo + dt.timedelta(days=1)
    for merged in merge_duplicates(occurrences(lo, hi, session=session), session=session):
        if any(m.event.id == found.event.id and m.occurrence.key == found.occurrence.key for m in merged.members):
            return merged
    return MergedOccurrence(found)
