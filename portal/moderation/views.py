"""Moderation pages: reporting, the volunteers' queue with its actions, and the audit log."""

from flask import abort, current_app, request

from portal.community.access import current_membership, people_required, role_required
from portal.community.models import Role
from portal.core.db import db
from portal.core.forms import commit_or_422
from portal.core.htmx import render
from portal.core.paging import page_of, requested_page
from portal.extensions import limiter, per_person
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
    open_reports_of,
    queue,
    queue_counts,
    report,
    warnings_count,
)

TABS = ("reported", "pending", "hidden")
LOG_PAGE = 20


@bp.app_context_processor
def report_globals() -> dict:
    return {"report_reasons": REPORT_REASONS}


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
@limiter.limit(report_limit, key_func=per_person)
def report_item(kind_name: str, item_id: int):
    """Report a post with a reason; the third different resident hides it until reviewed."""
    me = current_membership()
    item = _item(kind_name, item_id)
    if not can_view(item, me):
        abort(404)
    context = {"kind": kind_name, "item": item}
    reason, note = request.form.get("reason", ""), request.form.get("note", "")

    def refused(error):
        return render("moderation/report_result.html", "result", report_error=error.message, **context)

    commit_or_422(lambda: report(me, kind_name, item, reason, note), refused)
    return render("moderation/report_result.html", "result", reported=True, **context)


def _queue_page(tab: str, status: int = 200, problem: str | None = None, done: str | None = None):
    from portal.neighbors.privacy import people_for_users

    me = current_membership()
    items = queue(me.community_id, tab, requested_page())
    authors = [item.author_id for _k, item in items]
    reports = open_reports_of(me.community_id, items)
    return render(
        "moderation/queue.html",
        "queue",
        status=status,
        tab=tab,
        tabs=TABS,
        items=[(k, item, KINDS[k], reports[k, item.id]) for k, item in items],
        page=items,
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
    note = request.form.get("note", "").strip()[:300]
    commit_or_422(
        lambda: act(current_membership(), kind_name, item, action, note),
        lambda error: _queue_page(tab, 422, problem=error.message),
    )
    return _queue_page(tab, done=str(ACTIONS[action]))


@bp.get("/moderation/log", endpoint="log")
@role_required(Role.VOLUNTEER, Role.ADMIN)
def log_view():
    """Every moderation action, newest first (people named as their privacy allows)."""
    from portal.neighbors.privacy import people_for_users

    me = current_membership()
    page = page_of(audit_log(me.community_id), requested_page(), LOG_PAGE)
    user_ids = {r.actor_id for r in page} | {r.target_user_id for r in page}
    names = {
        user_id: person.label for user_id, person in people_for_users(me, me.community_id, user_ids).items()
    }
    return render(
        "moderation/log.html",
        rows=page.items,
        more=page.more,
        page=page.number,
        names=names,
        actions=ACTIONS,
        kinds=KINDS,
    )
