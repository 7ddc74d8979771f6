"""Moderation: what the boards register as moderated content, reports, the queue and its actions.

A domain registers each kind of content it stores (`register_kind`); every such model has
`id, community_id, author_id, status, report_count, created_at`. Status changes are
conditional UPDATEs (each action happens once), and every action is written to the audit log.
"""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.community.access import holds
from portal.community.models import Membership, MembershipStatus, Role
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.paging import Page, page_from, page_number
from portal.moderation.models import REPORTS_TO_HIDE, AuditEntry, ContentStatus, Report, Trust
from portal.notifications.services import notify

REPORT_REASONS = {
    "spam": _l("Advertising or spam"),
    "abuse": _l("Insults or harassment"),
    "privacy": _l("Reveals someone's private details"),
    "fraud": _l("Scam or fraud"),
    "other": _l("Something else"),
}

ACTIONS = {
    "approve": _l("Approved"),
    "hide": _l("Hidden"),
    "restore": _l("Restored"),
    "delete": _l("Deleted"),
    "warn": _l("Warned the author"),
    "auto_hide": _l("Hidden after reports"),
    "report": _l("Reported"),
}

# which statuses each action moves from, and to
TRANSITIONS = {
    "approve": ({ContentStatus.PENDING, ContentStatus.VISIBLE}, ContentStatus.VISIBLE),
    "hide": ({ContentStatus.PENDING, ContentStatus.VISIBLE}, ContentStatus.HIDDEN),
    "restore": ({ContentStatus.HIDDEN}, ContentStatus.VISIBLE),
    "delete": ({ContentStatus.PENDING, ContentStatus.VISIBLE, ContentStatus.HIDDEN}, ContentStatus.DELETED),
}


@dataclass(frozen=True)
class Kind:
    name: str
    model: Any
    label: Any  # lazy text: "Chat post", "Help need"…
    link: Any  # item -> URL of the item's page
    preview: Any  # item -> short plain text
    on_status: Any = None  # (item, new status) -> None, e.g. return a held bounty on delete


KINDS: dict[str, Kind] = {}


def register_kind(name, model, label, link, preview, on_status=None) -> None:
    """Make a kind of content reportable and moderatable."""
    KINDS[name] = Kind(name, model, label, link, preview, on_status)


def kind(name: str) -> Kind:
    if name not in KINDS:
        raise DomainError(_l("Unknown kind of content."))
    return KINDS[name]


# --- who sees what ------------------------------------------------------------------------


# volunteers and admins moderate
is_moderator = holds(Role.VOLUNTEER, Role.ADMIN)


def visible_clause(model, membership):
    """SQL condition: what `membership` may see of `model` (visible items; pending ones to their
    author; pending and hidden ones to moderators; deleted to nobody)."""
    if is_moderator(membership):
        return model.status.in_([ContentStatus.VISIBLE, ContentStatus.PENDING, ContentStatus.HIDDEN])
    if membership is None:
        return model.status == ContentStatus.VISIBLE
    return sa.or_(
        model.status == ContentStatus.VISIBLE,
        sa.and_(model.status == ContentStatus.PENDING, model.author_id == membership.user_id),
    )


def can_view(item, membership) -> bool:
    if item is None or membership is None or item.community_id != membership.community_id:
        return False
    if item.status == ContentStatus.VISIBLE:
        return True
    if item.status == ContentStatus.PENDING:
        return item.author_id == membership.user_id or is_moderator(membership)
    if item.status == ContentStatus.HIDDEN:
        return is_moderator(membership)
    return False


def is_trusted(user_id: int, community_id: int) -> bool:
    return db.session.get(Trust, (user_id, community_id)) is not None


def initial_status(membership) -> str:
    """New content from a member not yet trusted waits for approval (volunteers and admins never)."""
    if not current_app.config.get("FIRST_POSTS_NEED_APPROVAL", True):
        return ContentStatus.VISIBLE
    if is_moderator(membership) or is_trusted(membership.user_id, membership.community_id):
        return ContentStatus.VISIBLE
    return ContentStatus.PENDING


