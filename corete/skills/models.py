from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from corete.core.models import FeedItemRow, UTCDateTime, utcnow
from corete.extensions import db


class Skill(FeedItemRow, db.Model):
    """A skill as a space's feed published it, and the taxonomy entry it maps to.

    ``skill_key`` is the normalised free text (skills.taxonomy.normalise): the key of
    the coordinators' mappings and of the queue of unmapped skills. ``taxon_how`` says
    how the text reached ``taxon`` (exact, synonym, fuzzy, partial, coordinator); a
    coordinator may also decide that a text is no entry (taxon None, how coordinator).
    """

    __tablename__ = "skills_skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    skill: Mapped[str] = mapped_column(String(200))
    skill_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    taxon: Mapped[str | None] = mapped_column(String(60), index=True)
    taxon_how: Mapped[str | None] = mapped_column(String(12))
    category: Mapped[str | None] = mapped_column(String(120))
    holder_name: Mapped[str | None] = mapped_column(String(200))
    holder_url: Mapped[str | None] = mapped_column(String(2000))
    contact: Mapped[str | None] = mapped_column(String(300))
    languages: Mapped[list] = mapped_column(JSON, default=list)
    description_html: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list] = mapped_column(JSON, default=list)


class SkillAlias(db.Model):
    """A coordinator's decision about a free text: the entry it means, or none (taxon
    None: keep it as free text, stop asking). It wins over the automatic mapping."""

    __tablename__ = "skills_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    taxon: Mapped[str | None] = mapped_column(String(60))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("accounts_user.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
