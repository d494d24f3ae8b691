"""The documents the hub shows the fediverse: its actors, their events in the shape
Mobilizon and Gancio publish (an ActivityStreams ``Event`` with a ``Place``, Mobilizon's
``timezone`` and iCalendar's status), the activities that announce them, WebFinger.

Every address is built from PUBLIC_URL, never from a request: a document must say the
same whether a web request or the scheduler writes it."""
from __future__ import annotations

import datetime as dt

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1",
           {"mz": "https://joinmobilizon.org/ns#", "ical": "http://www.w3.org/2002/12/cal/ical#",
            "timezone": {"@id": "mz:timezone", "@type": "sc:Text"}, "sc": "http://schema.org#",
            "Hashtag": "as:Hashtag", "as": "https://www.w3.org/ns/activitystreams#"}]
NETWORK = "calendar"  # the network calendar's actor (@calendar@host)


class Addresses:
    """The hub's ActivityPub addresses, from its public address."""

    def __init__(self, public_url: str):
        self.base = public_url.rstrip("/")

    def actor(self, name: str) -> str:
        return f"{self.base}/ap/actors/{name}"

    def key(self, name: str) -> str:
        return self.actor(name) + "#main-key"

    def event(self, event_id: int) -> str:
        return f"{self.base}/ap/events/{event_id}"

    def page(self, path: str) -> str:
        return self.base + path


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def actor(ap: Addresses, name: str, *, title: str, summary: str, page: str, public_pem: str,
          kind: str = "Group") -> dict:
    url = ap.actor(name)
    return {
        "@context": CONTEXT, "id": url, "type": kind, "preferredUsername": name, "name": title, "summary": summary,
        "url": page, "inbox": url + "/inbox", "outbox": url + "/outbox", "followers": url + "/followers",
        "manuallyApprovesFollowers": False, "discoverable": True,
        "publicKey": {"id": ap.key(name), "owner": url, "publicKeyPem": public_pem},
    }


def event_object(ap: Addresses, event, *, actor_name: str) -> dict:
    """An Event as Mobilizon and Gancio federate one: Mastodon shows its name, start and
    place; Mobilizon and Gancio import it as an event."""
    start = event.start_at if not event.all_day else dt.datetime.combine(event.start_date, dt.time(),
                                                                        dt.timezone.utc)
    end = event.end_at if not event.all_day else (
        dt.datetime.combine(event.end_date, dt.time(), dt.timezone.utc) if event.end_date else None)
    obj = {
        "@context": CONTEXT, "id": ap.event(event.id), "type": "Event", "name": event.title,
        "content": event.description_html or "", "startTime": _iso(start),
        "url": ap.page(f"/events/{event.id}"),
        "attributedTo": ap.actor(actor_name), "to": [PUBLIC], "cc": [ap.actor(actor_name) + "/followers"],
        "published": _iso(event.first_seen_at), "updated": _iso(event.updated_at),
        "timezone": event.timezone or "Europe/Rome",
        "ical:status": "CANCELLED" if event.status == "cancelled" else "CONFIRMED",
        "tag": [{"type": "Hashtag", "name": "#" + t.replace(" ", "")} for t in (event.tags or [])[:10]],
    }
    if end:
        obj["endTime"] = _iso(end)
    if event.venue_name or event.venue_city or event.lat is not None:
        place = {"type": "Place", "name": event.venue_name or event.venue_city or ""}
        address = {k: v for k, v in (("streetAddress", event.venue_address), ("addressLocality", event.venue_city))
                   if v}
        if address:
            place["address"] = {"type": "PostalAddress", **address}
        if event.lat is not None and event.lon is not None:
            place.update(latitude=event.lat, longitude=event.lon)
        obj["location"] = place
    if event.online_url:
        obj["attachment"] = [{"type": "Link", "name": "online", "href": event.online_url}]
    return obj


def activity(ap: Addresses, kind: str, actor_name: str, obj: dict, version: str) -> dict:
    """Create, Update or Delete of an event (a Delete carries a Tombstone)."""
    if kind == "Delete":
        obj = {"id": obj["id"], "type": "Tombstone"}
    return {"@context": CONTEXT, "id": f"{obj['id']}/{kind.lower()}/{version}", "type": kind,
            "actor": ap.actor(actor_name), "to": [PUBLIC], "cc": [ap.actor(actor_name) + "/followers"], "object": obj,
            "published": _iso(dt.datetime.now(dt.timezone.utc))}


def webfinger(ap: Addresses, name: str, host: str, page: str) -> dict:
    return {"subject": f"acct:{name}@{host}", "aliases": [ap.actor(name)], "links": [
        {"rel": "self", "type": "application/activity+json", "href": ap.actor(name)},
        {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": page}]}
