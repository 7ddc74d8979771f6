"""Moderation pages: report, the queue, actions, the audit log."""

from portal.moderation import bp  # noqa: F401
