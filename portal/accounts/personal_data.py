"""The account's own rows: the account itself and its login sessions."""

import sqlalchemy as sa

from portal.accounts.models import LoginSession, User
from portal.core.db import db, utcnow
from portal.core.personal_data import columns, latest

UNUSABLE_PASSWORD = "!deleted"  # no argon2 hash: verifying any password against it fails


def export(user: User, limit: int | None = None) -> dict:
    sessions = db.session.scalars(
        latest(sa.select(LoginSession).where(LoginSession.user_id == user.id), LoginSession.created_at, limit)
    )
    return {
        "account": {
            **columns(user, "id", "phone", "display_name", "locale", "created_at"),
            "platform_admin": user.is_platform_admin,
        },
        "login_sessions": [
            {
                **columns(s, "created_at", "expires_at", "user_agent", "remember"),
                "this_device": s.token == user.login_token,
            }
            for s in sessions
        ],
    }


def erase(user: User) -> None:
    """Sessions gone; the row stays for the community's accounts, with no name, no phone (the
    number may register again), no usable password."""
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))
    user.stored_name = ""
    user.phone = None
    user.password_hash = UNUSABLE_PASSWORD
    user.is_platform_admin = False
    user.active_community_id = None
    user.deleted_at = utcnow()
    db.session.flush()
