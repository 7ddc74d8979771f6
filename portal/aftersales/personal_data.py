"""A person's after-sales cases (as the resident who reported them).

Deleting the account keeps the cases, their events and the ledger (the leader's accounts with the
supplier rely on them; the person's name reads "Former resident" there); it is refused while one
of the person's cases is still open. Cases a leader handled stay the leader's records.
"""

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.aftersales.models import OPEN_RESOLUTIONS, Case
from portal.core.db import db
from portal.core.personal_data import Blocker, columns, latest


def export(user, limit: int | None = None) -> list[dict]:
    cases = db.session.scalars(
        latest(
            sa.select(Case)
            .where(Case.user_id == user.id)
            .options(selectinload(Case.buy), selectinload(Case.order)),
            Case.id,
            limit,
        )
    )
    return [
        {
            "case": c.reference,
            "order": c.order.reference,
            "buy": c.buy.title,
            **columns(
                c, "reason", "quantity", "note", "resolution", "offer_kind", "offer_cents", "offer_points"
            ),
            **columns(
                c,
                "reject_reason",
                "refund_method",
                "created_at",
                "offered_at",
                "resolved_at",
                "refund_paid_at",
            ),
            "photos": len(c.photos or []),
        }
        for c in cases
    ]


def blockers(user) -> list[Blocker]:
    open_cases = db.session.scalars(
        sa.select(Case)
        .where(Case.user_id == user.id, Case.resolution.in_(OPEN_RESOLUTIONS))
        .options(selectinload(Case.buy))
        .order_by(Case.id)
        .limit(20)
    )
    return [
        Blocker(
            _(
                "Your after-sales case %(ref)s (%(buy)s) is still open: accept or settle it first.",
                ref=c.reference,
                buy=c.buy.title,
            ),
            url_for("aftersales.case", case_id=c.id),
        )
        for c in open_cases
    ]


def erase(user) -> list[str]:
    """The cases stay (under "Former resident"); the photos and notes the person wrote go."""
    paths = [
        p
        for photos in db.session.scalars(sa.select(Case.photos).where(Case.user_id == user.id))
        for p in photos or []
    ]
    db.session.execute(
        sa.update(Case)
        .where(Case.user_id == user.id)
        .values(note="", photos=[])
        .execution_options(synchronize_session="fetch")
    )
    return paths
