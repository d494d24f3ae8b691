"""The parsers' reasons, in the reader's language.

The parsers say why an item was refused or what they did about a fault in plain English
(the poll history, the CLI and the logs keep it so). People read them on the validator
page and in the console: there each reason is matched against the shapes the parsers
write and said again in the visitor's language, with the same values in it. A reason of
no known shape (a library's own words) is shown as it is."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

_SHAPES = [
    # iCalendar
    (r"(?P<line><q>) is not an iCalendar line and was skipped", _l("%(line)s is not an iCalendar line and was skipped.")),
    (r"(?P<line><q>) cannot be read \(a malformed name or parameter\) and was skipped",
     _l("%(line)s cannot be read (its name or a parameter is malformed) and was skipped.")),
    (r"a VTIMEZONE cannot be read and was skipped: its TZID is read by name",
     _l("A time zone (VTIMEZONE) cannot be read and was skipped: its name is used instead.")),
    (r"(?P<n>\d+) events: only the last (?P<max>\d+) were read", _l("%(n)s events: only the last %(max)s were read.")),
    (r"(?P<prop>[A-Z-]+) cannot be read as a date or a date-time",
     _l("%(prop)s cannot be read as a date or a date and time.")),
    (r"(?P<prop>[A-Z-]+) cannot be read: (?P<detail>.*)", _l("%(prop)s cannot be read (%(detail)s).")),
    (r"the event has no DTSTART \(start\)", _l("The event has no start (DTSTART).")),
    (r"the event ends before it starts", _l("The event ends before it starts.")),
    (r"UID (?P<uid>.*) appears twice: the version with the highest SEQUENCE was kept",
     _l("The UID %(uid)s appears twice: the version with the highest SEQUENCE was kept.")),
    (r"UID (?P<uid>.*) appears twice: this older SEQUENCE was ignored",
     _l("The UID %(uid)s appears twice: this older version (lower SEQUENCE) was ignored.")),
    (r"unknown zone (?P<zone><q>): read at the fixed offset in its name",
     _l("Unknown time zone %(zone)s: read at the offset its name gives.")),
    (r"unknown zone (?P<zone><q>): read in (?P<used>.*)", _l("Unknown time zone %(zone)s: read in %(used)s.")),
    (r"(?P<prop>[A-Z-]+) value (?P<value><q>) is not valid iCalendar; read as a date",
     _l("%(prop)s: the value %(value)s is not valid iCalendar; it was read as a date.")),
    (r"(?P<prop>[A-Z-]+) value (?P<value><q>) is not valid iCalendar and was skipped",
     _l("%(prop)s: the value %(value)s is not valid iCalendar and was skipped.")),
    (r"the event has no SUMMARY; it is shown as (?P<title><q>)",
     _l("The event has no title (SUMMARY): it is shown as %(title)s.")),
    (r"GEO is not two numbers \(latitude;longitude\) and was skipped",
     _l("GEO is not two numbers (latitude;longitude) and was skipped.")),
    (r"this event cannot be read as iCalendar", _l("This event cannot be read as iCalendar.")),
    (r"this event cannot be read", _l("This event cannot be read.")),
    # JSON Feed and the CoRete extension
    (r"an item must be a JSON object", _l("An item must be a JSON object.")),
    (r'not a CoRete item: "_corete" with a "type" is missing',
     _l('Not a CoRete item: "_corete" with a "type" is missing.')),
    (r'"type" must be one of (?P<types>.+)', _l('"type" must be one of %(types)s.')),
    (r"must be a list of strings", _l("It must be a list of texts.")),
    (r"the id should be a string; the number was used as text",
     _l("The id should be a text: the number was used as text.")),
    (r"the item has no usable id: give every item a stable string id",
     _l("The item has no usable id: give every item an id that never changes.")),
    (r"an event needs a title", _l("An event needs a title.")),
    (r"unknown time zone (?P<zone><q>): use an IANA name such as Europe/Rome",
     _l("Unknown time zone %(zone)s: use a name such as Europe/Rome.")),
    (r"the start has no UTC offset; it was read in (?P<zone>.*)",
     _l("The start has no UTC offset: it was read in %(zone)s.")),
    (r"the end of an all-day event is exclusive: the day after its last day",
     _l("The end of an all-day event is the day after its last day.")),
    (r"a timed event needs a date-time; set all_day for a date",
     _l("An event with a time needs a date and time; set all_day for a date.")),
    (r"the end of a timed event must be a date-time", _l("The end of an event with a time must be a date and time.")),
    (r"duplicate id (?P<id><q>): the item at (?P<at>\S+) was kept",
     _l("The id %(id)s appears twice: the item at %(at)s was kept.")),
    (r"duplicate id (?P<id><q>): the first item was kept", _l("The id %(id)s appears twice: the first item was kept.")),
    (r"(?P<n>\d+) items: only the newest (?P<max>\d+) were read", _l("%(n)s items: only the newest %(max)s were read.")),
    (r"(?P<n>\d+) items: only the first (?P<max>\d+) were read", _l("%(n)s items: only the first %(max)s were read.")),
    # values
    (r"the year (?P<year>-?\d+) is outside (?P<range>.*)", _l("The year %(year)s is outside %(range)s.")),
    (r"not a date or a date-time", _l("Not a date or a date and time.")),
    (r"(?P<text><q>) is not an RFC 3339 date-time such as 2026-12-01T18:30:00\+01:00",
     _l("%(text)s is not a date and time such as 2026-12-01T18:30:00+01:00.")),
    (r"the recurrence rule is too long", _l("The repetition rule is too long.")),
    (r"events repeating more often than daily are not accepted",
     _l("Events that repeat more often than once a day are not accepted.")),
    (r"the recurrence rule is not valid: (?P<detail>.*)", _l("The repetition rule is not valid (%(detail)s).")),
    # resources, calls, offers
    (r"a resource needs a name \(the item's title\)", _l("A resource needs a name (the item's title).")),
    (r"a busy span ends after it starts", _l("A busy span must end after it starts.")),
    (r"opening hours not understood \((?P<detail>.*)\): the hub does not check them when booking",
     _l("The opening hours are not understood (%(detail)s): the hub does not check them when booking.")),
    (r"a call needs a title \(the item's title\)", _l("A call needs a title (the item's title).")),
    (r"the deadline comes before the call opens", _l("The deadline comes before the call opens.")),
    (r"unknown audience (?P<value><q>), left out: use one of (?P<choices>.*)",
     _l("Unknown audience %(value)s, left out: use one of %(choices)s.")),
    (r"(?P<value><q>) is not an Italian region, left out: write its name, such as Lombardia or Emilia-Romagna",
     _l("%(value)s is not an Italian region, left out: write its name, such as Lombardia or Emilia-Romagna.")),
    (r"not a web address \(http or https\), left out", _l("Not a web address (http or https): left out.")),
    (r"(?P<value><q>) is not in the skills taxonomy: the hub cannot say who in the network has it",
     _l("%(value)s is not in the skills taxonomy: the hub cannot say who in the network has it.")),
    (r"an offer needs a title \(the item's title\): what is offered",
     _l("An offer needs a title (the item's title): what is offered.")),
    (r"the offer ends before it starts", _l("The offer ends before it starts.")),
    (r"not a date such as 2026-12-31", _l("Not a date such as 2026-12-31.")),
    # RSS, Atom, ActivityStreams
    (r"the XML is not well-formed and was read leniently: (?P<detail>.*)",
     _l("The XML is not well-formed and was read leniently (%(detail)s).")),
    (r"the item has no event date \(ev:startdate\): it is not an event",
     _l("The item has no event date (ev:startdate): it is not an event.")),
    (r"the item has no title", _l("The item has no title.")),
    (r"the event has no name", _l("The event has no name.")),
    (r"the event has no startTime", _l("The event has no start (startTime).")),
    (r"startTime must be a date-time", _l("startTime must be a date and time.")),
    (r"endTime must be a date-time after startTime", _l("endTime must be a date and time after startTime.")),
    # the validator's own advice
    (r'a JSON Feed without "_corete": add \{"version": 1, "space": \{\.\.\.\}\} so the hub knows your space',
     _l('A JSON Feed without "_corete": add {"version": 1, "space": {...}} so the hub knows your space.')),
    (r"the feed says it has expired: the hub will stop polling it",
     _l("The feed says it has expired: the hub will stop reading it.")),
    # marshmallow's own words, as the CoRete extension's fields give them
    (r"Not a valid string\.", _l("Not a text.")),
    (r"Not a valid number\.", _l("Not a number.")),
    (r"Not a valid integer\.", _l("Not a whole number.")),
    (r"Not a valid boolean\.", _l("Not true or false.")),
    (r"Not a valid datetime\.", _l("Not a date and time.")),
    (r"Not a valid date\.", _l("Not a date.")),
    (r"Not a valid list\.", _l("Not a list.")),
    (r"Not a valid mapping type\.", _l("Not an object.")),
    (r"Missing data for required field\.", _l("This field is required.")),
    (r"Field may not be null\.", _l("This field cannot be null.")),
    (r"Must be one of: (?P<choices>.*)\.", _l("It must be one of: %(choices)s.")),
]
# "<q>": a value as Python's repr quotes it: in single quotes, or in double quotes when it
# holds a single quote itself.
_QUOTED = r"""(?:'.*'|".*")"""
_COMPILED = [(re.compile(pattern.replace("<q>", _QUOTED) + r"\Z", re.DOTALL), message) for pattern, message in _SHAPES]


def in_words(reason: str) -> str:
    """A parser's reason in the reader's language (inside a request)."""
    for pattern, message in _COMPILED:
        if m := pattern.match(reason):
            return str(message) % m.groupdict() if m.groupdict() else str(message)
    return reason


def shapes() -> list[str]:
    """The reasons' patterns (for the tests)."""
    return [pattern for pattern, _message in _SHAPES]


