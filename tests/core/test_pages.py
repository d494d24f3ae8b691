"""Every page of the demo network, as a citizen, an operator and a coordinator see it, in
Italian and in English: no page fails, none shows a template's internals, and an Italian
page carries no English the catalogue translates. The catalogue itself is complete: every
message the code and templates mark is translated."""
from __future__ import annotations

import html
import os
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select

import corete

ROOT = os.path.dirname(os.path.dirname(corete.__file__))
CATALOGUE = os.path.join(ROOT, "corete", "translations", "it", "LC_MESSAGES", "messages.po")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}
METHODS = [("corete/**/templates/**.html", "jinja2"), ("corete/templates/**.html", "jinja2"), ("corete/**.py", "python")]

# Routes a crawl does not read as pages: files, feeds, redirects and forms' targets.
NOT_PAGES = {"static", "map.static", "map.asset", "map.asset_image", "map.regions", "core.set_language",
             "accounts.accept_invitation", "accounts.reset_password", "accounts.confirm_email",
             "newsletter.confirm", "newsletter.unsubscribe",  # token links: their pages in tests/newsletter
             "hosting.feed_json", "purchasing.order_csv", "events.network_ics",
             "events.space_ics", "events.event_ics", "events.new_atom", "events.upcoming_atom", "events.space_atom",
             "digest.digest_atom", "ops.healthz", "ops.readyz", "ops.metrics_page",
             "media.large", "media.small", "map.place_lookup",  # machines ask these (pictures: tests/media)
             "resources.confirm_booking", "resources.booking_ics",  # a token link and a file: tests/resources
             "calls.calls_ics", "calls.call_ics", "calls.calls_atom",  # subscriptions: tests/calls
             "push.websub_callback",  # WebSub hubs ask it: tests/push
             "fediverse.webfinger", "fediverse.actor", "fediverse.outbox", "fediverse.followers",
             "fediverse.event_object"}  # other servers ask these: tests/fediverse


def read_catalogue():
    with open(CATALOGUE, "rb") as f:
        return read_po(f)


