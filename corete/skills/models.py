from __future__ import annotations


from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from corete.core.models import FeedItemRow
from corete.extensions import db


class Skill(FeedItemRow, db.Model):
    __tablename__ = "skills_skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    skill: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(120))
    holder_name: Mapped[str | None] = mapped_column(String(200))
    holder_url: Mapped[str | None] = mapped_column(String(2000))
    contact: Mapped[str | None] = mapped_column(String(300))
    languages: Mapped[list] = mapped_column(JSON, default=list)
    description_html: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list] = mapped_column(JSON, default=list)