def trust(user_id: int, community_id: int) -> None:
    """Later posts of this member appear without approval."""
    if not is_trusted(user_id, community_id):
        try:
            with db.session.begin_nested():
                db.session.add(Trust(user_id=user_id, community_id=community_id))
                db.session.flush()
        except IntegrityError:
            pass


def moderator_ids(community_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Membership.user_id).where(
                Membership.community_id == community_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.roles.op("&")(int(Role.VOLUNTEER | Role.ADMIN)) != 0,
            )
        )
    )


def notify_moderators_of_pending(item_kind: str, item) -> None:
    """A new member's first post waits: tell the volunteers and admins."""
    for user_id in moderator_ids(item.community_id):
        if user_id != item.author_id:
            notify(user_id, "mod_pending", community_id=item.community_id, link="/moderation?tab=pending")


# --- the audit log ------------------------------------------------------------------------


def log(community_id, actor_id, action, kind_name="", item_id=None, target_user_id=None, note=""):
    entry = AuditEntry(
        community_id=community_id,
        actor_id=actor_id,
        action=action,
        kind=kind_name,
        item_id=item_id,
        target_user_id=target_user_id,
        note=(note or "")[:300],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def audit_log(community_id: int):
    """The community's moderation actions, newest first (a query, for paging)."""
    return (
        sa.select(AuditEntry).where(AuditEntry.community_id == community_id).order_by(AuditEntry.id.desc())
    )


# --- reports ------------------------------------------------------------------------------


def report(membership, kind_name: str, item, reason: str, note: str = "") -> Report:
    """A resident reports an item; the third different resident's report hides it until reviewed."""
    k = kind(kind_name)
    if reason not in REPORT_REASONS:
        raise DomainError(_l("Choose a reason."), "reason")
    if item.author_id == membership.user_id:
        raise DomainError(_l("You cannot report your own post."))
    if item.status != ContentStatus.VISIBLE:
        raise DomainError(_l("This is already being reviewed."))
    try:
        with db.session.begin_nested():
            row = Report(
                community_id=item.community_id,
                kind=kind_name,
                item_id=item.id,
                reporter_id=membership.user_id,
                reason=reason,
                note=(note or "").strip()[:300],
            )
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise DomainError(_l("You have reported this already. Thank you.")) from None
    table = k.model.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == item.id).values(report_count=table.c.report_count + 1)
    )
    hidden = db.session.execute(
        sa.update(table)
        .where(
            table.c.id == item.id,
            table.c.status == ContentStatus.VISIBLE,
            table.c.report_count >= REPORTS_TO_HIDE,
        )
        .values(status=ContentStatus.HIDDEN)
    )
    if hidden.rowcount == 1:
        log(
            item.community_id,
            None,
            "auto_hide",
            kind_name,
            item.id,
            item.author_id,
            note=f"{REPORTS_TO_HIDE}+ reports",
        )
        notify(item.author_id, "mod_hidden", community_id=item.community_id, link="")
        for user_id in moderator_ids(item.community_id):
            notify(user_id, "mod_queue", community_id=item.community_id, link="/moderation?tab=reported")
        if k.on_status:
            k.on_status(item, ContentStatus.HIDDEN)
    db.session.refresh(item)
    return row


