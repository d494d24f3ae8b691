"""A picture a feed names is fetched once by the hub, through the guarded fetcher, kept as
the hub's own copy and served by it: pages never point at a member's server. What fails
is refused with the reason, tried again later, and never costs the event."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from corete.events.models import Event
from corete.federation import writers
from corete.media.models import Picture, PictureSource
from corete.media.services import fetch_pending
from tests.conftest import make_space, poll
from tests.media.pictures import GPS_IFD, MAKE, jpeg, of

SOON = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)


def _publish(httpserver, image):
    item = writers.item("event", "serata", "Serata di cinema", SOON, SOON + dt.timedelta(hours=2),
                              location={"name": "Cinema Palazzo", "city": "Roma", "lat": 41.897, "lon": 12.516})
    if image is not None:
        item["image"] = image
    httpserver.expect_request("/feed.json").respond_with_data(
        writers.jsonfeed({"name": "Millepiani", "city": "Roma"}, [item], feed_url=httpserver.url_for("/feed.json")),
        content_type="application/feed+json")


def _event(session) -> Event:
    session.expire_all()
    return session.scalar(select(Event))


def test_a_feed_picture_is_fetched_once_kept_and_served_by_the_hub(app, session, client, httpserver):
    photo = jpeg(2400, 1600)
    httpserver.expect_request("/img/serata.jpg").respond_with_data(photo, content_type="image/jpeg")
    _publish(httpserver, "/img/serata.jpg")  # relative: read against the feed's address
    space = make_space(session, httpserver.url_for("/feed.json"), name="Millepiani")
    poll(app, space)
    event = _event(session)
    assert event.image_url == httpserver.url_for("/img/serata.jpg") and event.picture_id is None

    app.config["OUTBOUND_SECONDS_PER_RUN"] = 0  # a run whose time is spent fetches nothing: still wanted
    assert fetch_pending(session, Event, app.config) == "0 pictures kept, 0 refused, 1 left for the next run"
    assert not [r for r, _ in httpserver.log if r.path == "/img/serata.jpg"] and _event(session).picture_id is None
    app.config["OUTBOUND_SECONDS_PER_RUN"] = 240.0
    assert fetch_pending(session, Event, app.config) == "1 pictures kept, 0 refused"
    event = _event(session)
    picture = session.get(Picture, event.picture_id)
    assert (picture.width, picture.height) == (1200, 800)

    large = client.get(f"/media/{picture.id}.jpg")
    assert large.status_code == 200 and large.content_type == "image/jpeg"
    assert "immutable" in large.headers["Cache-Control"]
    served = of(large.data)
    assert served.size == (1200, 800) and MAKE not in served.getexif() and GPS_IFD not in served.getexif()
    assert max(of(client.get(f"/media/small/{picture.id}.jpg").data).size) == 480
    assert client.get(f"/media/{picture.id}.jpg", headers={"If-None-Match": large.headers["ETag"]}).status_code == 304

    for page in ("/calendar?view=list", "/", f"/events/{event.id}", "/embed/calendar"):
        body = client.get(page).get_data(as_text=True)
        assert f"/media/small/{picture.id}.jpg" in body or f"/media/{picture.id}.jpg" in body, page
        assert httpserver.url_for("/img/serata.jpg") not in body, page  # visitors never ask the member
    assert client.get("/api/v1/events").get_json()["items"][0]["picture"].endswith(f"/media/{picture.id}.jpg")
    venue = next(f for f in client.get("/api/v1/map/features.geojson").get_json()["features"]
                 if f["properties"]["layer"] == "events")
    assert venue["properties"]["next_picture"].endswith(f"/media/small/{picture.id}.jpg")

    # Polled again, nothing to fetch: the member's server was asked for the picture once.
    poll(app, space)
    assert fetch_pending(session, Event, app.config) == "no pictures to fetch"
    asked = [r for r, _ in httpserver.log if r.path == "/img/serata.jpg"]
    assert len(asked) == 1 and asked[0].headers["Accept"].startswith("image/")
    assert _event(session).picture_id == picture.id


def test_an_event_that_drops_its_picture_shows_none(app, session, httpserver):
    httpserver.expect_request("/p.jpg").respond_with_data(jpeg(300, 200), content_type="image/jpeg")
    _publish(httpserver, "/p.jpg")
    space = make_space(session, httpserver.url_for("/feed.json"))
    poll(app, space)
    fetch_pending(session, Event, app.config)
    assert _event(session).picture_id is not None
    httpserver.clear_all_handlers()
    _publish(httpserver, None)
    poll(app, space)
    event = _event(session)
    assert event.image_url is None and event.picture_id is None


@pytest.mark.parametrize("serve, reason", [
    (lambda s: s.expect_request("/p.jpg").respond_with_data("<html>no</html>", content_type="text/html"),
     "not a picture"),
    (lambda s: s.expect_request("/p.jpg").respond_with_data("", status=404), "http_4xx"),
    (lambda s: s.expect_request("/p.jpg").respond_with_data(jpeg(3000, 3000, gps=False), content_type="image/jpeg"),
     "too_large"),
])
def test_a_refused_picture_keeps_the_event_says_why_and_is_tried_later(app, session, client, httpserver, serve, reason):
    app.config["PICTURE_MAX_BYTES"] = 40_000  # the 3000x3000 photo is larger
    serve(httpserver)
    _publish(httpserver, "/p.jpg")
    space = make_space(session, httpserver.url_for("/feed.json"))
    poll(app, space)
    now = dt.datetime.now(dt.timezone.utc)
    assert fetch_pending(session, Event, app.config, now=now) == "0 pictures kept, 1 refused"
    source = session.scalar(select(PictureSource))
    assert reason in source.error and source.tries == 1 and source.retry_at > now
    event = _event(session)
    assert event.picture_id is None
    assert client.get(f"/events/{event.id}").status_code == 200
    # Not again before its time; at its time, again (the member fixed it meanwhile).
    assert fetch_pending(session, Event, app.config, now=now) == "no pictures to fetch"
    httpserver.clear_all_handlers()
    httpserver.expect_request("/p.jpg").respond_with_data(jpeg(300, 200), content_type="image/jpeg")
    _publish(httpserver, "/p.jpg")
    later = source.retry_at + dt.timedelta(seconds=1)
    assert fetch_pending(session, Event, app.config, now=later) == "1 pictures kept, 0 refused"
    assert _event(session).picture_id is not None and session.scalar(select(func.count(Picture.id))) == 1


def test_a_picture_on_a_private_address_is_never_fetched(app, session, httpserver):
    _publish(httpserver, "http://169.254.169.254/latest/meta-data/poster.jpg")
    space = make_space(session, httpserver.url_for("/feed.json"))
    poll(app, space)
    assert fetch_pending(session, Event, app.config) == "0 pictures kept, 1 refused"
    assert session.scalar(select(PictureSource.error)).startswith("blocked")


def test_the_same_picture_in_two_feeds_is_fetched_once_per_address_and_stored_once(app, session, httpserver):
    photo = jpeg(500, 400)
    for path in ("/a.jpg", "/b.jpg"):
        httpserver.expect_request(path).respond_with_data(photo, content_type="image/jpeg")
    for n, path in enumerate(("/a.jpg", "/b.jpg")):
        item = writers.item("event", f"e{n}", f"Evento {n}", SOON, None)
        item["image"] = httpserver.url_for(path)
        httpserver.expect_request(f"/feed{n}.json").respond_with_data(
            writers.jsonfeed({"name": f"S{n}"}, [item], feed_url=httpserver.url_for(f"/feed{n}.json")),
            content_type="application/feed+json")
        make_space(session, httpserver.url_for(f"/feed{n}.json"), name=f"Spazio {n}")
    poll(app)
    assert fetch_pending(session, Event, app.config) == "2 pictures kept, 0 refused"
    assert session.scalar(select(func.count(Picture.id))) == 1
    assert len(set(session.scalars(select(Event.picture_id)))) == 1


def test_a_broken_picture_id_in_the_address_is_not_found(client):
    assert client.get("/media/../../etc/passwd.jpg").status_code == 404
    assert client.get("/media/" + "0" * 64 + ".jpg").status_code == 404
    assert client.get("/media/small/xyz.jpg").status_code == 404
