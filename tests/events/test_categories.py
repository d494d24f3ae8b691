"""Categories of events, each with a colour: made of tags, so every feed format has them;
they filter the calendar, the API and the exports, and label events on every list."""
from __future__ import annotations

import datetime as dt
import html

import pytest
from icalendar import Calendar

from corete.federation import writers
from tests.conftest import make_space, poll

SOON = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).replace(hour=17, minute=0, second=0, microsecond=0)


@pytest.fixture
def network(app, session, httpserver):
    items = [writers.item("event", "a", "Corso di saldatura", SOON, None, tags=["Corso"]),
             writers.item("event", "b", "Aperitivo dei soci", SOON + dt.timedelta(hours=2), None, tags=["networking"]),
             writers.item("event", "c", "Assemblea", SOON + dt.timedelta(hours=3), None, tags=["assemblea"])]
    httpserver.expect_request("/feed.json").respond_with_data(
        writers.jsonfeed({"name": "Lab121", "city": "Alessandria"}, items, feed_url=httpserver.url_for("/feed.json")),
        content_type="application/feed+json")
    space = make_space(session, httpserver.url_for("/feed.json"), name="Lab121")
    poll(app, space)
    return space


def _titles(client, url):
    return [e["title"] for e in client.get(url).get_json()["items"]]


def test_a_category_filters_the_api_the_calendar_and_the_exports(client, network):
    assert _titles(client, "/api/v1/events?category=workshops") == ["Corso di saldatura"]  # "Corso": case set aside
    assert _titles(client, "/api/v1/events?category=community") == ["Aperitivo dei soci"]
    assert _titles(client, "/api/v1/events?category=community&tag=assemblea") == ["Assemblea"]  # a tag wins
    assert len(_titles(client, "/api/v1/events?category=nonsense")) == 3  # unknown: no filter
    page = html.unescape(client.get("/calendar?category=workshops", headers={"Accept-Language": "it"}).get_data(as_text=True))
    assert "Corso di saldatura" in page and "Aperitivo dei soci" not in page
    assert 'aria-current="page"><span class="cat-dot" style="background:#b5462b" aria-hidden="true"></span>Laboratori e corsi' in page
    ics = Calendar.from_ical(client.get("/calendar.ics?category=community").data)
    assert [str(e["SUMMARY"]) for e in ics.walk("VEVENT")] == ["Aperitivo dei soci"]
    assert "Comunità e networking" in ics.get("X-WR-CALNAME")


def test_every_list_labels_an_event_with_its_category_in_the_visitors_language(client, network):
    for url in ("/calendar", "/", "/embed/calendar"):
        page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert '<span class="cat-name">Workshops and courses</span></span><a' in page, url
        assert page.count('class="cat"') == 2, url  # the assembly has no category
    month = client.get("/calendar?view=month", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<span class="visually-hidden">Community and networking</span>' in month


def test_a_network_sets_its_own_categories(app, client, network):
    app.config["EVENT_CATEGORIES"] = [{"key": "governance", "colour": "#123456", "tags": ["Assemblea"],
                                       "it": "Vita associativa", "en": "Running the association"}]
    assert _titles(client, "/api/v1/events?category=governance") == ["Assemblea"]
    assert _titles(client, "/api/v1/events?category=workshops") != ["Corso di saldatura"]  # the defaults are gone
    page = html.unescape(client.get("/calendar", headers={"Accept-Language": "it"}).get_data(as_text=True))
    assert "Vita associativa" in page and "#123456" in page and "Laboratori e corsi" not in page


def test_the_map_shows_the_venues_and_hosts_of_a_category(app, client, session, httpserver):
    at = {"name": "Piazza", "city": "Alessandria", "lat": 44.91, "lon": 8.61}
    items = [writers.item("event", "w", "Corso di saldatura", SOON, None, tags=["corso"], location=at),
             writers.item("event", "n", "Aperitivo", SOON, None, tags=["aperitivo"],
                                location={**at, "name": "Bar", "lat": 44.95, "lon": 8.70})]
    for n, (name, feed_items) in enumerate((("Lab121", items), ("Altro spazio", []))):
        httpserver.expect_request(f"/f{n}.json").respond_with_data(
            writers.jsonfeed({"name": name, "city": "Torino", "lat": 45.07, "lon": 7.68 + n}, feed_items,
                             feed_url=httpserver.url_for(f"/f{n}.json")), content_type="application/feed+json")
        make_space(session, httpserver.url_for(f"/f{n}.json"), name=name)
    poll(app)

    def names(query):
        return sorted(f["properties"]["name"] for f in
                      client.get(f"/api/v1/map/features.geojson?{query}").get_json()["features"])

    assert names("event_category=workshops") == ["Lab121", "Piazza"]  # its venue and its host; no proposals
    assert names("event_category=community&layers=events") == ["Bar"]
    assert names("event_category=nonsense&layers=events") == ["Bar", "Piazza"]
    page = client.get("/map?event_category=workshops", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert '<option value="workshops" selected>Laboratori e corsi</option>' in page
    assert "event_category=workshops" in page  # the map's points are asked with it
