"""Every fault of FAULTS.md against a real server on localhost: what the hub kept and
what it recorded. "Kept" means the items ingested before are exactly as they were."""
from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import html
import json
import socket
import struct
import time
import tracemalloc
import zlib
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.wrappers import Response

from corete.federation import writers as feeds
from corete.events.models import Event
from corete.federation.models import Feed, Poll
from corete.federation.fetch import FetchError, FetchPolicy, fetch
from corete.federation.jobs import claim_feeds
from tests.conftest import make_space, poll

ROME = ZoneInfo("Europe/Rome")


def ev(id, title=None, day=10, **kw):
    start = dt.datetime(2027, 1, day, 18, 0, tzinfo=ROME)
    return feeds.item("event", id, title or f"Evento {id}", start, start + dt.timedelta(hours=2), **kw)


def body(*items, **top):
    doc = json.loads(feeds.jsonfeed({"name": "Spazio"}, list(items), feed_url="http://example.org/feed.json"))
    doc.update(top)
    return json.dumps(doc, ensure_ascii=False).encode()


def serve(httpserver, data, status=200, headers=None, content_type="application/feed+json"):
    httpserver.clear_all_handlers()
    httpserver.expect_request("/feed.json").respond_with_data(data, status=status, headers=headers,
                                                              content_type=content_type)


def seeded(app, session, httpserver, n=3):
    """A space whose feed was polled once with n events."""
    serve(httpserver, body(*[ev(f"e{i}", day=i + 1) for i in range(n)]))
    space = make_space(session, httpserver.url_for("/feed.json"))
    [summary] = poll(app, space)
    assert summary.outcome == "applied" and summary.new == n
    return space


def snapshot(session):
    session.expire_all()
    return sorted((e.source_id, e.title, e.start_at) for e in session.scalars(select(Event)))


def feed_of(session, space) -> Feed:
    session.expire_all()
    return session.get(Feed, space.feeds[0].id)


def assert_kept_after(app, session, space, before, error_class):
    [summary] = poll(app, space)
    assert summary.outcome in ("failed", "gone"), summary.line()
    assert summary.error_class == error_class, summary.line()
    assert snapshot(session) == before
    feed = feed_of(session, space)
    assert feed.last_error_class == error_class
    assert feed.last_error_message
    assert feed.state in ("active", "gone")
    last = session.scalars(select(Poll).where(Poll.feed_id == feed.id).order_by(Poll.id.desc())).first()
    assert last.error_class == error_class
    return feed


# --- 1, 2: connections and names ---------------------------------------------------------

def test_connection_refused_keeps_everything_and_backs_off(app, session, httpserver):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    httpserver.stop()
    try:
        t0 = time.monotonic()
        feed = assert_kept_after(app, session, space, before, "connect")
        assert time.monotonic() - t0 < 3
        assert feed.consecutive_failures == 1
        assert feed.next_poll_at > dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=app.config["POLL_INTERVAL"] * 0.8)
    finally:
        httpserver.start()


