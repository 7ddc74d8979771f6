"""Everything the portal holds about a person, and deleting their account, across domains.

One list of sections, in the domains' order (lowest first): each is a domain's `personal_data`
module, which knows its own rows. Export asks them all; deletion asks those that can refuse
(`blockers`), then erases from the top domain down, in the caller's one transaction.
"""

from dataclasses import dataclass
from types import ModuleType

from flask_babel import lazy_gettext as _l

from portal.accounts import personal_data as accounts_data
from portal.accounts.services import password_matches
from portal.aftersales import personal_data as aftersales_data
from portal.boards import personal_data as boards_data
from portal.community import personal_data as community_data
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.personal_data import Blocker, plain
from portal.demand import personal_data as demand_data
from portal.events import personal_data as events_data
from portal.groupbuy import personal_data as groupbuy_data
from portal.moderation import personal_data as moderation_data
from portal.neighbors import personal_data as neighbors_data
from portal.notifications import personal_data as notifications_data
from portal.pickup import personal_data as pickup_data
from portal.points import personal_data as points_data
from portal.reviews import personal_data as reviews_data
from portal.surveys import personal_data as surveys_data
from portal.trace import personal_data as trace_data

PAGE_ROWS = 50  # the readable page shows the latest 50 of each list; the JSON has everything


@dataclass(frozen=True)
class DataSection:
    key: str
    title: object
    module: ModuleType


SECTIONS = (
    DataSection("account", _l("Account and sessions"), accounts_data),
    DataSection("notifications", _l("Notifications"), notifications_data),
    DataSection("communities", _l("Communities and invitations"), community_data),
    DataSection("neighbours", _l("Profile and contact requests"), neighbors_data),
    DataSection("points", _l("Points"), points_data),
    DataSection("moderation", _l("Reports and moderation"), moderation_data),
    DataSection("boards", _l("Posts, skills and help"), boards_data),
    DataSection("events", _l("Event signups"), events_data),
    DataSection("pickup", _l("Pickup points I host"), pickup_data),
    DataSection("trace", _l("Traceability records"), trace_data),
    DataSection("groupbuy", _l("Group buys and orders"), groupbuy_data),
    DataSection("reviews", _l("Reviews"), reviews_data),
    DataSection("demand", _l("Wishes and +1s"), demand_data),
    DataSection("surveys", _l("Surveys"), surveys_data),
    DataSection("aftersales", _l("After-sales cases"), aftersales_data),
)


def export_data(user, limit: int | None = None) -> list[tuple[DataSection, object]]:
    """Each section with what its domain holds about `user` (each list cut to `limit` rows)."""
    return [(section, section.module.export(user, limit=limit)) for section in SECTIONS]


def export_document(user) -> dict:
    """The whole download: every section in full."""
    return {
        "exported_at": plain(utcnow()),
        "user_id": user.id,
        "sections": {section.key: data for section, data in export_data(user)},
    }


def deletion_blockers(user) -> list[Blocker]:
    """Why the account cannot be deleted yet (open orders, buys led, held points, last admin)."""
    found = []
    for section in SECTIONS:
        found.extend(getattr(section.module, "blockers", lambda user: [])(user))
    return found


def delete_account(user, password: str) -> list[str]:
    """Delete the account after checking its password and that nothing blocks it: every domain
    erases its part, the top one first. Returns the upload files to remove after the commit."""
    if user.is_device or user.deleted_at is not None:
        raise DomainError(_l("This account cannot be deleted here."))
    if not password_matches(user, password):
        raise DomainError(_l("This is not your password."), "password")
    if deletion_blockers(user):
        raise DomainError(_l("Your account cannot be deleted yet."))
    files = []
    for section in reversed(SECTIONS):
        files.extend(section.module.erase(user) or [])
    return files
