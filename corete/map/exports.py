"""The map's points as documents: GeoJSON (RFC 7946) and CSV.

Built as plain dicts and one ``json.dumps``: with 25,000 points a serialising schema
cost several times the 200 ms the API has. Links are made from one template per kind
of page (url_for once, not once per point)."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from corete.map.services import Point


@dataclass(frozen=True)
class Links:
    """Templates of the hub's pages a point links to; ``{}`` is replaced by the point's ref."""

    space: str
    event: str
    proposal: str

    def of(self, p: Point) -> str:
        template = {"spaces": self.space, "events": self.event, "proposals": self.proposal}[p.layer]
        return template.replace("{}", p.ref)


def properties(p: Point, links: Links) -> dict:
    props = {"layer": p.layer, "ref": p.ref, "name": p.name, "kind": p.kind, "city": p.city,
             "address": p.address, "approximate": p.approximate, "url": links.of(p)}
    if p.layer == "spaces":
        props["accredited"] = p.accredited
        props["tags"] = p.tags
    elif p.layer == "events":
        props.update(events=p.events, next_title=p.next_title, next_start=p.next_start.isoformat(),
                     next_url=links.event.replace("{}", p.ref), space=p.space, space_name=p.space_name)
    return props


def geojson(found: list[Point], links: Links) -> str:
    """A FeatureCollection of Points, longitude first (RFC 7946 section 3.1.1), WGS84."""
    features = [{"type": "Feature", "id": f"{p.layer}/{p.ref}",
                 "geometry": {"type": "Point", "coordinates": [round(p.lon, 6), round(p.lat, 6)]},
                 "properties": properties(p, links)} for p in found]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      separators=(",", ":"))


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
               "next_start": p.next_start.isoformat() if p.next_start else None, "url": links.of(p)}
        writer.writerow([_cell(row[c]) if c not in ("lat", "lon") else row[c] for c in CSV_COLUMNS])
    return out.getvalue()