def test_connection_reset_mid_headers(app, session, httpserver, raw_server):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    def reset(conn, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Ty")
        time.sleep(0.05)
        # SO_LINGER 0: close() sends a TCP reset, not a clean end of stream.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    server = raw_server(reset)
    feed_of(session, space).url = server.url
    session.commit()
    assert_kept_after(app, session, space, before, "connect")


def test_name_that_does_not_resolve(app, session):
    space = make_space(session, "http://no-such-host.invalid/feed.json")
    [summary] = poll(app, space)
    assert summary.error_class == "dns"


# --- 4: drips and the hard deadline ------------------------------------------------------------

def _drip_body(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    while not stop.is_set():
        conn.sendall(b" ")
        time.sleep(0.4)


def _drip_headers(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    while not stop.is_set():
        conn.sendall(b"X-Drip: 1\r\n")
        time.sleep(0.4)


def _drip_chunks(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    while not stop.is_set():
        conn.sendall(b"1\r\n \r\n")
        time.sleep(0.4)


def _silent(conn, stop):
    stop.wait(10)  # accepts the connection, never answers


@pytest.mark.slow
@pytest.mark.parametrize("handler", [_drip_body, _drip_headers, _drip_chunks, _silent],
                         ids=["body", "headers", "chunks", "silent"])
def test_slow_drip_is_cut_at_the_total_deadline(app, session, httpserver, raw_server, handler):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    server = raw_server(handler)
    feed_of(session, space).url = server.url
    session.commit()
    t0 = time.monotonic()
    assert_kept_after(app, session, space, before, "timeout")
    elapsed = time.monotonic() - t0
    deadline = app.config["FETCH_TOTAL_DEADLINE"]
    assert elapsed < deadline + 1.5
    if handler is not _silent:  # a drip never trips the per-read timeout: only the deadline stops it
        assert elapsed > deadline - 0.2
    # The worker is free again: the next poll of a healthy feed works at once.
    feed_of(session, space).url = httpserver.url_for("/feed.json")
    session.commit()
    serve(httpserver, body(ev("e0", day=1)))
    [summary] = poll(app, space)
    assert summary.error_class is None


# --- 5: truncated bodies ----------------------------------------------------------------------------

def test_content_length_larger_than_sent(app, session, httpserver, raw_server):
    space = seeded(app, session, httpserver)
    before = snapshot(session)

    def lie(conn, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"version\":")

    server = raw_server(lie)
    feed_of(session, space).url = server.url
    session.commit()
    assert_kept_after(app, session, space, before, "invalid")


def test_truncated_json(app, session, httpserver):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    serve(httpserver, body(ev("e0"))[:-40])
    feed = assert_kept_after(app, session, space, before, "invalid")
    assert "not valid JSON" in feed.last_error_message


# --- 6, 7, 8: HTTP errors, rate limits, Retry-After ---------------------------------------------

@pytest.mark.parametrize("status,error_class", [(500, "http_5xx"), (502, "http_5xx"), (504, "http_5xx"),
                                                (401, "http_4xx"), (403, "http_4xx"), (404, "http_4xx")])
def test_http_errors_keep_data_and_never_disable(app, session, httpserver, status, error_class):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    serve(httpserver, b"<html>nope</html>", status=status, content_type="text/html")
    for n in range(1, 4):
        feed = assert_kept_after(app, session, space, before, error_class)
        assert feed.consecutive_failures == n
        assert feed.state == "active"  # never disabled automatically
    assert str(status) in feed.last_error_message


def _retry_after_delay(app, session, space, httpserver, status, value):
    serve(httpserver, b"busy", status=status, headers={"Retry-After": value}, content_type="text/plain")
    t0 = dt.datetime.now(dt.timezone.utc)
    [summary] = poll(app, space)
    return summary, (feed_of(session, space).next_poll_at - t0).total_seconds()


def test_503_retry_after_seconds_is_honoured(app, session, httpserver):
    space = seeded(app, session, httpserver)
    summary, delay = _retry_after_delay(app, session, space, httpserver, 503, "7200")
    assert summary.error_class == "http_5xx"
    assert 7190 < delay < 7210


@pytest.mark.parametrize("value,low,high", [
    ("3600", 3590, 3610),
    (None, 895, 905),  # a date a few minutes ahead: clamped up to the normal interval
    ("Wed, 21 Oct 2015 07:28:00 GMT", 895, 905),  # in the past
    ("ten-years", 86390, 86410),  # ten years ahead: clamped to a day
])
def test_429_retry_after_is_clamped_and_not_a_failure(app, session, httpserver, value, low, high):
    app.config["POLL_INTERVAL"] = 900
    app.config["POLL_JITTER"] = 0.0
    if value is None:
        value = email.utils.format_datetime(dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=2), usegmt=True)
    elif value == "ten-years":
        value = email.utils.format_datetime(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3650), usegmt=True)
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    summary, delay = _retry_after_delay(app, session, space, httpserver, 429, value)
    assert summary.error_class == "rate_limited"
    assert low < delay < high
    feed = feed_of(session, space)
    assert feed.consecutive_failures == 0  # rate limiting is not a broken feed
    assert snapshot(session) == before


def test_backoff_grows_exponentially_with_jitter(app, session, httpserver):
    app.config["POLL_INTERVAL"] = 600
    space = seeded(app, session, httpserver)
    serve(httpserver, b"", status=500, content_type="text/plain")
    delays = []
    for _ in range(4):
        t0 = dt.datetime.now(dt.timezone.utc)
        poll(app, space)
        delays.append((feed_of(session, space).next_poll_at - t0).total_seconds())
    for n, delay in enumerate(delays):
        expected = 600 * 2 ** n
        assert expected * 0.85 < delay < expected * 1.15


# --- 9: gone and expired --------------------------------------------------------------------

def test_410_stops_polling_and_keeps_data(app, session, httpserver):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    serve(httpserver, b"", status=410, content_type="text/plain")
    feed = assert_kept_after(app, session, space, before, "http_4xx")
    assert feed.state == "gone"
    assert poll(app, space) == []  # no longer polled


def test_jsonfeed_expired_stops_polling_and_keeps_data(app, session, httpserver):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    serve(httpserver, body(expired=True))
    [summary] = poll(app, space)
    assert summary.outcome == "gone"
    assert snapshot(session) == before
    feed = feed_of(session, space)
    assert feed.state == "gone" and "expired" in feed.last_error_message


# --- 10: not a feed ---------------------------------------------------------------------------------

@pytest.mark.parametrize("payload,content_type", [
    (b"<!DOCTYPE html><html><body><form>Login</form></body></html>", "text/html"),
    (b"", "application/json"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
])
def test_a_page_that_is_not_a_feed(app, session, httpserver, payload, content_type):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    serve(httpserver, payload, content_type=content_type)
    assert_kept_after(app, session, space, before, "not_a_feed")


# --- 11: sudden loss of items --------------------------------------------------------------------

@pytest.mark.parametrize("left", [0, 1])
def test_mass_removal_is_held_until_confirmed(app, session, httpserver, left):
    space = seeded(app, session, httpserver, n=4)
    before = snapshot(session)
    serve(httpserver, body(*[ev(f"e{i}", day=i + 1) for i in range(left)]))
    [summary] = poll(app, space)
    assert summary.outcome == "held"
    assert snapshot(session) == before  # a single glitch deletes nothing
    assert len(feed_of(session, space).held_removals) == 4 - left
    [summary] = poll(app, space)  # the same answer again (unchanged): confirmed
    assert summary.removed == 4 - left
    assert len(snapshot(session)) == left
    # the history says what that poll did: not "unchanged", though the body was the same
    from corete.federation.models import Poll

    last = session.scalars(select(Poll).order_by(Poll.id.desc())).first()
    assert summary.outcome == last.outcome == "confirmed" and last.items_removed == 4 - left


def test_a_glitch_followed_by_the_full_feed_removes_nothing(app, session, httpserver):
    space = seeded(app, session, httpserver, n=4)
    before = snapshot(session)
    full = body(*[ev(f"e{i}", day=i + 1) for i in range(4)])
    serve(httpserver, body())
    assert poll(app, space)[0].outcome == "held"
    serve(httpserver, full)
    poll(app, space)
    assert snapshot(session) == before
    assert feed_of(session, space).held_removals is None


def test_removing_a_minority_applies_at_once(app, session, httpserver):
    space = seeded(app, session, httpserver, n=4)
    serve(httpserver, body(*[ev(f"e{i}", day=i + 1) for i in range(3)]))
    [summary] = poll(app, space)
    assert summary.outcome == "applied" and summary.removed == 1
    assert [s for s, _, _ in snapshot(session)] == ["e0", "e1", "e2"]


# --- 12, 13: redirects --------------------------------------------------------------------------------

def test_permanent_redirect_is_adopted_after_three_confirmations(app, session, httpserver):
    space = seeded(app, session, httpserver)
    old = feed_of(session, space).url
    httpserver.clear_all_handlers()
    httpserver.expect_request("/feed.json").respond_with_data("", status=301, headers={"Location": "/new.json"})
    httpserver.expect_request("/new.json").respond_with_data(body(ev("e0", day=1)), content_type="application/json")
    for n in (1, 2):
        poll(app, space)
        feed = feed_of(session, space)
        assert feed.url == old and feed.redirect_confirmations == n
    poll(app, space)
    feed = feed_of(session, space)
    assert feed.url == httpserver.url_for("/new.json")
    assert feed.url_history[-1]["url"] == old


@pytest.mark.parametrize("status", [302, 307])
def test_temporary_redirects_never_change_the_url(app, session, httpserver, status):
    space = seeded(app, session, httpserver)
    old = feed_of(session, space).url
    httpserver.clear_all_handlers()
    httpserver.expect_request("/feed.json").respond_with_data("", status=status, headers={"Location": "/tmp.json"})
    httpserver.expect_request("/tmp.json").respond_with_data(body(ev("e0", day=1)), content_type="application/json")
    for _ in range(4):
        [summary] = poll(app, space)
        assert summary.error_class is None
    assert feed_of(session, space).url == old


def test_redirect_loop_and_long_chain_are_refused(app, session, httpserver):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    httpserver.clear_all_handlers()
    httpserver.expect_request("/feed.json").respond_with_data("", status=302, headers={"Location": "/a"})
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/feed.json"})
    feed = assert_kept_after(app, session, space, before, "blocked")
    assert "loop" in feed.last_error_message
    httpserver.clear_all_handlers()
    httpserver.expect_request("/feed.json").respond_with_data("", status=302, headers={"Location": "/r1"})
    for i in range(1, 7):
        httpserver.expect_request(f"/r{i}").respond_with_data("", status=302, headers={"Location": f"/r{i + 1}"})
    feed = assert_kept_after(app, session, space, before, "blocked")
    assert "more than 5 redirects" in feed.last_error_message


@pytest.mark.parametrize("target", [
    "http://127.0.0.2:{port}/feed.json",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/feed.json",
    "http://[::1]:{port}/feed.json",
    "file:///etc/passwd",
])
def test_redirects_to_private_targets_are_refused(app, session, httpserver, target):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    httpserver.clear_all_handlers()
    httpserver.expect_request("/feed.json").respond_with_data(
        "", status=302, headers={"Location": target.format(port=httpserver.port)})
    assert_kept_after(app, session, space, before, "blocked")


# --- 14: address tricks -----------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f000001", "[::1]", "[::ffff:127.0.0.1]",
                                  "0.0.0.0", "localhost.", "127.0.0.1", "localhost"])
def test_address_tricks_are_blocked_when_loopback_is_not_allowed(app, session, httpserver, host):
    app.config["FETCH_ALLOW_NETWORKS"] = []
    space = make_space(session, f"http://{host}:{httpserver.port}/feed.json")
    serve(httpserver, body(ev("e0")))
    [summary] = poll(app, space)
    # "localhost." does not resolve on every machine: then it is a dns failure.
    assert summary.error_class in (("blocked", "dns") if host == "localhost." else ("blocked",)), summary.line()
    assert httpserver.log == []  # nothing reached the server


# --- 15: size caps and decompression bombs ---------------------------------------------------------

def _bomb(size: int) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    out = [comp.compress(chunk) for _ in range(size >> 20)]
    return b"".join(out) + comp.flush()


@pytest.mark.parametrize("encoding", ["gzip", "gzip, gzip"])
def test_gzip_bomb_is_cut_at_the_decoded_cap(app, session, httpserver, raw_server, encoding):
    cap = 1 << 20
    app.config["FETCH_MAX_BYTES"] = cap
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    payload = _bomb(200 << 20)
    if encoding == "gzip, gzip":
        payload = gzip.compress(payload)
    assert len(payload) < 300_000
    serve(httpserver, payload, headers={"Content-Encoding": encoding})
    feed = assert_kept_after(app, session, space, before, "too_large")
    assert "larger than" in feed.last_error_message
    # Memory of the fetch itself, from a server that allocates nothing while sending
    # (tracemalloc counts every thread of this process).
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: {encoding}\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n").encode()
    server = raw_server(lambda conn, stop: conn.sendall(head + payload))
    policy = FetchPolicy.from_config(app.config)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as caught:
            fetch(server.url, policy)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.error_class == "too_large"
    assert peak < cap + 2 * (1 << 20), f"peak {peak} bytes"


def test_endless_stream_is_cut_at_the_cap(app, session, httpserver):
    app.config["FETCH_MAX_BYTES"] = 1 << 20
    space = seeded(app, session, httpserver)
    before = snapshot(session)

    def endless(request):
        def gen():
            for _ in range(2000):  # bounded (128 MiB); the hub stops long before
                yield b"x" * 65536
        return Response(gen(), content_type="application/json")

    httpserver.clear_all_handlers()
    httpserver.expect_request("/feed.json").respond_with_handler(endless)
    assert_kept_after(app, session, space, before, "too_large")


def test_content_length_smaller_than_the_body(app, session, httpserver, raw_server):
    space = seeded(app, session, httpserver)
    before = snapshot(session)

    def lie(conn, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n")
        conn.sendall(body(ev("x")))

    server = raw_server(lie)
    feed_of(session, space).url = server.url
    session.commit()
    assert_kept_after(app, session, space, before, "invalid")


def test_declared_length_over_the_cap_is_refused_before_reading(app, session, httpserver):
    app.config["FETCH_MAX_BYTES"] = 1000
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    serve(httpserver, b"{" + b" " * 5000 + b"}")
    assert_kept_after(app, session, space, before, "too_large")


# --- 16, 17: hostile and malformed XML, encodings ------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>&lol3;</title></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/evil">]>
<rss version="2.0"><channel><title>&xxe;</title></channel></rss>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entity_attacks_are_invalid(app, session, httpserver, payload):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    serve(httpserver, payload, content_type="application/rss+xml")
    t0 = time.monotonic()
    feed = assert_kept_after(app, session, space, before, "invalid")
    # Refused before expanding anything: an expansion of billions or a fetch of the entity
    # would take far longer. 5 s, not 1: on a 2-core machine under load a poll took 1.16 s.
    assert time.monotonic() - t0 < 5
    assert "entities" in feed.last_error_message


def test_latin1_bytes_declared_as_utf8_read_right(app, session, httpserver):
    doc = body(ev("e0", title="Città aperta: caffè e più"))
    serve(httpserver, doc.decode().encode("latin-1"), content_type="application/json; charset=utf-8")
    space = make_space(session, httpserver.url_for("/feed.json"))
    [summary] = poll(app, space)
    assert summary.new == 1
    assert session.scalar(select(Event.title)) == "Città aperta: caffè e più"
    assert any("not valid UTF-8" in w.reason for w in summary.warnings)


def test_control_characters_and_bom_are_cleaned(app, session, httpserver):
    doc = b"\xef\xbb\xbf" + body(ev("e0", title="Corso\x00 di\x07 stampa 3D\x1b"))
    serve(httpserver, doc)
    space = make_space(session, httpserver.url_for("/feed.json"))
    poll(app, space)
    assert session.scalar(select(Event.title)) == "Corso di stampa 3D"


def test_utf16_with_bom(app, session, httpserver):
    serve(httpserver, body(ev("e0", title="Però")).decode().encode("utf-16"))
    space = make_space(session, httpserver.url_for("/feed.json"))
    poll(app, space)
    assert session.scalar(select(Event.title)) == "Però"


def test_malformed_rss_is_read_leniently(app, session, httpserver):
    rss = (b'<?xml version="1.0"?><rss version="2.0" xmlns:ev="http://purl.org/rss/1.0/modules/event/">'
           b"<channel><title>Caf\xc3\xa9 & co</title><item><title>Serata & musica</title><guid>x1</guid>"
           b"<ev:startdate>2027-02-01T20:00:00+01:00</ev:startdate></item></channel></rss>")
    serve(httpserver, rss, content_type="application/rss+xml")
    space = make_space(session, httpserver.url_for("/feed.json"))
    [summary] = poll(app, space)
    assert summary.new == 1
    assert session.scalar(select(Event.title)) == "Serata & musica"


# --- 18, 19, 20: JSON abuse and identities -------------------------------------------------------

def test_item_cap_keeps_the_newest(app, session, httpserver):
    app.config["FEED_MAX_ITEMS"] = 50
    items = []
    for i in range(2000):
        item = ev(f"n{i}", day=(i % 28) + 1)
        item["date_modified"] = (dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=i)).isoformat()
        items.append(item)
    serve(httpserver, body(*items))
    space = make_space(session, httpserver.url_for("/feed.json"))
    [summary] = poll(app, space)
    assert summary.new == 50
    ids = {s for s, _, _ in snapshot(session)}
    assert ids == {f"n{i}" for i in range(1950, 2000)}


def test_deep_nesting_is_invalid_not_a_crash(app, session, httpserver):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    serve(httpserver, b"[" * 100_000 + b"]" * 100_000)
    assert_kept_after(app, session, space, before, "invalid")


def test_bad_items_are_rejected_one_by_one(app, session, httpserver):
    good = ev("good", day=3)
    numeric = ev("x", day=4)
    numeric["id"] = 42
    nan_need = feeds.item("need", "need-nan", "Caffè", quantity=1, unit="kg")
    wrong_type = ev("wrong", day=5)
    wrong_type["_corete"]["start"] = 12345
    huge = feeds.item("need", "need-huge", "Carta", quantity=1, unit="ream")
    text = body(good, numeric, nan_need, wrong_type, huge, ev("good", day=6))
    text = text.replace(b'"quantity": 1, "unit": "kg"', b'"quantity": NaN, "unit": "kg"')
    text = text.replace(b'"quantity": 1, "unit": "ream"', b'"quantity": ' + b"9" * 5000 + b', "unit": "ream"')
    assert b"NaN" in text and b"9" * 5000 in text
    serve(httpserver, text)
    space = make_space(session, httpserver.url_for("/feed.json"))
    [summary] = poll(app, space)
    assert summary.new == 2  # "good" and the numeric id "42"
    assert summary.rejected == 4  # NaN, huge number, wrong type, duplicate id
    assert {s for s, _, _ in snapshot(session)} == {"good", "42"}
    record = session.scalars(select(Poll).order_by(Poll.id.desc())).first()
    reasons = " | ".join(r["reason"] for r in record.rejections if r["kind"] == "rejected")
    assert "duplicate id" in reasons
    wheres = {r["where"] for r in record.rejections}
    assert "/items/3/_corete/start" in wheres


def test_missing_ids_get_a_stable_identity(app, session, httpserver):
    a, b = ev("a", day=3), ev("b", day=4)
    del a["id"], b["id"]
    b["url"] = "https://example.org/eventi/b"
    serve(httpserver, body(a, b))
    space = make_space(session, httpserver.url_for("/feed.json"))
    poll(app, space)
    first = {s for s, _, _ in snapshot(session)}
    serve(httpserver, body(b, a))  # reordered, same content: same identities
    [summary] = poll(app, space)
    assert {s for s, _, _ in snapshot(session)} == first
    assert summary.new == 0 and summary.removed == 0
    assert "u:https://example.org/eventi/b" in first


def test_every_item_sharing_one_id_does_not_explode(app, session, httpserver):
    items = [ev("same", day=d) for d in range(1, 11)]
    serve(httpserver, body(*items))
    space = make_space(session, httpserver.url_for("/feed.json"))
    [summary] = poll(app, space)
    assert summary.new == 1 and summary.rejected == 9


def test_same_id_with_changed_content_is_an_update(app, session, httpserver):
    space = seeded(app, session, httpserver, n=2)
    serve(httpserver, body(ev("e0", title="Nuovo titolo", day=1), ev("e1", day=2)))
    [summary] = poll(app, space)
    assert (summary.new, summary.updated, summary.removed) == (0, 1, 0)
    assert ("e0", "Nuovo titolo") in {(s, t) for s, t, _ in snapshot(session)}


def test_reapplying_the_same_response_changes_nothing(app, session, httpserver):
    space = seeded(app, session, httpserver)
    before = snapshot(session)
    feed = feed_of(session, space)
    feed.body_hash = None  # force a re-parse of identical content
    session.commit()
    [summary] = poll(app, space)
    assert (summary.new, summary.updated, summary.removed) == (0, 0, 0)
    assert snapshot(session) == before


# --- 21: removal and re-adding ---------------------------------------------------------------------------

def test_item_removed_then_readded_comes_back(app, session, httpserver):
    space = seeded(app, session, httpserver, n=3)
    serve(httpserver, body(ev("e0", day=1), ev("e2", day=3)))
    assert poll(app, space)[0].removed == 1
    serve(httpserver, body(ev("e0", day=1), ev("e1", day=2), ev("e2", day=3), ev("old", day=1)))
    [summary] = poll(app, space)
    assert summary.new == 2  # e1 again, and a back-dated new item is not skipped
    assert {s for s, _, _ in snapshot(session)} == {"e0", "e1", "e2", "old"}


# --- 22: validators ---------------------------------------------------------------------------------------

def test_validators_are_echoed_verbatim_and_ignored_validators_detected_by_hash(app, session, httpserver):
    etag, modified = 'W/"abc \\"quoted\\""', "Sat, 01 Jan 2999 00:00:00 GMT"
    serve(httpserver, body(ev("e0")), headers={"ETag": etag, "Last-Modified": modified})
    space = make_space(session, httpserver.url_for("/feed.json"))
    poll(app, space)
    httpserver.clear_log()
    [summary] = poll(app, space)  # the server ignores If-None-Match and sends 200 again
    request, _ = httpserver.log[0]
    assert request.headers["If-None-Match"] == etag
    assert request.headers["If-Modified-Since"] == modified
    assert summary.outcome == "unchanged"


def test_304_is_unchanged(app, session, httpserver):
    space = seeded(app, session, httpserver)
    serve(httpserver, b"", status=304, content_type="text/plain")
    [summary] = poll(app, space)
    assert summary.outcome == "unchanged" and summary.status == 304
    assert len(snapshot(session)) == 3


# --- 23, 24: dates and hostile content ----------------------------------------------------------------

def test_bad_dates_are_rejected_with_a_reason(app, session, httpserver):
    missing = ev("missing")
    del missing["_corete"]["start"]
    garbage = ev("garbage")
    garbage["_corete"]["start"] = "next tuesday"
    far = ev("far")
    far["_corete"]["start"] = "2999-01-01T10:00:00+01:00"
    far["_corete"]["end"] = "2999-01-01T12:00:00+01:00"
    floating = ev("floating")
    floating["_corete"]["start"] = "2027-03-01T18:00:00"
    floating["_corete"]["end"] = "2027-03-01T20:00:00"
    floating["_corete"]["timezone"] = "Europe/Rome"
    serve(httpserver, body(missing, garbage, far, floating))
    space = make_space(session, httpserver.url_for("/feed.json"))
    [summary] = poll(app, space)
    assert summary.new == 1 and summary.rejected == 3
    event = session.scalar(select(Event))
    # A time without offset is read in its zone (18:00 in Rome is 17:00 UTC), never shifted silently.
    assert event.start_at == dt.datetime(2027, 3, 1, 17, 0, tzinfo=dt.timezone.utc)
    assert any("no UTC offset" in w.reason for w in summary.warnings)


HOSTILE = [
    '<script>alert(1)</script>Titolo',
    '<img src=x onerror=alert(1)>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<svg><script>alert(1)</script></svg>',
]


def test_nothing_executable_survives(app, session, httpserver):
    items = []
    for i, markup in enumerate(HOSTILE):
        item = ev(f"h{i}", title=markup, day=i + 1)
        item["content_html"] = markup
        item["url"] = "javascript:alert(1)"
        item["_corete"]["online_url"] = "&#106;avascript:alert(1)"
        items.append(item)
    serve(httpserver, body(*items))
    space = make_space(session, httpserver.url_for("/feed.json"))
    poll(app, space)
    for event in session.scalars(select(Event)):
        stored = (event.description_html or "").lower()
        for bad in ("<script", "onerror", "javascript:", "vbscript:", "data:", "&#106;"):
            assert bad not in stored, stored
        for url in (event.url, event.online_url):  # dropped, or a plain http(s) link
            assert url is None or urlsplit(html.unescape(url)).scheme in ("http", "https")
    # Titles are plain text: kept as text and escaped where shown.
    page = app.test_client().get("/").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x onerror" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Titolo" in page


# --- 25, 26: the hub offline; killed and concurrent pollers -------------------------------------------

def test_hub_offline_is_not_blamed_on_members(app, session, httpserver):
    spaces = [seeded(app, session, httpserver, n=1)]
    for i in range(5):
        spaces.append(make_space(session, f"http://127.0.0.1:9/feed-{i}.json", name=f"Spazio {i}"))
    feed0 = feed_of(session, spaces[0])
    feed0.url = "http://127.0.0.1:9/feed.json"  # every feed now fails on the network
    session.commit()
    summaries = poll(app)
    assert len(summaries) == 6 and all(s.error_class == "connect" for s in summaries)
    session.expire_all()
    for feed in session.scalars(select(Feed)):
        assert feed.consecutive_failures == 0
        assert feed.state == "active"
        assert "the hub's own network" in feed.last_error_message


def test_a_crash_while_applying_leaves_the_old_state(app, session, httpserver):
    from corete.core.itemtypes import handlers

    HANDLERS = handlers()

    space = seeded(app, session, httpserver, n=2)
    before = snapshot(session)
    old_hash = feed_of(session, space).body_hash
    serve(httpserver, body(ev("e0", title="Cambiato", day=1), ev("e1", day=2), feeds.item("skill", "s", "Grafica", "Ada", category="design")))
    real = HANDLERS["skill"]

    class Exploding:
        item_type = "skill"

        def add(self, *args):
            raise RuntimeError("killed mid-apply")

        replace = remove = add

    HANDLERS["skill"] = Exploding()
    try:
        [summary] = poll(app, space)
    finally:
        HANDLERS["skill"] = real
    assert summary.outcome == "failed"
    assert snapshot(session) == before  # the event update of the same poll was rolled back
    feed = feed_of(session, space)
    assert feed.body_hash == old_hash and feed.lease_owner is None
    [summary] = poll(app, space)
    assert summary.outcome == "applied" and summary.updated == 1 and summary.new == 1


def test_two_pollers_never_claim_the_same_feed(app, session, httpserver):
    for i in range(6):
        make_space(session, httpserver.url_for(f"/f{i}.json"), name=f"Spazio {i}")
    session.execute(Feed.__table__.update().values(next_poll_at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)))
    session.commit()
    first = claim_feeds(session, "poller-a", app.config, limit=4)
    second = claim_feeds(session, "poller-b", app.config, limit=10)
    assert len(first) == 4 and len(second) == 2
    assert not {s.id for s in first} & {s.id for s in second}
    assert claim_feeds(session, "poller-c", app.config) == []


