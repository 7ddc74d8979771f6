"""Accounts: password hashing, server-side login sessions, account creation."""

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.accounts.models import LoginSession, User
from portal.core.db import db, utcnow
from portal.core.errors import DomainError


def _hasher() -> PasswordHasher:
    return PasswordHasher(type=Type.ID, **current_app.config["PASSWORD_HASH"])


def hash_password(password: str) -> str:
    """argon2id hash of a password."""
    return _hasher().hash(password)


def authenticate(phone: str, password: str) -> User | None:
    """The user with this phone and password, or None (same work done for unknown phones)."""
    user = db.session.scalar(sa.select(User).where(User.phone == phone))
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def password_matches(user: User, password: str) -> bool:
    """Is this the user's password? (A deleted account's password matches nothing.)"""
    try:
        return _hasher().verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("dummy_password_hash", {})
    if "hash" not in cache:
        cache["hash"] = hash_password(secrets.token_urlsafe(16))
    return cache["hash"]


def create_user(phone: str, display_name: str, password: str) -> User:
    """A new account; the phone number must not be registered yet."""
    if db.session.scalar(sa.select(User.id).where(User.phone == phone)):
        raise DomainError(_l("This phone number is already registered. Log in instead."), "phone")
    user = User(phone=phone, display_name=display_name.strip(), password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


def account_with_phone(phone: str, field: str = "phone") -> User:
    """The account registered with this mobile number (a DomainError on `field` if none)."""
    user = db.session.scalar(sa.select(User).where(User.phone == phone))
    if user is None:
        raise DomainError(_l("No account has this mobile number."), field)
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password and end every login session of the user."""
    user.password_hash = hash_password(password)
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))


def start_login_session(user: User, remember: bool, user_agent: str = "") -> str:
    """Open a server-side login session and return its token."""
    config = current_app.config
    if user.is_device:
        lifetime = timedelta(days=config["KIOSK_SESSION_DAYS"])
    elif remember:
        lifetime = config["REMEMBER_COOKIE_DURATION"]
    else:
        lifetime = timedelta(hours=config["LOGIN_SESSION_HOURS"])
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            token=token,
            user_id=user.id,
            remember=remember,
            expires_at=utcnow() + lifetime,
            user_agent=user_agent[:200],
        )
    )
    db.session.flush()
    user.login_token = token
    return token


def end_login_session(token: str) -> None:
    """Delete the login session: its cookie, replayed, no longer logs anyone in."""
    db.session.execute(sa.delete(LoginSession).where(LoginSession.token == token))


def user_for_login_token(token: str, now: datetime | None = None) -> User | None:
    """The user of a live login session, or None for unknown or expired tokens."""
    row = db.session.execute(
        sa.select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token == token, LoginSession.expires_at > (now or utcnow()))
    ).scalar_one_or_none()
    if row is not None:
        row.login_token = token
    return row
