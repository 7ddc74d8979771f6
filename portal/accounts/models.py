"""People and their login sessions."""

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(sa.String(20), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(40))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    is_device: Mapped[bool] = mapped_column(default=False)  # kiosk screens log in as devices
    active_community_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships = relationship("Membership", back_populates="user", foreign_keys="Membership.user_id")

    # set by the user loader: which login session this request belongs to
    login_token: ClassVar[str | None] = None

    def get_id(self) -> str:
        """Flask-Login stores the login session's token, not the user id: logout revokes it."""
        return self.login_token or ""


class LoginSession(db.Model):
    """A server-side login: the cookie carries its token; logging out deletes the row."""

    __tablename__ = "login_sessions"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    user: Mapped[User] = relationship()
