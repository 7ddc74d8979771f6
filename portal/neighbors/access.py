"""Who may use the neighbourly pages: people of the community — not the pickup-point screens.

A kiosk is a device logged in at a public place; it has no business browsing neighbours,
boards or points, so those pages answer it 403 (other members as `community_required`).
"""

from portal.community.models import Role
from portal.core.access import role_required

people_required = role_required(Role.RESIDENT, Role.LEADER, Role.VOLUNTEER, Role.ADMIN)


def is_person(membership) -> bool:
    """For navigation: a member who is a person (not a kiosk screen)."""
    return membership is not None and any(
        membership.has(role) for role in (Role.RESIDENT, Role.LEADER, Role.VOLUNTEER, Role.ADMIN)
    )
