from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corete.core.models import UTCDateTime, utcnow
from corete.extensions import db


class Visa(db.Model):
    """A coworking visa: a pass a space issues to one of its members for working in the
    network's other spaces that welcome visitors. Its link carries a signed token naming
    the visa and its secret; revoking it makes every copy of the link refused."""

    __tablename__ = "visas_visa"

    id: Mapped[int] = mapped_column(primary_key=True)
    home_space_id: Mapped[int] = mapped_column(ForeignKey("spaces_space.id", ondelete="CASCADE"), index=True)
    person_name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    secret: Mapped[str] = mapped_column(String(32))  # in the token: a visa issued again is a new pass
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("accounts_user.id", ondelete="SET NULL"))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    home_space = relationship("Space")


class Visit(db.Model):
    """A day a visa's holder worked at a host space, recorded by the host's operator."""

    __tablename__ = "visas_visit"
    __table_args__ = (UniqueConstraint("visa_id", "host_space_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visa_id: Mapped[int] = mapped_column(ForeignKey("visas_visa.id", ondelete="CASCADE"), index=True)
    host_space_id: Mapped[int] = mapped_column(ForeignKey("spaces_space.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("accounts_user.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    host_space = relationship("Space")
