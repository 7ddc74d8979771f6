"""People and their login sessions."""

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow

# The one name a deleted account is shown by, on every page, list, CSV and kiosk.
FORMER_RESIDENT = _l("Former resident")


def shown_name(stored_name: str | None, deleted_at: datetime | None) -> str:
    """The name to show for an account: its own, or "Former resident" once it was deleted
    (for queries that select the columns rather than the User)."""
    return str(FORMER_RESIDENT) if deleted_at is not None else (stored_name or "")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the account is deleted, so the number can register again
    phone: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    # read through `display_name`: the stored name is emptied when the account is deleted
    stored_name: Mapped[str] = mapped_column("display_name", sa.String(40))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    is_device: Mapped[bool] = mapped_column(default=False)  # kiosk screens log in as devices
    active_community_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships = relationship("Membership", back_populates="user", foreign_keys="Membership.user_id")

    # set by the user loader: which login session this request belongs to
    login_token: ClassVar[str | None] = None

    @hybrid_property
    def display_name(self) -> str:
        """The name everyone is shown; "Former resident" (in the reader's language) once the
        account is deleted. In SQL (`User.display_name`) it is the stored column."""
        return shown_name(self.stored_name, self.deleted_at)

    @display_name.inplace.setter
    def _display_name_setter(self, value: str) -> None:
        self.stored_name = value

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls):
        return cls.stored_name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

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