def test_parsing_in_a_separate_process_gives_the_same_result(app, session, httpserver):
    app.config["POLL_PARSE_PROCESSES"] = 1
    space = seeded(app, session, httpserver, n=3)
    bad = ev("bad")
    bad["_corete"]["start"] = "domani"
    serve(httpserver, body(ev("e0", title="Aggiornato", day=1), ev("e1", day=2), ev("e2", day=3), bad))
    [summary] = poll(app, space)
    assert (summary.updated, summary.rejected) == (1, 1)
    serve(httpserver, b"<html>login</html>", content_type="text/html")
    [summary] = poll(app, space)
    assert summary.error_class == "not_a_feed"  # exceptions cross the process boundary too


def test_connections_are_kept_alive_and_at_most_two_per_host(app, session):
    from corete.demo.server import FeedServer

    class CountingServer(FeedServer):
        connections = 0

        def process_request(self, request, client_address):
            type(self).connections += 1
            super().process_request(request, client_address)

    server = CountingServer({}).start()
    try:
        server.set_documents({f"/f{i}.json": (body(ev(f"x{i}")), "application/json") for i in range(6)})
        for i in range(6):
            make_space(session, f"{server.base_url}/f{i}.json", name=f"Spazio {i}")
        for _ in range(3):
            summaries = poll(app)
            assert len(summaries) == 6 and all(s.error_class is None for s in summaries)
        assert 1 <= CountingServer.connections <= app.config["FETCH_MAX_PER_HOST"]
    finally:
        server.shutdown()
        server.server_close()


