"""iCalendar (and vCalendar 1.0) feeds: events only, through the icalendar library.

What real calendars do, and what the hub does back:
- Windows zone names (``W. Europe Standard Time``) and Outlook display names
  (``(UTC+01:00) Amsterdam, Berlin, Bern, Rome...``) are mapped to IANA zones; a TZID
  that cannot be resolved is read in the calendar's X-WR-TIMEZONE (or the network's
  zone) and a warning says so.
- All-day events stay dates; no DTEND and no DURATION means one day (RFC 5545).
- Missing UIDs get a stable identity from the event's start, title and place.
- The same UID twice: the highest SEQUENCE wins.
- A line that is not an iCalendar line is skipped with a warning, not the whole file.
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar.parser import Contentline
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from corete.core.handover import EventData, FeedDocument, Item, Rejection, occurrence_key
from corete.federation.detect import InvalidDocument
from corete.core.handover import bounded_id, fallback_id
from corete.core.when import NETWORK_ZONE, BadValue, check_year, normalise_rrule, zone_or_none
from corete.core.sanitize import clean_html, clean_tags, clean_text, clean_url, text_to_html

# Outlook writes the zone's display name as TZID when it omits VTIMEZONE.
DISPLAY_NAMES = {
    "amsterdam, berlin, bern, rome, stockholm, vienna": "Europe/Rome",
    "belgrade, bratislava, budapest, ljubljana, prague": "Europe/Budapest",
    "brussels, copenhagen, madrid, paris": "Europe/Paris",
    "sarajevo, skopje, warsaw, zagreb": "Europe/Warsaw",
    "dublin, edinburgh, lisbon, london": "Europe/London",
    "eastern time (us & canada)": "America/New_York",
    "central time (us & canada)": "America/Chicago",
    "pacific time (us & canada)": "America/Los_Angeles",
    "canberra, melbourne, sydney": "Australia/Sydney",
    "brasilia": "America/Sao_Paulo",
    "brasília": "America/Sao_Paulo",
    "coordinated universal time": "UTC",
}
_DISPLAY = re.compile(r"^\((?:UTC|GMT)(?:([+-])(\d{1,2}):(\d{2}))?\)\s*(.*)$")
_CONTENT_LINE = re.compile(r"^[A-Za-z0-9-]+[;:]")
UNTITLED = "(senza titolo)"


class ItemError(Exception):
    def __init__(self, where: str, reason: str):
        super().__init__(reason)
        self.where, self.reason = where, reason


def iana_for_tzid(tzid: str | None) -> str | None:
    """The IANA name for a TZID as calendars write it, or None."""
    if not tzid:
        return None
    tzid = tzid.strip().strip('"')
    if zone_or_none(tzid):
        return tzid
    if tzid in WINDOWS_TO_OLSON:
        return WINDOWS_TO_OLSON[tzid]
    m = _DISPLAY.match(tzid)
    if m:
        return DISPLAY_NAMES.get(m.group(4).strip().lower())
    if tzid.startswith("/"):  # "globally unique" ids such as /mozilla.org/20050126_1/Europe/Rome
        parts = tzid.strip("/").split("/")
        for i in range(len(parts)):
            if zone_or_none("/".join(parts[i:])):
                return "/".join(parts[i:])
    return None


def _fixed_offset(tzid: str) -> dt.timezone | None:
    m = _DISPLAY.match(tzid.strip().strip('"'))
    if not m or not m.group(1):
        return None
    sign = 1 if m.group(1) == "+" else -1
    return dt.timezone(sign * dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))


# Calendar-level properties the hub reads; the others (REFRESH-INTERVAL, X-PUBLISHED-TTL,
# LAST-MODIFIED, COLOR...) are dropped when the file needs repairing: an invalid value in
# one of them is no reason to lose the calendar.
_CALENDAR_PROPERTIES = {"VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-TIMEZONE", "X-WR-CALNAME"}
# Components the hub reads; the others (VALARM, VTODO, VJOURNAL, VFREEBUSY...) are dropped
# when repairing, and a VTIMEZONE only when it cannot be read (zones are resolved by name).
_KEPT_COMPONENTS = {"VCALENDAR", "VEVENT", "VTIMEZONE", "STANDARD", "DAYLIGHT"}


def _read_calendar(text: str, warnings: list[Rejection]) -> tuple[Calendar, list[Rejection]]:
    """The calendar, and the events that could not be read at all. A file icalendar
    refuses whole is read again without what the hub does not use: lines that are not
    iCalendar, lines whose name or parameters cannot be parsed, calendar properties and
    components it never reads, VTIMEZONEs that cannot be read; and if it still fails,
    event by event, so that a broken event costs only itself."""
    try:
        return Calendar.from_ical(text), []
    except ValueError as first:
        error = first
    lines = _logical_lines(text)
    kept, stack, block, blocks = [], [], [], []
    for n, line in lines:
        if not line.strip():
            continue
        if not _CONTENT_LINE.match(line):
            warnings.append(Rejection(f"line {n}", f"{line[:60]!r} is not an iCalendar line and was skipped"))
            continue
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        value = line.split(":", 1)[1].strip().upper() if ":" in line else ""
        if name == "BEGIN":
            stack.append(value)
        inside = stack[-1] if stack else None
        if any(c not in _KEPT_COMPONENTS for c in stack):
            pass  # inside a component the hub never reads: dropped
        elif inside == "VCALENDAR" and name not in ("BEGIN", "END") and name not in _CALENDAR_PROPERTIES:
            pass
        elif not _parses(line):
            warnings.append(Rejection(f"line {n}", f"{line[:60]!r} cannot be read (a malformed name or parameter) "
                                                   "and was skipped"))
        elif "VTIMEZONE" in stack or (name == "END" and value == "VTIMEZONE"):
            block.append(line)
            if name == "END" and value == "VTIMEZONE":
                if _readable("\r\n".join(block)):
                    kept.extend(block)
                else:
                    warnings.append(Rejection(f"line {n}", "a VTIMEZONE cannot be read and was skipped: "
                                                           "its TZID is read by name"))
                block = []
        else:
            kept.append(line)
            if name == "END" and value == "VEVENT":
                start = max(i for i, k in enumerate(kept) if k.upper().startswith("BEGIN:VEVENT"))
                blocks.append((start, len(kept)))
        if name == "END" and stack:
            stack.pop()
    try:
        return Calendar.from_ical("\r\n".join(kept)), []
    except ValueError as again:
        error = again
    # Event by event: the calendar's own lines with each event alone.
    events = [kept[a:b] for a, b in blocks]
    in_events = {i for a, b in blocks for i in range(a, b)}
    frame = [line for i, line in enumerate(kept) if i not in in_events and not line.upper().startswith("END:VCALENDAR")]
    readable, broken = [], []
    for n, event in enumerate(events, 1):
        if _readable("\r\n".join(frame + event + ["END:VCALENDAR"])):
            readable.extend(event)
        else:
            uid = next((l.split(":", 1)[1] for l in event if l.upper().startswith("UID")), None)
            broken.append(Rejection(f"VEVENT {n}" + (f" (UID {uid[:60]})" if uid else ""),
                                    "this event cannot be read as iCalendar", uid))
    try:
        return Calendar.from_ical("\r\n".join(frame + readable + ["END:VCALENDAR"])), broken
    except ValueError:
        raise InvalidDocument(f"not a readable iCalendar file: {error}") from None


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) with folded continuations joined (RFC 5545, 3.1)."""
    out: list[tuple[int, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if line[:1] in (" ", "\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + line[1:])
        else:
            out.append((n, line))
    return out


def _parses(line: str) -> bool:
    try:
        Contentline(line).parts()
    except ValueError:
        return False
    return True


def _readable(text: str) -> bool:
    wrapped = text if text.upper().startswith("BEGIN:VCALENDAR") else "BEGIN:VCALENDAR\r\n" + text + "\r\nEND:VCALENDAR"
    try:
        Calendar.from_ical(wrapped)
    except ValueError:
        return False
    return True


def parse_ics(text: str, *, base_url: str | None, max_items: int) -> FeedDocument:
    warnings: list[Rejection] = []
    cal, unreadable = _read_calendar(text, warnings)
    if cal.name not in ("VCALENDAR",):
        raise InvalidDocument("the file does not start with BEGIN:VCALENDAR")
    default_zone = iana_for_tzid(str(cal.get("X-WR-TIMEZONE") or "")) or None
    doc = FeedDocument(format="ical", title=clean_text(str(cal.get("X-WR-CALNAME") or ""), 300) or None)
    doc.warnings = warnings
    doc.rejections.extend(unreadable)
    chosen: dict[str, tuple[tuple, Item, str | None]] = {}
    components = list(cal.walk("VEVENT"))
    if len(components) > max_items:
        warnings.append(Rejection("VCALENDAR", f"{len(components)} events: only the last {max_items} were read"))
        components = components[-max_items:]
    for n, comp in enumerate(components, 1):
        uid_text = str(comp.get("UID") or "").strip()
        where = f"VEVENT {n}" + (f" (UID {uid_text[:60]})" if uid_text else "")
        try:
            item, rank, local_date = _event(comp, where, default_zone, base_url, warnings)
        except ItemError as e:
            doc.rejections.append(Rejection(e.where, e.reason, uid_text or None))
            continue
        except BadValue as e:
            doc.rejections.append(Rejection(where, str(e), uid_text or None))
            continue
        except Exception as e:  # whatever else one event holds costs that event only
            doc.rejections.append(Rejection(where, "this event cannot be read", uid_text or None))
            continue
        previous = chosen.get(item.source_id)
        if previous is None or rank >= previous[0]:
            if previous is not None:
                warnings.append(Rejection(where, f"UID {item.source_id[:60]} appears twice: the version with the highest SEQUENCE was kept"))
            chosen[item.source_id] = (rank, item, local_date)
        else:
            warnings.append(Rejection(where, f"UID {item.source_id[:60]} appears twice: this older SEQUENCE was ignored"))
    doc.items = _align_overrides(list(chosen.values()))
    return doc


def _align_overrides(chosen: list[tuple[tuple, Item, str | None]]) -> list[Item]:
    """A RECURRENCE-ID takes the value type of its master's start (Exchange writes a
    date-time for the occurrence of an all-day series)."""
    all_day_masters = {i.data.uid for _, i, _ in chosen if i.data.recurrence_id is None and i.data.all_day}
    items = []
    for _, item, local_date in chosen:
        ev = item.data
        if ev.recurrence_id and "T" in ev.recurrence_id and ev.uid in all_day_masters:
            ev.recurrence_id = local_date
            item = Item(f"{ev.uid}#{local_date}", "event", ev)
        items.append(item)
    return items


def _when(comp, prop: str, default_zone: str | None, where: str, warnings):
    """(value, zone name) of a DTSTART-like property; value aware or a date."""
    try:
        value = comp.decoded(prop)
    except (ValueError, TypeError, KeyError) as e:
        raise ItemError(where, f"{prop} cannot be read: {e}") from None
    if isinstance(value, tuple):  # a PERIOD: its start
        value = value[0]
    if not isinstance(value, (dt.date, dt.datetime)):
        raise ItemError(where, f"{prop} cannot be read as a date or a date-time")
    check_year(value)
    if not isinstance(value, dt.datetime):
        return value, None
    tzid = comp[prop].params.get("TZID") if hasattr(comp[prop], "params") else None
    name = iana_for_tzid(tzid)
    if value.tzinfo is None:
        if tzid and name:
            return value.replace(tzinfo=ZoneInfo(name)), name
        if tzid:
            fixed = _fixed_offset(tzid)
            if fixed is not None:
                warnings.append(Rejection(where, f"unknown zone {tzid!r}: read at the fixed offset in its name"))
                return value.replace(tzinfo=fixed), default_zone
            warnings.append(Rejection(where, f"unknown zone {tzid!r}: read in {default_zone or NETWORK_ZONE}"))
        zone = default_zone or NETWORK_ZONE
        return value.replace(tzinfo=ZoneInfo(zone)), zone
    if isinstance(value.tzinfo, ZoneInfo):
        key = value.tzinfo.key
        return value, (default_zone or key) if key == "UTC" else key
    if value.utcoffset() == dt.timedelta(0) and not tzid:
        return value, default_zone or "UTC"
    return value, name or default_zone


def _key_list(comp, prop: str, zone: str | None, all_day: bool, where: str, warnings) -> list[str]:
    keys: list[str] = []
    values = comp.get(prop)
    if values is None:
        return keys
    for entry in values if isinstance(values, list) else [values]:
        try:
            found = [getattr(ddd, "dt", None) for ddd in entry.dts]
        except Exception:  # icalendar keeps unreadable values as "broken" properties
            raw = _raw_value(entry)
            m = re.fullmatch(r"(\d{8})Z?", raw)
            found = [dt.datetime.strptime(m.group(1), "%Y%m%d").date()] if m else [None]
            warnings.append(Rejection(where, f"{prop} value {raw[:40]!r} is not valid iCalendar" + ("; read as a date" if m else " and was skipped")))
        for value in found:
            if isinstance(value, tuple):
                value = value[0]
            if not isinstance(value, (dt.date, dt.datetime)):
                continue
            if isinstance(value, dt.datetime) and value.tzinfo is None:
                value = value.replace(tzinfo=ZoneInfo(zone or NETWORK_ZONE))
            if all_day and isinstance(value, dt.datetime):
                value = value.date()
            keys.append(occurrence_key(value))
    return keys


def _event(comp, where: str, default_zone, base_url, warnings) -> tuple[Item, tuple]:
    if "DTSTART" not in comp:
        raise ItemError(where, "the event has no DTSTART (start)")
    start, zone = _when(comp, "DTSTART", default_zone, where, warnings)
    all_day = not isinstance(start, dt.datetime)
    end = None
    if "DTEND" in comp:
        end, _ = _when(comp, "DTEND", zone or default_zone, where, warnings)
        if all_day and isinstance(end, dt.datetime):
            end = end.date()
        if not all_day and not isinstance(end, dt.datetime):
            end = dt.datetime.combine(end, dt.time(), tzinfo=start.tzinfo)
    elif "DURATION" in comp:
        try:
            duration = comp.decoded("DURATION")
        except (ValueError, TypeError) as e:
            raise ItemError(where, f"DURATION cannot be read: {e}") from None
        end = start + duration
    elif all_day:
        end = start + dt.timedelta(days=1)
    if end is not None and end < start:
        raise ItemError(where, "the event ends before it starts")
    if all_day and end == start:
        end = start + dt.timedelta(days=1)
    title = clean_text(str(comp.get("SUMMARY") or ""), 300)
    if not title:
        warnings.append(Rejection(where, f"the event has no SUMMARY; it is shown as {UNTITLED!r}"))
        title = UNTITLED
    rrule = None
    if comp.get("RRULE"):
        rules = comp.get("RRULE")
        rule = rules[0] if isinstance(rules, list) else rules
        try:
            rrule = normalise_rrule(rule.to_ical().decode(), start)
        except BadValue as e:
            raise ItemError(where, str(e)) from None
    rdates = _key_list(comp, "RDATE", zone, all_day, where, warnings)
    exdates = _key_list(comp, "EXDATE", zone, all_day, where, warnings)
    recurrence_id = local_date = None
    if "RECURRENCE-ID" in comp:
        rid, _ = _when(comp, "RECURRENCE-ID", zone or default_zone, where, warnings)
        recurrence_id = occurrence_key(rid)
        local_date = occurrence_key(rid.date() if isinstance(rid, dt.datetime) else rid)
    html = None
    alt = comp.get("X-ALT-DESC")
    if alt is not None and "html" in str(getattr(alt, "params", {}).get("FMTTYPE", "")).lower():
        html = clean_html(str(alt))
    html = html or text_to_html(str(comp.get("DESCRIPTION") or ""))
    location = None
    if comp.get("LOCATION"):
        location = {"name": clean_text(str(comp.get("LOCATION")), 300)}
    try:
        geo = comp.get("GEO")
        if geo is not None and hasattr(geo, "latitude"):
            location = dict(location or {}, lat=float(geo.latitude), lon=float(geo.longitude))
    except (ValueError, TypeError, AttributeError):  # icalendar's broken property: no position
        warnings.append(Rejection(where, "GEO is not two numbers (latitude;longitude) and was skipped"))
    status = str(comp.get("STATUS") or "CONFIRMED").lower()
    if status not in ("confirmed", "tentative", "cancelled"):
        status = "confirmed"
    try:
        sequence = int(str(comp.get("SEQUENCE") or 0))
    except ValueError:
        sequence = 0
    uid = clean_text(str(comp.get("UID") or ""), 10_000)
    if not uid:
        uid = fallback_id("ics", comp.get("DTSTART").to_ical().decode(errors="replace"), title, str(comp.get("LOCATION") or ""))
    uid = bounded_id(uid)
    data = EventData(
        title=title, start=start, end=end, all_day=all_day, timezone=zone, uid=uid,
        status=status, sequence=sequence, rrule=rrule, rdates=rdates, exdates=exdates,
        recurrence_id=recurrence_id, description_html=html,
        url=clean_url(str(comp.get("URL") or ""), base_url), location=location,
        tags=clean_tags(_categories(comp)), image=_image(comp, base_url),
    )
    source_id = uid if recurrence_id is None else f"{uid}#{recurrence_id}"
    modified = str(comp.get("LAST-MODIFIED").to_ical().decode()) if comp.get("LAST-MODIFIED") else ""
    return Item(source_id, "event", data), (sequence, modified), local_date


def _raw_value(prop) -> str:
    """The text of a property icalendar could not read."""
    try:
        value = prop.to_ical()
    except Exception:
        return str(getattr(prop, "value", "") or "")
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _image(comp, base_url) -> str | None:
    """The event's picture: RFC 7986's IMAGE (a URI; the first one whose DISPLAY is not a
    small badge), else an ATTACH whose FMTTYPE is an image. Inline (BINARY) pictures are
    skipped: a feed is no place for megabytes of base64."""
    def listed(name):
        values = comp.get(name)
        return [] if values is None else values if isinstance(values, list) else [values]

    candidates = [p for p in listed("IMAGE") if "BADGE" not in str(p.params.get("DISPLAY", "")).upper()]
    candidates += [p for p in listed("ATTACH") if str(p.params.get("FMTTYPE", "")).lower().startswith("image/")]
    for prop in candidates:
        if str(prop.params.get("VALUE", "URI")).upper() != "URI" or "ENCODING" in prop.params:
            continue
        url = clean_url(str(prop), base_url)
        if url:
            return url
    return None


def _categories(comp) -> list[str]:
    values = comp.get("CATEGORIES")
    if values is None:
        return []
    out: list[str] = []
    for entry in values if isinstance(values, list) else [values]:
        cats = getattr(entry, "cats", None)
        out.extend(str(c) for c in (cats if cats is not None else [entry]))
    return out
