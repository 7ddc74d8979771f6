"""What moderation learns from other domains: an ambassador's welcomes appear without waiting."""

from portal.core.signals import ambassador_appointed
from portal.moderation.services import trust


def on_ambassador_appointed(membership, **_extra) -> None:
    trust(membership.user_id, membership.community_id)


def connect() -> None:
    ambassador_appointed.connect(on_ambassador_appointed, weak=False)
