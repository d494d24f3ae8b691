"""Every format's way of naming a picture is read: JSON Feed, iCalendar, RSS and Atom,
ActivityStreams. Only http(s) addresses are kept; inline data never."""
from __future__ import annotations

import json

import pytest

from corete.federation.parse import parse_feed

BASE = "https://millepiani.example/feed"


def _event(doc):
    assert not doc.rejections, doc.rejections
    (item,) = doc.items
    return item.data


def _json(**fields):
    item = {"id": "1", "title": "Serata", "_corete": {"type": "event", "start": "2026-12-12T21:00:00+01:00"}, **fields}
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "M", "items": [item]}).encode()


@pytest.mark.parametrize("fields, expected", [
    ({"image": "/img/serata.jpg"}, "https://millepiani.example/img/serata.jpg"),
    ({"banner_image": "https://cdn.example/banner.png"}, "https://cdn.example/banner.png"),
    ({"image": "https://a.example/i.jpg", "banner_image": "https://a.example/b.jpg"}, "https://a.example/i.jpg"),
    ({"image": "javascript:alert(1)"}, None),
    ({"image": "data:image/png;base64,iVBORw0KGgo="}, None),
    ({}, None),
])
def test_json_feed_image_then_banner(fields, expected):
    assert _event(parse_feed(_json(**fields), "application/feed+json", base_url=BASE, max_items=10)).image == expected


def test_json_feed_image_that_is_not_a_string_is_refused_with_where():
    doc = parse_feed(_json(image={"url": "x"}), "application/feed+json", base_url=BASE, max_items=10)
    assert doc.rejections[0].where == "/items/0/image"


ICS = """BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//IT\r\nBEGIN:VEVENT\r\nUID:a@t\r\nDTSTART:20261212T200000Z\r\nSUMMARY:Serata\r\n{lines}END:VEVENT\r\nEND:VCALENDAR\r\n"""


@pytest.mark.parametrize("lines, expected", [
    ("IMAGE;VALUE=URI;DISPLAY=BADGE:https://t.example/badge.png\r\nIMAGE;VALUE=URI;DISPLAY=FULLSIZE:https://t.example/poster.jpg\r\n",
     "https://t.example/poster.jpg"),
    ("ATTACH;FMTTYPE=application/pdf:https://t.example/programma.pdf\r\nATTACH;FMTTYPE=image/jpeg:https://t.example/locandina.jpg\r\n",
     "https://t.example/locandina.jpg"),
    ("ATTACH;FMTTYPE=image/png;ENCODING=BASE64;VALUE=BINARY:iVBORw0KGgo=\r\n", None),
    ("IMAGE;VALUE=URI:file:///etc/passwd\r\n", None),
])
def test_icalendar_image_and_image_attachments(lines, expected):
    body = ICS.format(lines=lines).encode()
    assert _event(parse_feed(body, "text/calendar", base_url=BASE, max_items=10)).image == expected


RSS = """<?xml version="1.0"?>
<rss version="2.0" xmlns:ev="http://purl.org/rss/1.0/modules/event/" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>M</title><link>https://m.example/</link>
<item><title>Serata</title><guid>s1</guid><ev:startdate>2026-12-12T21:00:00+01:00</ev:startdate>{extra}</item>
</channel></rss>"""


@pytest.mark.parametrize("extra, expected", [
    ('<enclosure url="https://m.example/audio.mp3" type="audio/mpeg" length="1"/>'
     '<enclosure url="https://m.example/poster.jpg" type="image/jpeg" length="1"/>', "https://m.example/poster.jpg"),
    ('<media:thumbnail url="https://m.example/thumb.jpg"/>', "https://m.example/thumb.jpg"),
    ('<media:content url="https://m.example/foto.webp" medium="image"/>', "https://m.example/foto.webp"),
    ("", None),
])
def test_rss_enclosures_and_media_rss(extra, expected):
    body = RSS.format(extra=extra).encode()
    assert _event(parse_feed(body, "application/rss+xml", base_url=BASE, max_items=10)).image == expected


def test_activitystreams_attachment_as_gancio_sends_it():
    event = {"type": "Event", "id": "https://gancio.example/event/1", "name": "Serata",
             "startTime": "2026-12-12T21:00:00+01:00",
             "attachment": [{"type": "Document", "mediaType": "image/jpeg", "url": "https://gancio.example/media/1.jpg"}]}
    body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "type": "Create", "object": event}).encode()
    assert _event(parse_feed(body, "application/activity+json", base_url=BASE, max_items=10)).image \
        == "https://gancio.example/media/1.jpg"
