"""Signals the domains announce and listen to, so no domain imports another's internals."""

from blinker import Namespace

portal_signals = Namespace()

notification_created = portal_signals.signal("notification-created")
member_joined = portal_signals.signal("member-joined")
