"""Traceability (溯源): suppliers, products and batches, each batch's hash-chained journey of
EPCIS events, the public trace page behind the QR code, and the daily root on the kiosk."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.community.access import holds
from portal.community.models import Role
from portal.core.nav import register_tile
from portal.core.sections import register_section
from portal.trace.catalogue import me_section
from portal.trace.models import SupplierKind

bp = Blueprint("trace", __name__)

register_tile(
    "trace.suppliers", _l("Suppliers & batches"), "🏷️", order=14, visible=holds(Role.ADMIN, Role.LEADER)
)

register_section("accounts.me", "trace/_me_section.html", me_section, order=60)


@bp.app_template_filter("supplier_kind")
def supplier_kind(kind: str) -> str:
    """A supplier's kind in words ("Farm", "Co-operative")."""
    return SupplierKind(kind).label if kind in set(SupplierKind) else kind


from portal.trace import cli, public, qr, views  # noqa: E402,F401
