from flask import Blueprint

bp = Blueprint("community", __name__)


@bp.app_context_processor
def role_globals() -> dict:
    from portal.community.models import Role
    from portal.community.services import ROLE_LABELS

    return {"Role": Role, "role_labels": ROLE_LABELS}


from portal.community import admin_views, views  # noqa: E402,F401
