"""Words every room uses the same way: the kinds of space and the fields of a space's
profile. (Item types are in corete.core.itemtypes, registered by their rooms.)"""
from __future__ import annotations

from dataclasses import fields

from corete.core.handover import SpaceProfile
from corete.core.sanitize import normalise_name

SPACE_KINDS = ("coworking", "fablab", "coliving", "incubator", "other")
# What a feed's `_corete.space` says, the hosted editor's profile form writes and the
# registry stores, in this order.
PROFILE_FIELDS = tuple(f.name for f in fields(SpaceProfile))

# Italy's regions, as ISTAT names them (the map's municipalities carry the same names):
# where a call may be used. A feed may write any of the names, the short or the other
# language's ("Valle d'Aosta", "Südtirol", "Emilia Romagna"); region_key finds the region.
REGIONS = ("Abruzzo", "Basilicata", "Calabria", "Campania", "Emilia-Romagna", "Friuli-Venezia Giulia", "Lazio",
           "Liguria", "Lombardia", "Marche", "Molise", "Piemonte", "Puglia", "Sardegna", "Sicilia", "Toscana",
           "Trentino-Alto Adige/Südtirol", "Umbria", "Valle d'Aosta/Vallée d'Aoste", "Veneto")


def _region_names() -> dict[str, str]:
    names = {}
    for region in REGIONS:
        for name in (region, *region.split("/")):
            names[normalise_name(name)] = region
    names.update({normalise_name(k): v for k, v in (
        ("Trentino", "Trentino-Alto Adige/Südtirol"), ("Alto Adige", "Trentino-Alto Adige/Südtirol"),
        ("Friuli", "Friuli-Venezia Giulia"), ("Valle d Aosta", "Valle d'Aosta/Vallée d'Aoste"),
        ("Apulia", "Puglia"), ("Sardinia", "Sardegna"), ("Sicily", "Sicilia"), ("Tuscany", "Toscana"),
        ("Lombardy", "Lombardia"), ("Piedmont", "Piemonte"), ("Aosta Valley", "Valle d'Aosta/Vallée d'Aoste"))})
    return names


_REGION_NAMES: dict[str, str] = {}


def region_of(name: str | None) -> str | None:
    """The region a name means (ISTAT's name), or None."""
    if not _REGION_NAMES:
        _REGION_NAMES.update(_region_names())
    return _REGION_NAMES.get(normalise_name(name or "")) if name else None
