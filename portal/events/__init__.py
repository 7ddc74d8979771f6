"""Events (活动): signups with capacity and waitlist, QR tickets and check-in, calendars, reminders."""

from flask import Blueprint

bp = Blueprint("events", __name__)