# What a failed fetch means (fetch.ERROR_CLASSES), for the space's people: on the validator
# page, the console and in the alerts the hub e-mails.
PLAIN_ERRORS = {
    "dns": _l("The feed's address does not exist: its host name is unknown."),
    "connect": _l("The space's server did not answer: it may be down."),
    "timeout": _l("The space's server is too slow: the hub gave up waiting."),
    "tls": _l("The site's HTTPS certificate is not valid (expired, or for another name)."),
    "http_4xx": _l("The server refuses the feed (not found, or it needs a login)."),
    "http_5xx": _l("The space's server has an error of its own."),
    "rate_limited": _l("The server asks the hub to come back later."),
    "too_large": _l("The feed is larger than the hub accepts."),
    "not_a_feed": _l("The address gives a web page, not a feed."),
    "invalid": _l("The feed cannot be read: its format is broken."),
    "blocked": _l("The address is not public (a private or local network): the hub does not go there."),
    "busy": _l("The hub was busy with other feeds of the same server: it tries again shortly."),
}
# And what to do about it.
DOCUMENT_FIXES = {
    "dns": _l("Check the host name in the address."),
    "connect": _l("Check that the server is up and reachable from the internet."),
    "timeout": _l("Serve the feed as a static file: it is quicker."),
    "tls": _l("Renew or fix the site's HTTPS certificate."),
    "http_4xx": _l("Publish the feed at a public address that needs no login."),
    "http_5xx": _l("The server has an error: look at its logs."),
    "rate_limited": _l("Let the hub read the feed every few minutes."),
    "too_large": _l("Publish fewer or shorter items."),
    "not_a_feed": _l("Give the address of the feed itself (JSON Feed, iCalendar, RSS or Atom), not of a page."),
    "invalid": _l("Compare your feed with the complete example in the feed format guide."),
    "blocked": _l("The feed must be on a public address, reached over http or https."),
    "busy": _l("The hub was busy reading other feeds of this server: try again in a minute."),
}