def _resolve_reports(kind_name: str, item) -> None:
    db.session.execute(
        sa.update(Report)
        .where(Report.kind == kind_name, Report.item_id == item.id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )
    table = KINDS[kind_name].model.__table__
    db.session.execute(sa.update(table).where(table.c.id == item.id).values(report_count=0))


# --- moderators' actions ------------------------------------------------------------------


def act(moderator, kind_name: str, item, action: str, note: str = "") -> None:
    """approve, hide, restore, delete or warn — each once, each in the audit log."""
    if not is_moderator(moderator):
        raise DomainError(_l("Only volunteers and admins moderate."))
    k = kind(kind_name)
    if item.community_id != moderator.community_id:
        raise DomainError(_l("Not found."))
    if action == "warn":
        log(item.community_id, moderator.user_id, "warn", kind_name, item.id, item.author_id, note)
        notify(item.author_id, "mod_warned", community_id=item.community_id, link="", note=note or "")
        return
    if action not in TRANSITIONS:
        raise DomainError(_l("Unknown action."))
    allowed_from, to = TRANSITIONS[action]
    table = k.model.__table__
    result = db.session.execute(
        sa.update(table)
        .where(table.c.id == item.id, table.c.status.in_([str(s) for s in allowed_from]))
        .values(status=to)
    )
    if result.rowcount != 1:
        raise DomainError(_l("Someone else dealt with this already."))
    was = item.status
    db.session.refresh(item)
    log(item.community_id, moderator.user_id, action, kind_name, item.id, item.author_id, note)
    if action in ("approve", "restore"):
        _resolve_reports(kind_name, item)
    if action == "approve" and was == ContentStatus.PENDING:
        trust(item.author_id, item.community_id)
        notify(item.author_id, "mod_approved", community_id=item.community_id, link=k.link(item))
    elif action == "hide":
        notify(item.author_id, "mod_hidden", community_id=item.community_id, link="")
    elif action == "delete":
        notify(item.author_id, "mod_deleted", community_id=item.community_id, link="")
    if k.on_status:
        k.on_status(item, to)


QUEUE_PAGE = 20


def queue(community_id: int, tab: str, page: int = 1) -> Page:
    """A page of (kind, item) waiting for moderators, oldest first: pending approval, hidden,
    or reported. Each kind is read up to the end of the page, then the kinds are merged."""
    page = page_number(page)
    upto = page * QUEUE_PAGE + 1
    items = []
    for k in KINDS.values():
        model = k.model
        query = sa.select(model).where(model.community_id == community_id)
        if tab == "pending":
            query = query.where(model.status == ContentStatus.PENDING)
        elif tab == "hidden":
            query = query.where(model.status == ContentStatus.HIDDEN)
        else:  # reported: visible with open reports, and hidden ones that reports hid
            query = query.where(
                model.report_count > 0,
                model.status.in_([ContentStatus.VISIBLE, ContentStatus.HIDDEN]),
            )
        for item in db.session.scalars(query.order_by(model.created_at, model.id).limit(upto)):
            items.append((k.name, item))
    items.sort(key=lambda pair: (pair[1].created_at, pair[0], pair[1].id))
    return page_from(items[(page - 1) * QUEUE_PAGE :], page, QUEUE_PAGE)


def open_reports_of(community_id: int, items) -> dict[tuple[str, int], list[Report]]:
    """(kind, item id) → its open reports, for the items of a queue page, in one query."""
    wanted: dict[str, list[int]] = {}
    for kind_name, item in items:
        wanted.setdefault(kind_name, []).append(item.id)
    result: dict[tuple[str, int], list[Report]] = {(k, i): [] for k, ids in wanted.items() for i in ids}
    if not wanted:
        return result
    rows = db.session.scalars(
        sa.select(Report)
        .where(
            Report.community_id == community_id,
            Report.resolved_at.is_(None),
            sa.or_(*(sa.and_(Report.kind == k, Report.item_id.in_(ids)) for k, ids in wanted.items())),
        )
        .order_by(Report.id)
    )
    for report in rows:
        result[report.kind, report.item_id].append(report)
    return result


def queue_counts(community_id: int) -> dict[str, int]:
    counts = {"pending": 0, "reported": 0, "hidden": 0}
    for k in KINDS.values():
        model = k.model
        base = sa.select(sa.func.count()).select_from(model).where(model.community_id == community_id)
        counts["pending"] += db.session.scalar(base.where(model.status == ContentStatus.PENDING))
        counts["hidden"] += db.session.scalar(base.where(model.status == ContentStatus.HIDDEN))
        counts["reported"] += db.session.scalar(
            base.where(
                model.report_count > 0,
                model.status.in_([ContentStatus.VISIBLE, ContentStatus.HIDDEN]),
            )
        )
    return counts


def warnings_count(community_id: int, user_ids) -> dict[int, int]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(AuditEntry.target_user_id, sa.func.count())
        .where(
            AuditEntry.community_id == community_id,
            AuditEntry.action == "warn",
            AuditEntry.target_user_id.in_(ids),
        )
        .group_by(AuditEntry.target_user_id)
    ).all()
    return dict(rows)
