from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corete.core.models import UTCDateTime, utcnow
from corete.extensions import db

# What a citizen can point at (the form's choices, in this order).
PROPOSAL_CATEGORIES = ("building", "space", "service", "other")
# pending: waits for a coordinator; approved: on the map; rejected (with a reason) and
# duplicate (of another point) never show.
PROPOSAL_STATES = ("pending", "approved", "rejected", "duplicate")
REPORT_REASONS = ("missing", "wrong", "duplicate")
REPORT_TARGETS = ("space", "proposal")
# The fields a revision keeps: everything a moderator can change.
REVISED_FIELDS = ("category", "title", "description", "photo_url", "email", "address", "city",
                  "lat", "lon", "approximate", "status", "reason", "duplicate_of_id")


class Proposal(db.Model):
    """A point a citizen proposes: an unused building, a space that should exist, a
    missing service. ``email`` is for follow-up only and never shown publicly."""

    __tablename__ = "map_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    photo_url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # True when the position is the municipality's centroid, not a pin.
    approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was rejected
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("map_proposal.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    revisions = relationship("ProposalRevision", back_populates="proposal", cascade="all, delete-orphan",
                             order_by="ProposalRevision.number")

    def snapshot(self) -> dict:
        return {name: getattr(self, name) for name in REVISED_FIELDS}


class ProposalRevision(db.Model):
    """Every change to a proposal, whole: who, when, what it did, and the proposal after it."""

    __tablename__ = "map_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("map_proposal.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # submitted, edited, approved, rejected, duplicate, restored
    author: Mapped[str] = mapped_column(String(254))  # a coordinator's e-mail, or "citizen"
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal = relationship("Proposal", back_populates="revisions")


class Report(db.Model):
    """A citizen says a published point is wrong: it does not exist, its information is
    wrong, or it duplicates another. Coordinators close reports from the queue."""

    __tablename__ = "map_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(10))  # space or proposal
    target_ref: Mapped[str] = mapped_column(String(80))  # the space's slug or the proposal's id
    reason: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str | None] = mapped_column(Text)
    open: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(254))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class GeocodedPlace(db.Model):
    """What the configured geocoder answered for an address (map/geocode.py), kept so each
    address is asked once: a position, or none (not found)."""

    __tablename__ = "map_geocoded"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)  # geocode.query_key
    query: Mapped[str] = mapped_column(String(700))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    looked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
