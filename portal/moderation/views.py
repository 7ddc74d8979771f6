"""Moderation pages: reporting, the volunteers' queue with its actions, and the audit log."""

from flask import abort, current_app, request
from flask_login import current_user

from portal.community.models import Role
from portal.core.access import current_membership, role_required
from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.htmx import render
from portal.extensions import limiter
from portal.moderation import bp
from portal.moderation.models import ContentStatus
from portal.moderation.services import (
    ACTIONS,
    KINDS,
    REPORT_REASONS,
    act,
    audit_log,
    can_view,
    kind,
    open_reports,
    queue,
    queue_counts,
    report,
    warnings_count,
)
from portal.neighbors.access import people_required

TABS = ("reported", "pending", "hidden")


@bp.app_context_processor
def report_globals() -> dict:
    return {"report_reasons": REPORT_REASONS}


def user_rate_key() -> str:
    return f"user:{current_user.get_id() or request.remote_addr}"


def report_limit() -> str:
    return current_app.config.get("REPORT_RATE_LIMIT", "20 per hour")


def _item(kind_name: str, item_id: int):
    """The item of that kind in my community (else 404)."""
    if kind_name not in KINDS:
        abort(404)
    item = db.session.get(kind(kind_name).model, item_id)
    me = current_membership()
    if item is None or item.community_id != me.community_id or item.status == ContentStatus.DELETED:
        abort(404)
    return item


@bp.post("/moderation/report/<kind_name>/<int:item_id>", endpoint="report")
@people_required
@limiter.limit(report_limit, key_func=user_rate_key)
def report_item(kind_name: str, item_id: int):
    """Report a post with a reason; the third different resident hides it until reviewed."""
    me = current_membership()
    item = _item(kind_name, item_id)
    if not can_view(item, me):
        abort(404)
    context = {"kind": kind_name, "item": item}
    try:
        report(me, kind_name, item, request.form.get("reason", ""), request.form.get("note", ""))
    except DomainError as error:
        db.session.rollback()
        return render(
            "moderation/report_result.html", "result", status=422, report_error=error.message, **context
        )
    db.session.commit()
    return render("moderation/report_result.html", "result", reported=True, **context)


def _queue_page(tab: str, status: int = 200, problem: str | None = None, done: str | None = None):
    from portal.neighbors.services import people_for_users

    me = current_membership()
    items = queue(me.community_id, tab)
    authors = [item.author_id for _k, item in items]
    return render(
        "moderation/queue.html",
        "queue",
        status=status,
        tab=tab,
        tabs=TABS,
        items=[(k, item, KINDS[k], open_reports(me.community_id, k, item.id)) for k, item in items],
        counts=queue_counts(me.community_id),
        people=people_for_users(me, me.community_id, authors),
        warnings=warnings_count(me.community_id, authors),
        problem=problem,
        done=done,
    )


@bp.get("/moderation", endpoint="queue")
@role_required(Role.VOLUNTEER, Role.ADMIN)
def queue_view():
    """The volunteers' queue: reported, waiting for approval, hidden."""
    tab = request.args.get("tab", "reported")
    return _queue_page(tab if tab in TABS else "reported")


@bp.post("/moderation/<kind_name>/<int:item_id>/<any(approve, hide, restore, delete, warn):action>")
@role_required(Role.VOLUNTEER, Role.ADMIN)
def action(kind_name: str, item_id: int, action: str):
    """Approve, hide, restore, delete, or warn the author — each written to the audit log."""
    item = _item(kind_name, item_id)
    tab = request.form.get("tab", "reported")
    tab = tab if tab in TABS else "reported"
    try:
        act(current_membership(), kind_name, item, action, request.form.get("note", "").strip()[:300])
    except DomainError as error:
        db.session.rollback()
        return _queue_page(tab, 422, problem=error.message)
    db.session.commit()
    return _queue_page(tab, done=str(ACTIONS[action]))


@bp.get("/moderation/log", endpoint="log")
@role_required(Role.VOLUNTEER, Role.ADMIN)
def log_view():
    """Every moderation action, newest first (people named as their privacy allows)."""
    from portal.neighbors.services import people_for_users

    me = current_membership()
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    rows = audit_log(me.community_id, page)
    user_ids = {r.actor_id for r in rows} | {r.target_user_id for r in rows}
    names = {
        user_id: person.label for user_id, person in people_for_users(me, me.community_id, user_ids).items()
    }
    return render(
        "moderation/log.html",
        rows=rows[:50],
        more=len(rows) > 50,
        page=page,
        names=names,
        actions=ACTIONS,
        kinds=KINDS,
    )
