"""The calendar pages, the event page and the embeddable list."""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from corete.federation import writers as feeds
from corete.events.exports import export_uid
from corete.events.models import Event
from tests.conftest import make_space, poll

ROME = ZoneInfo("Europe/Rome")
TODAY = dt.datetime.now(ROME).date()


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ROME)


@pytest.fixture
def network(app, session, httpserver):
    in_three = TODAY + dt.timedelta(days=3)
    items = [
        feeds.item("event", "oggi", "Colazione di oggi", _at(TODAY, 23), _at(TODAY, 23) + dt.timedelta(minutes=30),
                         tags=["comunità"]),
        feeds.item("event", "corso", "Corso di stampa 3D", _at(in_three, 18), _at(in_three, 20),
                         rrule="FREQ=WEEKLY;COUNT=3", price={"amount": 25, "currency": "EUR"}),
        feeds.item("event", "annullato", "Hackathon annullato", _at(in_three, 9), _at(in_three, 17), status="cancelled"),
        feeds.item("event", "fiera", "Fiera", in_three, in_three + dt.timedelta(days=2),
                         location={"name": "Ex Mercato", "city": "Roma", "lat": 41.86, "lon": 12.47}),
    ]
    items[1]["content_html"] = '<p>Porta il <b>portatile</b></p><script>alert(1)</script><img src=x onerror="alert(1)">'
    httpserver.expect_request("/feed.json").respond_with_data(
        feeds.jsonfeed({"name": "FabLab Aurora", "city": "Torino", "website": "https://aurora.example"}, items,
                       feed_url="http://x/feed.json"), content_type="application/feed+json")
    space = make_space(session, httpserver.url_for("/feed.json"), name="FabLab Aurora")
    poll(app, space)
    return space


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def test_list_view_groups_by_day_and_marks_today(client, network):
    page = client.get("/calendar", headers={"Accept-Language": "it"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'aria-current="date"' in body and "Colazione di oggi" in body
    text = _text(page)
    assert text.index("Colazione di oggi") < text.index("Hackathon annullato") < text.index("Corso di stampa 3D")
    assert "annullato" in text and "tutto il giorno Fiera" in text
    assert text.count("Fiera") == 2  # a two-day event is listed on both days


def test_week_and_month_views_and_navigation_keep_filters(client, network):
    week = client.get(f"/calendar?view=week&date={TODAY.isoformat()}&city=Torino").get_data(as_text=True)
    assert week.count('<section class="day') == 7
    month = client.get(f"/calendar?view=month&date={TODAY.isoformat()}&city=Torino").get_data(as_text=True)
    assert "<table class=\"month\">" in month and month.count("<tr>") >= 5
    assert "Corso di stampa 3D" in month
    links = [html.unescape(link) for link in re.findall(r'href="(/calendar\?[^"]+)"', month)]
    navigation = [link for link in links if link != "/calendar?view=month"]  # all but "clear filters"
    # 3 quick dates, 5 categories, 4 views, 3 moves
    assert len(navigation) == 15 and all("city=Torino" in link for link in navigation)
    assert "Corso di stampa 3D" not in client.get("/calendar?view=month&city=Roma").get_data(as_text=True)
    assert "Corso di stampa 3D" in client.get("/calendar?q=stampa").get_data(as_text=True)


def test_quick_dates_are_today_this_weekend_and_the_next_seven_days():
    from corete.events.services import when_days

    monday = dt.date(2026, 11, 30)
    days = [monday + dt.timedelta(days=n) for n in range(7)]
    saturday, sunday = days[5], days[6]
    assert [when_days("weekend", d) for d in days] == [(saturday, sunday)] * 6 + [(sunday, sunday)]
    assert when_days("today", days[2]) == (days[2], days[2])
    assert when_days("week", days[4]) == (days[4], days[4] + dt.timedelta(days=6))


def test_quick_dates_on_the_calendar_list_their_days(client, network):
    from corete.events.services import when_days

    today = _text(client.get("/calendar?when=today", headers={"Accept-Language": "it"}))
    assert "Colazione di oggi" in today and "Corso di stampa 3D" not in today
    page = client.get("/calendar?when=week&tag=", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert 'aria-current="page">Prossimi 7 giorni' in page
    week = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "Colazione di oggi" in week and "Corso di stampa 3D" in week and "Fiera" in week
    assert week.count("Corso di stampa 3D") == 1  # its next date is 10 days away
    first, last = when_days("weekend", TODAY)
    weekend = _text(client.get("/calendar?when=weekend"))
    in_three = TODAY + dt.timedelta(days=3)
    fiera = {in_three + dt.timedelta(days=n) for n in range(3)}
    expected = {"Colazione di oggi": {TODAY}, "Fiera": fiera,
                "Corso di stampa 3D": {in_three + dt.timedelta(days=7 * n) for n in range(3)}}
    for title, dates in expected.items():
        assert (title in weekend) == any(first <= d <= last for d in dates), title
    # The next weekend, a week on.
    later = _text(client.get(f"/calendar?when=weekend&date={(TODAY + dt.timedelta(days=7)).isoformat()}"))
    assert "Colazione di oggi" not in later


def test_bad_calendar_values_get_a_message_not_a_500(client):
    for query in ("view=anno", "date=ieri", "q=" + "x" * 500, "when=domani"):
        page = client.get(f"/calendar?{query}", headers={"Accept-Language": "it"})
        assert page.status_code == 400 and "Controlla i filtri del calendario" in _text(page)


def test_event_page_shows_the_zone_the_price_and_safe_description(client, session, network):
    course = session.scalar(select(Event).where(Event.title == "Corso di stampa 3D"))
    page = client.get(f"/events/{course.id}", headers={"Accept-Language": "it"})
    text, body = _text(page), page.get_data(as_text=True)
    assert "18:00–20:00 (Europe/Rome)" in text and "evento ricorrente" in text
    assert "25,00" in text and "€" in text
    assert "<b>portatile</b>" in body and "<script>alert" not in body and "onerror" not in body
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S).group(1))
    assert data["@type"] == "Event" and data["name"] == "Corso di stampa 3D"
    assert data["startDate"] == _at(TODAY + dt.timedelta(days=3), 18).isoformat()
    assert data["offers"]["price"] == "25" and data["organizer"]["name"] == "FabLab Aurora"


def test_each_occurrence_has_its_page_and_its_time(client, session, network):
    course = session.scalar(select(Event).where(Event.title == "Corso di stampa 3D"))
    third = _at(TODAY + dt.timedelta(days=17), 18)
    key = third.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    page = client.get(f"/events/{course.id}-{key}")
    assert page.status_code == 200 and third.isoformat() in page.get_data(as_text=True)
    assert client.get(f"/events/{course.id}-20000101T000000Z").status_code == 404
    assert client.get("/events/99999").status_code == 404 and client.get("/events/x").status_code == 404


def test_cancelled_event_is_shown_as_cancelled(client, session, network):
    event = session.scalar(select(Event).where(Event.status == "cancelled"))
    page = client.get(f"/events/{event.id}", headers={"Accept-Language": "en"})
    assert "cancelled" in _text(page)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page.get_data(as_text=True), re.S).group(1))
    assert data["eventStatus"] == "https://schema.org/EventCancelled"


def test_add_to_my_calendar(client, session, network):
    course = session.scalar(select(Event).where(Event.title == "Corso di stampa 3D"))
    page = client.get(f"/events/{course.id}").get_data(as_text=True)
    link = re.search(r'href="(/events/[^"]+\.ics)"', page).group(1)
    response = client.get(link)
    assert response.headers["Content-Type"].startswith("text/calendar")
    [vevent] = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(vevent["UID"]) == export_uid(course) and "RRULE" in vevent


def test_embed_is_compact_filtered_and_zoomable(client, network):
    page = client.get("/embed/calendar?q=corso").get_data(as_text=True)
    assert '<header class="top">' not in page
    assert "Corso di stampa 3D" in page and "Fiera" not in page
    viewport = re.search(r'<meta name="viewport" content="([^"]+)"', page).group(1)
    assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport


@pytest.mark.parametrize("url", ["/calendar", "/embed/calendar"])
def test_pages_are_cacheable(client, network, url):
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
