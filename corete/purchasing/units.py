"""Units of the needs and the products (R-NORM), the only module that uses pint.

Mass and volume convert by factor within their dimension (g and kg, ml and l). Any other
unit is a named unit counted as is ("bottle", "ream"), which converts only to itself,
to the product's pack unit (by the pack's size), or through a few spellings that mean
the same thing ("pz", "pezzi", "pieces": piece). Nothing else is guessed: a need in
litres for a product sold by the kilogram is refused.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pint

# pint knows "pcs" as parsecs and "ream" not at all: only these dimensions go to it.
_PHYSICAL = ("[mass]", "[length] ** 3")

# Spellings of the same counted unit (Italian and English, singular and plural).
_SYNONYMS = {
    "piece": ("pieces", "pc", "pcs", "pz", "pezzo", "pezzi", "unit", "units", "unità"),
    "bottle": ("bottles", "bottiglia", "bottiglie"),
    "ream": ("reams", "risma", "risme"),
    "box": ("boxes", "scatola", "scatole"),
    "carton": ("cartons", "cartone", "cartoni"),
    "pack": ("packs", "confezione", "confezioni"),
    "roll": ("rolls", "rotolo", "rotoli"),
    "can": ("cans", "lattina", "lattine"),
    "bag": ("bags", "sacco", "sacchi", "busta", "buste"),
}
_CANONICAL = {alias: name for name, aliases in _SYNONYMS.items() for alias in (name, *aliases)}


class UnitMismatch(ValueError):
    """A quantity in a unit that does not convert to the product's."""


@lru_cache(maxsize=1)
def _registry() -> pint.UnitRegistry:
    import pint  # a tenth of a second to import: only when a unit is first converted

    return pint.UnitRegistry()  # about half a second: made once, when first needed


@lru_cache(maxsize=1024)
def _physical(unit: str) -> tuple[str, pint.Unit] | None:
    """(dimension, pint's unit) for a mass or a volume, else None."""
    registry = _registry()
    for spelling in dict.fromkeys((unit, unit.lower())):
        try:
            parsed = registry.Unit(spelling)
        except Exception:  # noqa: BLE001 - pint refuses junk in many ways ("]" is a tokenize.TokenError)
            continue
        dimension = str(parsed.dimensionality)
        if dimension in _PHYSICAL:
            return dimension, parsed
    return None


def _ratio(source: pint.Unit, target: pint.Unit) -> Decimal:
    """One ``source`` in ``target``, to 12 significant digits (pint computes in floats:
    a litre is 0.0010000000000000002 cubic metres to it)."""
    magnitude = _registry().Quantity(1, source).to(target).magnitude
    return Decimal(format(magnitude, ".12g"))


def counted(unit: str) -> str:
    """The canonical name of a counted unit ("Pezzi" -> "piece")."""
    key = unit.strip().casefold()
    return _CANONICAL.get(key, key)


@lru_cache(maxsize=4096)
def factor(unit: str, group_unit: str, pack_unit: str | None = None, pack_size: Decimal | None = None) -> Decimal:
    """How many group units one ``unit`` is. Raises UnitMismatch when it is none."""
    unit, group_unit = unit.strip(), group_unit.strip()
    if pack_unit and pack_size and counted(unit) == counted(pack_unit) and counted(unit) != counted(group_unit):
        return Decimal(pack_size)
    source, target = _physical(unit), _physical(group_unit)
    if source and target:
        if source[0] != target[0]:
            raise UnitMismatch(f"{unit} is not convertible to {group_unit}")
        return _ratio(source[1], target[1])
    if source is None and target is None and counted(unit) == counted(group_unit):
        return Decimal(1)
    raise UnitMismatch(f"{unit} is not convertible to {group_unit}")


def is_physical(unit: str) -> bool:
    """Whether a unit is a mass or a volume (goods sold loose are measured in one)."""
    return _physical(unit.strip()) is not None


def kilograms(unit: str) -> Decimal | None:
    """How many kilograms one ``unit`` is, for a mass; None otherwise."""
    found = _physical(unit.strip())
    return _ratio(found[1], _registry().kilogram) if found and found[0] == "[mass]" else None