def test_unchanged_polls_take_the_batched_path_after_a_confirmed_removal(app, session, httpserver):
    from corete.federation.services import FetchOutcome, record_unchanged
    from corete.federation.fetch import FetchResult
    from corete.core.models import utcnow

    space = seeded(app, session, httpserver, n=4)
    serve(httpserver, body())
    assert poll(app, space)[0].outcome == "held"
    poll(app, space)  # confirmed: held_removals is cleared through the ORM
    feed = feed_of(session, space)
    assert feed.held_removals is None
    [snapshot] = claim_feeds(session, "poller-x", app.config, feed_ids=[feed.id])
    outcome = FetchOutcome(snapshot, utcnow(), 1, result=FetchResult(304, snapshot.url), unchanged=True)
    done, rest = record_unchanged(session, [outcome], app.config, "poller-x")
    session.commit()
    assert [s.outcome for s in done] == ["unchanged"] and rest == []
    assert feed_of(session, space).lease_owner is None


def test_a_kept_alive_connection_is_not_reused_under_a_stricter_allow_list(app, session):
    from corete.demo.server import FeedServer

    server = FeedServer({"/f.json": (body(ev("x")), "application/json")}).start()
    try:
        space = make_space(session, f"{server.base_url}/f.json")
        assert poll(app, space)[0].error_class is None  # a connection to 127.0.0.1 is now pooled
        app.config["FETCH_ALLOW_NETWORKS"] = []
        [summary] = poll(app, space)
        assert summary.error_class == "blocked"
    finally:
        server.shutdown()
        server.server_close()


def test_an_item_that_changes_type_moves_to_its_new_room(app, session, httpserver):
    from corete.skills.models import Skill

    space = seeded(app, session, httpserver, n=2)
    serve(httpserver, body(ev("e0", day=1), feeds.item("skill", "e1", "Videomaker", "Marco", category="media")))
    [summary] = poll(app, space)
    assert (summary.new, summary.updated, summary.removed) == (0, 1, 0)
    assert [s for s, _, _ in snapshot(session)] == ["e0"]
    assert session.scalar(select(Skill.source_id)) == "e1"
