"""Communities: buildings and units, memberships with roles, invitations and applications."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import holds
from portal.community.models import Role
from portal.community.services import ROLE_LABELS, active_memberships
from portal.core.nav import register_tile
from portal.core.sections import register_section

bp = Blueprint("community", __name__)

is_admin = holds(Role.ADMIN)

register_tile("community.invites", _l("Invite a neighbour"), "✉️", order=80)
register_tile("community.mine", _l("My communities"), "🏘️", order=90)
register_tile("community.members", _l("Members"), "👥", order=91, visible=is_admin)
register_tile("community.applications", _l("Applications"), "📝", order=92, visible=is_admin)
register_tile("community.buildings", _l("Buildings"), "🏢", order=93, visible=is_admin)


def _my_communities(user) -> dict:
    return {"memberships": active_memberships(user)}


register_section("accounts.me", "community/_my_communities.html", _my_communities, order=10)


@bp.app_context_processor
def role_globals() -> dict:
    return {"Role": Role, "role_labels": ROLE_LABELS}


from portal.community import admin_views, views  # noqa: E402,F401
