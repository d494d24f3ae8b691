"""Words every room uses the same way: the kinds of space and the fields of a space's
profile. (Item types are in corete.core.itemtypes, registered by their rooms.)"""
from __future__ import annotations

from dataclasses import fields

from corete.core.handover import SpaceProfile

SPACE_KINDS = ("coworking", "fablab", "coliving", "incubator", "other")
# What a feed's `_corete.space` says, the hosted editor's profile form writes and the
# registry stores, in this order.
PROFILE_FIELDS = tuple(f.name for f in fields(SpaceProfile))