def marked_messages() -> set[str]:
    """Every message id the code and the templates mark for translation."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map=METHODS, keywords=KEYWORDS, options_map={"**.html": {"extensions": "jinja2.ext.i18n"}}):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_marked_message_has_an_italian_translation():
    catalogue = read_catalogue()
    missing = []
    for message in sorted(marked_messages()):
        entry = catalogue.get(message)
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else (
            (entry.string,) if entry is not None else ("",))
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(message)
    assert not missing, f"{len(missing)} messages without an Italian translation: {missing[:20]}"


def _english_phrases() -> list[str]:
    """The catalogue's English sentences that differ from their Italian (two words or more,
    placeholders cut out): none of them may stand on an Italian page."""
    phrases = set()
    for entry in read_catalogue():
        if not entry.id or entry.fuzzy:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for english in ids:
            for part in re.split(r"%\(\w+\)[sd]|%[sd]|<[^>]+>|[:.;!?()\"]", english):
                part = part.strip(" ,·–-/'")
                if len(part.split()) >= 2 and len(part) >= 10 and not any(part in s for s in strings):
                    phrases.add(part)
    return sorted(phrases, key=len, reverse=True)


# English words that no Italian page may show, whatever the catalogue says: the function
# words of any untranslated sentence, and the states and units pages used to print raw.
ENGLISH_WORDS = re.compile(
    r"\b(the|and|of|is|was|with|from|cannot|hours?|pieces?|cartons?|reams?|boxes|approved|submitted|pending|"
    r"applied|unchanged|skipped|citizen|events?)\b")
# Dates as machines write them: a page shows dates as people do.
ISO_INSTANT = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def demo_pages(demo, session) -> list[tuple[str, object, str]]:
    """(who, client, url) for every page of the demo network, each route with its arguments."""
    from corete.events.models import Event
    from corete.federation.models import Feed
    from corete.hosting.models import HostedItem
    from corete.map.models import Proposal
    from corete.purchasing.models import Round
    from corete.spaces.models import Space

    citizen = demo.operator.application.test_client()
    who = {"citizen": citizen, "operator": demo.operator, "coordinator": demo.coordinator}
    # something in every queue: an item of a hosted space, a proposal, a reported point
    demo.coordinator.post("/spaces/lab121/edit/skill/new", data={"csrf_token": demo.coordinator_csrf,
                                                                 "skill": "Saldatura a stagno"})
    import datetime as dt

    later = str(dt.date.today() + dt.timedelta(days=60))
    for kind, item in (("call", {"title": "Bando di prova", "kind": "tender", "deadline": later}),
                       ("offer", {"title": "Offerta di prova", "category": "training", "valid_until": later})):
        added = demo.coordinator.post(f"/spaces/lab121/edit/{kind}/new", data={"csrf_token": demo.coordinator_csrf, **item})
        assert added.status_code == 302, added.get_data(as_text=True)

    for event in ({"title": "Serata di prova", "date": str(dt.date.today() + dt.timedelta(days=3)), "start_time": "18:00"},
                  {"title": "Giornata aperta", "date": str(dt.date.today() + dt.timedelta(days=4))}):
        demo.coordinator.post("/spaces/lab121/edit/event/new", data={"csrf_token": demo.coordinator_csrf, **event})
    citizen_token = re.search(r'name="csrf_token" value="([^"]+)"', citizen.get("/map/propose").get_data(as_text=True))[1]
    citizen.post("/map/propose", data={"csrf_token": citizen_token, "title": "Un orto condiviso al Parco",
                                       "description": "Vorremmo un orto.", "category": "other", "city": "Roma"})
    proposal = session.scalar(select(Proposal.id))
    rnd = session.scalar(select(Round.id))
    statement_space = session.scalar(select(Space.slug).where(Space.slug == "lab121"))
    event = session.scalar(select(Event.id).where(Event.rrule.is_(None)).order_by(Event.id))
    series = session.scalar(select(Event.id).where(Event.rrule.is_not(None)).order_by(Event.id))
    feed = session.scalar(select(Feed.id))
    item = session.scalar(select(HostedItem.id))
    demo.operator.post("/spaces/lab121/news", data={"csrf_token": demo.operator_csrf, "title": "Nuovo laboratorio",
                                                    "body": "Da gennaio apre il laboratorio di cucito."})
    demo.coordinator.post("/operators", data={"csrf_token": demo.coordinator_csrf, "email": "nuova@lab121.example",
                                              "space": "lab121"})  # a message in the outbox
    from corete.mail.models import Message

    message = session.scalar(select(Message.id))
    from corete.resources.models import Resource

    room = session.scalar(select(Resource.id).where(Resource.source_id == "mp-sala-eventi"))
    demo.operator.post("/spaces/lab121/visas", data={"csrf_token": demo.operator_csrf, "person_name": "Giulia Rossi",
                                                     "valid_until": str(dt.date.today() + dt.timedelta(days=90))})
    visa_path = re.findall(r'value="http://[^"/]+(/visa/[^"]+)"', demo.operator.get("/spaces/lab121/visas").get_data(as_text=True))[0]
    from corete.calls.models import Call

    voucher = session.scalar(select(Call.id).where(Call.source_id == "ci-voucher"))
    partner = session.scalar(select(Call.id).where(Call.source_id == "mp-partner"))
    network_call = session.scalar(select(Call.id).where(Call.network.is_(True)))
    monday = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())
    asked = demo.operator.post(f"/resources/{room}", data={
        "csrf_token": demo.operator_csrf, "space": "lab121", "person_name": "Giulia Rossi",
        "date": str(monday + dt.timedelta(days=1)), "start_time": "10:00", "end_time": "12:00"})
    assert asked.status_code == 302  # a booking in both spaces' lists
    demo.coordinator.post(f"/map/moderation/{proposal}", data={"csrf_token": demo.coordinator_csrf, "action": "approve"})
    pages = [
        ("citizen", "/"), ("citizen", "/calendar"), ("citizen", "/calendar?view=week"),
        ("citizen", "/calendar?view=month"), ("citizen", "/calendar?view=day"), ("citizen", f"/events/{event}"),
        ("citizen", f"/events/{series}"), ("citizen", "/embed/calendar"), ("citizen", "/map"),
        ("citizen", "/map?view=list"), ("citizen", "/embed/map"), ("citizen", "/map/propose"),
        ("citizen", "/map/credits"), ("citizen", "/purchasing"), ("citizen", f"/purchasing/rounds/{rnd}"),
        ("citizen", f"/purchasing/rounds/{rnd}/statements/{statement_space}"), ("citizen", "/skills"),
        ("citizen", "/skills?q=grafica"), ("citizen", "/validate"), ("citizen", "/digest"), ("citizen", "/embed?what=calendar&city=Roma"), ("citizen", "/embed?what=map"), ("citizen", "/login"), ("citizen", "/password/forgot"), ("citizen", "/newsletter"),
        ("citizen", "/newsletter/follow?city=Roma"),
        ("citizen", f"/map/proposals/{proposal}"),
        *(("citizen", f"/spaces/{slug}") for slug in session.scalars(select(Space.slug))),
        ("operator", "/my/spaces"), ("operator", "/account"), ("operator", "/spaces/lab121/edit"), ("operator", "/spaces/lab121/edit/event/new"),
        ("operator", "/spaces/lab121/edit/skill/new"), ("operator", "/spaces/lab121/edit/need/new"),
        ("operator", f"/spaces/lab121/edit/items/{item}"), ("operator", f"/spaces/lab121/edit/items/{item}/copy"), ("operator", "/map/propose"),
        ("coordinator", "/console"), ("coordinator", f"/console/feeds/{feed}"), ("coordinator", "/operators"),
        ("coordinator", "/map/moderation"), ("coordinator", f"/map/moderation/{proposal}"),
        ("coordinator", "/purchasing"), ("coordinator", "/purchasing/catalogue"), ("coordinator", "/purchasing/queue"),
        ("coordinator", f"/purchasing/rounds/{rnd}"), ("coordinator", f"/purchasing/rounds/{rnd}/order"),
        ("coordinator", "/skills/unmapped"), ("coordinator", f"/events/{event}"), ("coordinator", "/outbox"), ("coordinator", "/newsletter/news"),
        ("coordinator", f"/outbox/{message}"), ("coordinator", "/console/spaces"), ("coordinator", "/console/spaces/new"),
        ("coordinator", "/console/spaces/lab121"),
        ("citizen", "/resources"), ("citizen", f"/resources?date={monday}&start_time=10:00&end_time=12:00&kind=desk"),
        ("citizen", f"/resources/{room}"), ("operator", f"/resources/{room}"), ("operator", "/spaces/lab121/bookings"),
        ("operator", "/spaces/lab121/edit/resource/new"), ("coordinator", "/spaces/millepiani/bookings"),
        ("operator", "/spaces/lab121/visas"), ("citizen", visa_path), ("coordinator", visa_path),
        ("citizen", "/map?visitors=1"),
        ("citizen", "/calls"), ("citizen", "/calls?archive=1"), ("citizen", "/calls?region=Lombardia&kind=voucher"),
        ("citizen", f"/calls/{voucher}"), ("citizen", f"/calls/{partner}"), ("coordinator", f"/calls/{network_call}"),
        ("coordinator", "/calls"), ("coordinator", "/calls/new"), ("coordinator", f"/calls/{network_call}/edit"),
        ("operator", "/spaces/lab121/edit/call/new"), ("citizen", "/offers"), ("citizen", "/offers?category=consultation"),
        ("operator", "/spaces/lab121/edit/offer/new"), ("citizen", "/map?offers=1"),
    ]
    return [(name, who[name], url) for name, url in pages]


def test_every_page_of_the_demo_answers_in_both_languages_without_english_in_italian(demo, session):
    pages = demo_pages(demo, session)
    routes = {rule.endpoint for rule in demo.operator.application.url_map.iter_rules()
              if "GET" in rule.methods and not rule.rule.startswith("/api/")}
    adapter = demo.operator.application.url_map.bind("localhost")
    visited = {adapter.match(url.split("?")[0])[0] for _who, _client, url in pages}
    assert routes - NOT_PAGES <= visited, f"pages the crawl misses: {routes - NOT_PAGES - visited}"
    phrases = _english_phrases()
    problems = []
    for who, client, url in pages:
        for language in ("it", "en"):
            answer = client.get(url, headers={"Accept-Language": language}, follow_redirects=True)
            if answer.status_code != 200:
                problems.append((who, url, language, answer.status_code))
                continue
            if language == "it" and answer.mimetype == "text/html":
                text = visible_text(answer.get_data(as_text=True))
                problems.extend((who, url, phrase) for phrase in phrases if phrase in text)
                # addresses (feed URLs on the console) are not words of the page
                words = re.sub(r"\S*(://|\.json|\.ics|\.atom|\.rss)\S*", " ", text)
                problems.extend((who, url, m.group(0)) for m in ENGLISH_WORDS.finditer(words))
                problems.extend((who, url, m.group(0)) for m in ISO_INSTANT.finditer(text))
    assert not problems, problems
