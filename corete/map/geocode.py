"""The optional geocoder: street-level positions for the addresses feeds write as text.

Off by default: the municipality read from the text (map/places.py, offline) places a venue
at its municipality's centre. A network that wants more sets GEOCODER_URL to a Nominatim or
Photon server (its own, or a public one whose usage policy it follows). Then the scheduler's
`geocode` job asks it, through the same guarded fetcher as feeds, at most GEOCODER_RATE
requests a second and GEOCODER_PER_RUN a run, once per address (the answer, found or not,
is kept in map_geocoded), and puts the positions on the events and spaces that had none.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
import unicodedata
from dataclasses import replace
from urllib.parse import urlencode

from sqlalchemy import select, update

from corete.core.models import chunks, utcnow
from corete.map.models import GeocodedPlace

log = logging.getLogger(__name__)


def query_of(address: str | None, city: str | None, name: str | None = None) -> str | None:
    """The text asked for a venue or a space: a street address is needed (a name or a city
    alone is what the offline table already places)."""
    if not address or not address.strip():
        return None
    parts = [p.strip() for p in (address, city) if p and p.strip()]
    if city and city.strip().casefold() in address.casefold():
        parts = [address.strip()]
    return ", ".join(parts + ["Italia"])[:700]


def query_key(query: str) -> str:
    folded = " ".join(unicodedata.normalize("NFKC", query).casefold().split())
    return hashlib.blake2b(folded.encode(), digest_size=16).hexdigest()


def _request_url(config, query: str) -> str:
    base = config["GEOCODER_URL"].rstrip("/")
    if config["GEOCODER_KIND"] == "photon":
        return f"{base}/api?" + urlencode({"q": query, "limit": 1, "lang": "it"})
    return f"{base}/search?" + urlencode({"q": query, "format": "jsonv2", "limit": 1,
                                          "countrycodes": config["GEOCODER_COUNTRIES"]})


def _position(config, body: bytes) -> tuple[float, float] | None:
    """The first result's position, whichever of the two answers; None when nothing was found.
    ValueError when the answer is not one."""
    data = json.loads(body)
    if config["GEOCODER_KIND"] == "photon":
        features = data.get("features") if isinstance(data, dict) else None
        if not features:
            return None
        lon, lat = features[0]["geometry"]["coordinates"][:2]
    else:
        if not isinstance(data, list):
            raise ValueError("not a Nominatim answer")
        if not data:
            return None
        lat, lon = data[0]["lat"], data[0]["lon"]
    lat, lon = float(lat), float(lon)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("a position outside the world")
    return lat, lon


def look_up(session, config, queries: list[str]) -> tuple[int, int]:
    """Ask the geocoder the queries it was never asked, at its rate; (found, not found)."""
    from corete.federation.fetch import FetchError, FetchPolicy, fetch

    policy = replace(FetchPolicy.from_config(config), accept="application/json", max_bytes=1024 * 1024,
                     total_deadline=10.0)
    gap = 1.0 / float(config["GEOCODER_RATE"])
    found = missing = 0
    last = None
    for query in queries[:int(config["GEOCODER_PER_RUN"])]:
        key = query_key(query)
        if session.get(GeocodedPlace, key) is not None:
            continue
        if last is not None:
            time.sleep(max(0.0, last + gap - time.monotonic()))
        last = time.monotonic()
        try:
            where = _position(config, fetch(_request_url(config, query), policy).body)
        except FetchError as e:  # the geocoder is down or refuses: asked again at the next run
            log.warning("geocoder: %s: %s", e.error_class, e.message)
            break
        except (ValueError, KeyError, IndexError, TypeError) as e:
            log.warning("geocoder answered something unreadable for %r: %s", query, e)
            where = None
        session.add(GeocodedPlace(key=key, query=query, lat=where[0] if where else None,
                                  lon=where[1] if where else None, looked_at=utcnow()))
        session.commit()
        found, missing = (found + 1, missing) if where else (found, missing + 1)
    return found, missing


def _known(session, keys: set[str]) -> dict[str, tuple[float, float]]:
    out = {}
    for chunk in chunks(list(keys)):
        for key, lat, lon in session.execute(select(GeocodedPlace.key, GeocodedPlace.lat, GeocodedPlace.lon)
                                             .where(GeocodedPlace.key.in_(chunk), GeocodedPlace.lat.is_not(None))):
            out[key] = (lat, lon)
    return out


def place_rows(session, model, rows) -> int:
    """Give rows of ``model`` (id, address, city) without a position the one the geocoder
    found for their address, where one is kept; how many were placed."""
    wanted = {row[0]: query_key(q) for row in rows if (q := query_of(row[1], row[2])) is not None}
    known = _known(session, set(wanted.values()))
    placed = 0
    for row_id, key in wanted.items():
        if key in known:
            lat, lon = known[key]
            placed += session.execute(update(model).where(model.id == row_id, model.lat.is_(None))
                                      .values(lat=lat, lon=lon), execution_options={"synchronize_session": False}
                                      ).rowcount
    return placed


def run(session, config) -> str | None:
    """The scheduler's job: look up the addresses of venues and spaces without a position,
    then place them."""
    if not config.get("GEOCODER_URL"):
        return None
    from corete.events.models import Event
    from corete.spaces.models import Space

    venues = session.execute(select(Event.id, Event.venue_address, Event.venue_city).where(
        Event.lat.is_(None), Event.venue_address.is_not(None))).all()
    spaces = session.execute(select(Space.id, Space.address, Space.city).where(
        Space.lat.is_(None), Space.address.is_not(None), Space.active.is_(True))).all()
    queries = list(dict.fromkeys(q for _id, a, c in [*spaces, *venues] if (q := query_of(a, c)) is not None))
    found, missing = look_up(session, config, queries)
    placed = place_rows(session, Event, venues) + place_rows(session, Space, spaces)
    session.commit()
    if not (found or missing or placed):
        return None
    return f"geocoder: {found} addresses found, {missing} not found; {placed} venues and spaces placed"
