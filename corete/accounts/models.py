from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corete.core.models import UTCDateTime, utcnow
from corete.extensions import db

# "coordinator" runs the alliance and may do everything; "operator" edits only the
# spaces it is bound to (user_spaces).
ROLES = ("coordinator", "operator")

user_spaces = Table(
    "accounts_user_space", db.metadata,
    Column("user_id", Integer, ForeignKey("accounts_user.id", ondelete="CASCADE"), primary_key=True),
    Column("space_id", Integer, ForeignKey("spaces_space.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "accounts_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Part of what a session cookie holds (get_id): counting it up ends every session of
    # this user, in every worker and machine, cookies copied elsewhere included.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # The language the person last used the hub in: what the hub's e-mails to them are in.
    lang: Mapped[str | None] = mapped_column(String(5))

    spaces = relationship("Space", secondary=user_spaces, lazy="selectin", order_by="Space.name")

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_epoch}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def may_edit(self, space) -> bool:
        """Coordinators edit every space; an operator only the spaces it is bound to."""
        if self.role == "coordinator":
            return True
        return self.role == "operator" and any(s.id == space.id for s in self.spaces)


class Invitation(db.Model):
    """A link a coordinator gives to a future operator: valid until ``expires_at``, once.
    Only the token's SHA-256 is kept, so the database cannot be used to sign up."""

    __tablename__ = "accounts_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20), default="operator")
    space_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("accounts_user.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
