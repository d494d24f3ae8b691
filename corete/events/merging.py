"""One event published by several sources appears once.

Two occurrences are the same event when they come from different feeds, start at the
same instant (the same date for all-day events), and have:
- the same UID, when it looks globally unique (contains "@", is a URL, or is long);
- the same URL;
- or the same title, once case, accents, punctuation and spacing are set aside.

This is deliberately conservative: merging two different events is worse than
showing a duplicate. A group never holds two items of the same feed (but for an
orphan override: an occurrence a calendar app published under a UID whose series the
feed does not carry, as Google does with birthdays), and never joins two events a
coordinator has split. The item the hub saw first leads the group (its
UID is the one exported), and every host and source is listed.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import and_, bindparam, exists, or_, select, union_all, update
from sqlalchemy.orm import aliased

from corete.core.models import IN_CHUNK, chunks
from corete.events.models import Event, EventSplit, OccurrenceRow
from corete.events.recurrence import Occurrence

REASONS = ("uid", "url", "title")  # in the order they are tried


@dataclass(slots=True)
class EventOccurrence:
    event: Event
    occurrence: Occurrence

    @property
    def id(self) -> str:
        key = self.occurrence.key
        return f"{self.event.id}" if key is None else f"{self.event.id}-{key}"


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


def split_pairs(session, event_ids) -> set[frozenset]:
    pairs = set()
    for chunk in chunks(event_ids):
        rows = session.execute(
            select(EventSplit.event_a_id, EventSplit.event_b_id).where(
                or_(EventSplit.event_a_id.in_(chunk), EventSplit.event_b_id.in_(chunk))
            )
        )
        pairs |= {frozenset(row) for row in rows}
    return pairs


def match_keys(event) -> list[tuple[str, str]]:
    """The keys under which two copies starting together are the same event (``event``
    is an Event or a row with its id, uid, url and title)."""
    keys = []
    if global_uid(event.uid):
        keys.append(("uid", event.uid))
    # Stored at ingestion (Event.url_key, title_key); computed for what has none.
    url = event.url_key if getattr(event, "url_key", None) is not None else normalised_url(event.url)
    if url:
        keys.append(("url", url))
    title = event.title_key if getattr(event, "title_key", None) is not None else normalised_title(event.title)
    if title:
        keys.append(("title", title))
    return keys


def cluster(events: list, splits: set[frozenset], orphans=frozenset()) -> list[tuple[list[int], set[str]]]:
    """Indexes of ``events`` (copies starting at one instant; each with id, feed_id, uid,
    url, title) grouped into the same event, with why. Linear: copies meet through their
    keys, not pair by pair. A group never holds two items of one feed (one source never
    publishes the same event twice as far as we know) nor a pair a coordinator split."""
    group_of = list(range(len(events)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(events))}
    reasons: dict[int, set[str]] = {i: set() for i in range(len(events))}
    seen: dict[tuple[str, str], list[int]] = {}
    for i, event in enumerate(events):
        for key in match_keys(event):
            for j in seen.get(key, []):
                gi, gj = group_of[i], group_of[j]
                if gi == gj or not _compatible(events, members[gj], members[gi], splits, orphans):
                    continue
                for k in members[gi]:
                    group_of[k] = gj
                members[gj] += members.pop(gi)
                reasons[gj] |= reasons.pop(gi) | {key[0]}
            seen.setdefault(key, []).append(i)
    return [(sorted(members[g]), reasons[g]) for g in sorted(members, key=lambda g: min(members[g]))]


def _compatible(events, left: list[int], right: list[int], splits: set[frozenset], orphans) -> bool:
    feeds = {events[i].feed_id for i in left if events[i].id not in orphans}
    if any(events[i].feed_id in feeds for i in right if events[i].id not in orphans):
        return False
    return not any(frozenset((events[i].id, events[j].id)) in splits for i in left for j in right)


def _leading_first(group: list[EventOccurrence]) -> MergedOccurrence:
    group = sorted(group, key=lambda o: (o.event.first_seen_at, o.event.id))
    return MergedOccurrence(group[0], group[1:])


def _start_key(o: EventOccurrence):
    start = o.occurrence.start
    return start.astimezone(dt.timezone.utc) if isinstance(start, dt.datetime) else ("date", start)


def merge_duplicates(found: list[EventOccurrence], *, session) -> list[MergedOccurrence]:
    """Group the occurrences of the same event; the result keeps the input's order.
    (The path for windows past the materialised horizon; within it, SQL reads the
    groups ``regroup`` wrote.)"""
    buckets: dict = {}
    for index, o in enumerate(found):
        buckets.setdefault(_start_key(o), []).append(index)
    candidates = [idx for idx in buckets.values() if len(idx) > 1]
    splits = split_pairs(session, {found[i].event.id for idx in candidates for i in idx})
    orphans = orphan_overrides(session, [found[i].event for idx in candidates for i in idx])
    placed: dict[int, MergedOccurrence | None] = {}  # a group sits where its first member was
    for idx in candidates:
        for members, reasons in cluster([found[i].event for i in idx], splits, orphans):
            if len(members) > 1:
                indexes = [idx[m] for m in members]
                merged = _leading_first([found[i] for i in indexes])
                merged.reasons = reasons
                placed.update(dict.fromkeys(indexes))
                placed[min(indexes)] = merged
    result = []
    for index, o in enumerate(found):
        if index not in placed:
            result.append(MergedOccurrence(o))
        elif placed[index] is not None:
            result.append(placed[index])
    return result


def assemble(members: list[EventOccurrence]) -> MergedOccurrence:
    """One group read back from SQL: the first-seen copy leads; why they were merged."""
    merged = _leading_first(members)
    if len(members) > 1:
        for _indexes, reasons in cluster([m.event for m in members], set()):
            merged.reasons |= reasons
    return merged


def _orphan():
    """SQL: this event overrides an occurrence of a series its feed does not carry."""
    master = aliased(Event)
    return and_(Event.recurrence_id.is_not(None), ~exists().where(
        master.feed_id == Event.feed_id, master.uid == Event.uid, master.is_series.is_(True)))


def orphan_overrides(session, events) -> set[int]:
    ids = [e.id for e in events if e.recurrence_id is not None]
    orphans = set()
    for chunk in chunks(ids):
        orphans |= set(session.scalars(select(Event.id).where(Event.id.in_(chunk), _orphan())))
    return orphans


_ROW_COLUMNS = (OccurrenceRow.id.label("row_id"), OccurrenceRow.start_at, OccurrenceRow.all_day, OccurrenceRow.group_id,
                Event.id, Event.feed_id, Event.uid, Event.url, Event.title, Event.url_key, Event.title_key,
                Event.first_seen_at, Event.recurrence_id)


# Beyond this many rewritten events (a large feed's first poll), reading every row at
# their instants takes fewer queries than following keys (bench_poll.py's 5 MiB feed).
COMPONENT_MAX_SEEDS = 200


def regroup(session, instants, *, seeds=None, old_groups=()) -> None:
    """Give the occurrence rows that start at these instants and are copies of one
    event a common group_id: the row id of the copy the hub saw first.

    With ``seeds`` (the events just rewritten) and ``old_groups`` (the groups their old
    rows were in), only the rows that can be grouped with them are read: those sharing a
    key with them, and the whole groups of those, until nothing new joins. Copies meet
    only through shared keys, so the rest of each instant keeps its groups unchanged, and
    the result is the same as regrouping every row there (rows are clustered in one
    order, by when the hub first saw them, on both paths)."""
    instants = sorted(instants)
    if not instants:
        return
    if seeds is None or len(seeds) > COMPONENT_MAX_SEEDS:
        rows = []
        for chunk in chunks(instants):
            rows += session.execute(select(*_ROW_COLUMNS).join(Event, Event.id == OccurrenceRow.event_id)
                                    .where(OccurrenceRow.start_at.in_(chunk))).all()
    else:
        rows = _component(session, instants, set(seeds), set(old_groups))
    buckets: dict = {}
    for row in sorted(rows, key=lambda r: (r.first_seen_at, r.id, r.row_id)):
        buckets.setdefault((row.start_at, row.all_day), []).append(row)
    crowded = [r for b in buckets.values() if len(b) > 1 for r in b]
    splits = split_pairs(session, {r.id for r in crowded}) if crowded and _any_split(session) else set()
    orphans = orphan_overrides(session, crowded)
    changes = []
    for bucket in buckets.values():
        groups = cluster(bucket, splits, orphans) if len(bucket) > 1 else [([0], set())]
        for members, _reasons in groups:
            leader = min((bucket[m] for m in members), key=lambda r: (r.first_seen_at, r.id, r.row_id))
            changes += [{"match_id": bucket[m].row_id, "group": leader.row_id}
                        for m in members if bucket[m].group_id != leader.row_id]
    if changes:
        table = OccurrenceRow.__table__
        session.execute(update(table).where(table.c.id == bindparam("match_id"))
                        .values(group_id=bindparam("group")), changes)


def _any_split(session) -> bool:
    return session.scalar(select(EventSplit.id).limit(1)) is not None


def _component(session, instants: list, seeds: set[int], old_groups: set[int]) -> list:
    """The rows at these instants reachable from the seeds' rows and the old groups
    through shared keys and shared groups."""
    found: dict[int, object] = {}
    asked = {"event": set(), "group": set(), "title": set(), "url": set(), "uid": set()}
    wanted = {"event": set(seeds), "group": set(old_groups), "title": set(), "url": set(), "uid": set()}
    # Each key is looked up by its own index first (the events with that title, that url,
    # that uid; the rows of that group), then their rows at these instants: never by
    # scanning every row at an instant, which a large network fills (bench_scale.py).
    columns = {"event": OccurrenceRow.event_id, "group": OccurrenceRow.group_id,
               "title": Event.title_key, "url": Event.url_key, "uid": Event.uid}
    while True:
        conditions, size = [], 0
        for name, values in wanted.items():
            values -= asked[name]
            asked[name] |= values
            size += len(values)
            for keys in chunks(sorted(values)):
                column = columns[name]
                if column.table is Event.__table__:
                    conditions.append(OccurrenceRow.event_id.in_(select(Event.id).where(column.in_(keys))))
                else:
                    conditions.append(column.in_(keys))
        fresh = []
        for at in chunks(instants):
            lookups = [select(*_ROW_COLUMNS).join(Event, Event.id == OccurrenceRow.event_id)
                       .where(condition, OccurrenceRow.start_at.in_(at)) for condition in conditions]
            # A round's lookups in one statement while its keys are few, as a poll's are (a
            # poll costs its statements more than its rows): a UNION ALL, whose parts are
            # planned each by its own index, where an OR let SQLite read by instant.
            if 1 < len(lookups) and size + len(lookups) * len(at) <= 4 * IN_CHUNK:  # parameters
                lookups = [union_all(*lookups)]
            for lookup in lookups:
                fresh += session.execute(lookup).all()
        fresh = [r for r in fresh if r.row_id not in found]
        if not fresh:
            return list(found.values())
        wanted = {name: set() for name in wanted}
        for row in fresh:
            found[row.row_id] = row
            if row.group_id is not None:
                wanted["group"].add(row.group_id)
            for kind, value in match_keys(row):
                wanted[kind].add(value)
            wanted["group"].add(row.row_id)  # rows led by this one


def split(session, a: Event, b: Event, by: str) -> None:
    """Record that ``a`` and ``b`` are different events, and regroup where they meet. Flushes."""
    low, high = sorted((a.id, b.id))
    exists = session.scalar(select(EventSplit.id).where(EventSplit.event_a_id == low, EventSplit.event_b_id == high))
    if exists is None:
        session.add(EventSplit(event_a_id=low, event_b_id=high, created_by=by))
        session.flush()
        regroup(session, set(session.scalars(select(OccurrenceRow.start_at).where(
            OccurrenceRow.event_id.in_((low, high))))))


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
