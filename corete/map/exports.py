"""The map's points as documents: GeoJSON (RFC 7946) and CSV.

Built as plain dicts serialised by orjson (the only module that uses it): with 25,000
points the standard library's encoder alone took 170 ms of the API's 200, a
serialising schema several times that. Links are made from one template per kind of
page (url_for once, not once per point)."""
from __future__ import annotations

import csv
import io

import orjson

from corete.map.services import Point


class Links:
    """The hub's page each point links to, from one template per layer ("{}": the ref)."""

    def __init__(self, space: str, event: str, proposal: str, picture: str = "/media/small/{}.jpg",
                 resources: str = "/resources?space={}", offers: str = "/offers?space={}"):
        self._parts = {layer: tuple(template.split("{}", 1)) for layer, template in
                       (("spaces", space), ("events", event), ("proposals", proposal), ("picture", picture),
                        ("resources", resources), ("offers", offers))}

    def of(self, p: Point) -> str:
        before, after = self._parts[p.layer]
        return before + p.ref + after

    def resources(self, slug: str) -> str:
        before, after = self._parts["resources"]
        return before + slug + after

    def offers(self, slug: str) -> str:
        before, after = self._parts["offers"]
        return before + slug + after

    def picture(self, picture_id: str) -> str:
        before, after = self._parts["picture"]
        return before + picture_id + after


def properties(p: Point, links: Links) -> dict:
    """A point's properties; keys without a value are left out (a missing key: unknown)."""
    props = {"layer": p.layer, "ref": p.ref, "name": p.name, "url": links.of(p)}
    if p.kind:
        props["kind"] = p.kind
    if p.city:
        props["city"] = p.city
    if p.address:
        props["address"] = p.address
    if p.approximate:
        props["approximate"] = True
    if p.layer == "events":
        props.update(events=p.events, next_title=p.next_title, next_start=p.next_start, space=p.space,
                     space_name=p.space_name)
        if p.next_picture:
            props["next_picture"] = links.picture(p.next_picture)
    elif p.layer == "resources":
        props.update(resources=p.resources, resource_kinds=p.resource_kinds)
    elif p.layer == "spaces":
        if p.resources:  # its rooms and equipment, at its own place (services._beside_spaces)
            props.update(resources=p.resources, resource_kinds=p.resource_kinds, resources_url=links.resources(p.ref))
        if p.offers:
            props.update(offers=p.offers, offers_url=links.offers(p.ref))
        if p.accredited:
            props["accredited"] = True
        if p.tags:
            props["tags"] = p.tags
    return props


def _degrees(value: float) -> float:
    """Five decimals (about a metre). round(value, 5) formats and parses a string: with
    50,000 coordinates it was a quarter of the document's time (bench_map.py)."""
    return round(value * 100_000) / 100_000


def geojson(found: list[Point], links: Links) -> bytes:
    """A FeatureCollection of Points, longitude first (RFC 7946 section 3.1.1), WGS84."""
    features = [{"type": "Feature", "id": f"{p.layer}/{p.ref}",
                 "geometry": {"type": "Point", "coordinates": [_degrees(p.lon), _degrees(p.lat)]},
                 "properties": properties(p, links)} for p in found]
    return orjson.dumps({"type": "FeatureCollection", "features": features})


def layers(document: bytes, names: list[str]) -> dict[str, list[dict]]:
    """A GeoJSON document's points, layer by layer in the document's order: each one's
    properties (its page at "url"), for the list view, which reads the document the map
    itself fetched instead of building the points again."""
    found: dict[str, list[dict]] = {name: [] for name in names}
    for feature in orjson.loads(document)["features"]:
        props = feature["properties"]
        if props["layer"] in found:
            found[props["layer"]].append(props)
    return found


CSV_COLUMNS = ("layer", "ref", "name", "kind", "accredited", "approximate", "lat", "lon", "address", "city",
               "events", "next_title", "next_start", "url")


def _cell(value) -> str:
    """Text a spreadsheet will not run: feed text starting with = + - @ is a formula to it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(found: list[Point], links: Links) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for p in found:
        row = {"layer": p.layer, "ref": p.ref, "name": p.name, "kind": p.kind,
               "accredited": p.accredited if p.layer == "spaces" else None, "approximate": p.approximate,
               "lat": f"{p.lat:.6f}", "lon": f"{p.lon:.6f}", "address": p.address, "city": p.city,
               "events": p.events if p.layer == "events" else None, "next_title": p.next_title,
               "next_start": p.next_start, "url": links.of(p)}
        writer.writerow([_cell(row[c]) if c not in ("lat", "lon") else row[c] for c in CSV_COLUMNS])
    return out.getvalue()
