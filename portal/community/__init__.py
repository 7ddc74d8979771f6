from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.core.nav import register_tile

bp = Blueprint("community", __name__)


def _is_admin(membership) -> bool:
    from portal.community.models import Role

    return membership is not None and membership.has(Role.ADMIN)


register_tile("community.invites", _l("Invite a neighbour"), "✉️", order=80)
register_tile("community.mine", _l("My communities"), "🏘️", order=90)
register_tile("community.members", _l("Members"), "👥", order=91, visible=_is_admin)
register_tile("community.applications", _l("Applications"), "📝", order=92, visible=_is_admin)
register_tile("community.buildings", _l("Buildings"), "🏢", order=93, visible=_is_admin)


@bp.app_context_processor
def role_globals() -> dict:
    from portal.community.models import Role
    from portal.community.services import ROLE_LABELS

    return {"Role": Role, "role_labels": ROLE_LABELS}


from portal.community import admin_views, views  # noqa: E402,F401
