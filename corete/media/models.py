from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from corete.core.models import UTCDateTime, utcnow
from corete.extensions import db


class Picture(db.Model):
    """A picture as the hub serves it: two JPEG copies made by media.images, in the
    database so every web worker on every machine serves the same bytes."""

    __tablename__ = "media_picture"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of ``large``
    large: Mapped[bytes] = mapped_column(LargeBinary)
    small: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PictureSource(db.Model):
    """A picture address a feed named, and what fetching it gave: the picture, or the
    reason it was refused and when to try again."""

    __tablename__ = "media_source"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)  # media.services.url_key
    url: Mapped[str] = mapped_column(String(2000))
    picture_id: Mapped[str | None] = mapped_column(ForeignKey("media_picture.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(String(300))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    tried_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    retry_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
