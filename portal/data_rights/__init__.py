"""A resident's data rights: download everything the portal holds about me; delete my account.

The top domain: it asks every domain below it, in their order, through each one's
`personal_data` module (export, erase, blockers); each domain decides what its rows are.
"""

from flask import Blueprint

from portal.core.sections import register_section

bp = Blueprint("data_rights", __name__)


def _me_section(user):
    """The links on my account page (kiosk screens have no personal data page)."""
    return None if user.is_device else {}


register_section("accounts.me", "data_rights/_me_section.html", _me_section, order=90)

from portal.data_rights import views  # noqa: E402,F401
