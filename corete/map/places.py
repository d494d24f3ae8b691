"""Offline positions of Italian municipalities, for spaces and proposals that give only a city.

The table is ISTAT's municipalities with a centroid each (openpolis, CC-BY 4.0: see
data/ATTRIBUTION.md). A centroid is not a town centre, so every position taken from it
is flagged approximate. Names are matched without accents, case or punctuation, and
bilingual names ("Bolzano/Bozen") by either part. A name several municipalities share
("Calliano", "San Teodoro") is placed only when the province is given: "Calliano (TN)".
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from corete.core.sanitize import normalise_name

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
MUNICIPALITIES_CSV = os.path.join(DATA_DIR, "comuni_italiani_centroidi.csv")
REGIONS_GEOJSON = os.path.join(DATA_DIR, "regioni_italia_semplificate.geojson")
ATTRIBUTION = "Confini amministrativi © ISTAT, elaborazione Openpolis (CC-BY 4.0)"
ATTRIBUTION_URL = "https://github.com/openpolis/geojson-italy"

# Italy with its islands and a margin: pins outside it are refused.
ITALY_BOUNDS = (6.0, 35.0, 19.0, 47.5)  # min lon, min lat, max lon, max lat

_PROVINCE = re.compile(r"^(?P<name>.+?)\s*\((?P<prov>[A-Za-z]{2})\)\s*$")


@dataclass(frozen=True, slots=True)
class Municipality:
    istat: str
    name: str
    province: str
    region: str
    lat: float
    lon: float


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[Municipality, ...]]:
    by_name: dict[str, list[Municipality]] = {}
    with open(MUNICIPALITIES_CSV, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            place = Municipality(row["istat"], row["name"], row["prov"], row["region"],
                                 float(row["lat"]), float(row["lon"]))
            keys = {normalise_name(row["name"])} | {normalise_name(part) for part in row["name"].split("/")}
            for key in keys:
                by_name.setdefault(key, []).append(place)
    return {key: tuple(places) for key, places in by_name.items()}


# Names in everyday use that are not the official one.
ALIASES = {"reggio emilia": "reggio nell emilia", "reggio calabria": "reggio di calabria",
           "pesaro urbino": "pesaro", "forli cesena": "forli", "massa carrara": "massa"}


@lru_cache(maxsize=8192)
def find_municipality(city: str | None) -> Municipality | None:
    """The municipality a city name means, or None when unknown or ambiguous. Kept per
    name: the map places every city-only space on each build (bench_map.py)."""
    if not city:
        return None
    province = None
    match = _PROVINCE.match(city.strip())
    if match:
        city, province = match["name"], match["prov"].upper()
    key = normalise_name(city)
    places = _table().get(ALIASES.get(key, key), ())
    if province:
        places = tuple(p for p in places if p.province == province)
    return places[0] if len(places) == 1 else None


# Free text: an address as people write it ("Cowo Isola, Via Pastrengo 14, 20159 Milano MI,
# Italia"). Parts naming a street or holding a house number are not a municipality ("Via
# Roma 3" is not in Rome); a postal code, a province and the country are dropped.
_STREET = re.compile(r"^(via|viale|v\.?le|piazza|p\.?za|piazzale|corso|c\.?so|largo|vicolo|strada|str\.|"
                     r"lungo\w*|salita|contrada|localita|frazione|borgo|galleria|ponte|riva|calle|campo|"
                     r"fondamenta|rampa|traversa|parco|zona)\b", re.IGNORECASE)
_CAP = re.compile(r"\b\d{5}\b")
_TRAILING_PROVINCE = re.compile(r"^(?P<name>.*\S)\s+\(?(?P<prov>[A-Z]{2})\)?$")
_COUNTRY = {"italia", "italy", "it"}


def find_in_text(text: str | None) -> Municipality | None:
    """The municipality a free-text place names, or None: the parts of the text (between
    commas, semicolons, dashes or new lines) are read from the last, each without its
    postal code, province or country, then the last words of each part. Offline, with the
    same table and matching as find_municipality."""
    if not text:
        return None
    parts = [p.strip() for p in re.split(r"[,;\n]|\s[-–—|]\s", text) if p.strip()]
    for part in reversed(parts):
        if _STREET.match(normalise_name(part)) or normalise_name(part) in _COUNTRY:
            continue
        without_cap = _CAP.sub(" ", part).strip()
        province = _TRAILING_PROVINCE.match(without_cap)
        candidates = [without_cap]
        if province:
            candidates.insert(0, f"{province['name']} ({province['prov']})")
        if province or without_cap != part:
            # "20159 Milano MI": with a postal code or a province, the last words name the
            # municipality. Without one they may not ("Casa del Popolo San Lorenzo").
            words = (province["name"] if province else without_cap).split()
            candidates += [" ".join(words[-n:]) for n in range(min(len(words) - 1, 4), 0, -1)]
        for candidate in candidates:
            if candidate and not re.search(r"\d", candidate):
                found = find_municipality(candidate)
                if found:
                    return found
    return None


def in_italy(lat: float, lon: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = ITALY_BOUNDS
    return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon
