"""Dashboard pages: the community's (its admins, or the platform admin looking at one
community), the platform's across communities, a CSV per chart, the NPS comments; /dashboard
sends each viewer to theirs."""

from datetime import date
from functools import wraps

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from portal.accounts.models import FORMER_RESIDENT
from portal.community.access import current_membership
from portal.community.models import Community, Role
from portal.core.access import login_required, platform_admin_required
from portal.core.db import db
from portal.core.export import csv_download
from portal.core.htmx import render
from portal.core.inputs import database_int
from portal.core.localtime import today
from portal.core.paging import requested_page
from portal.core.people import Duty, staff_views
from portal.dashboard import bp, display
from portal.dashboard import reading as rd
from portal.dashboard.metrics import METRICS
from portal.dashboard.rollups import periods, read
from portal.surveys import reading as surveys

COMMENTS_ON_DASHBOARD = 5
COMMENTS_PAGE = 20


def _platform_admin() -> bool:
    return current_user.is_authenticated and current_user.is_platform_admin


def _admin_membership():
    membership = current_membership()
    return membership if membership is not None and membership.has(Role.ADMIN) else None


def community_dashboard_access(view):
    """The community's admins see their own community; the platform admin any community, named
    by ?community=<id> (unknown: 404), else the one they administer, else the platform page.
    Members who are not admins: 403; no community: to their communities."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        asked = request.args.get("community")
        if _platform_admin() and asked is not None:
            try:
                community = db.session.get(Community, database_int(asked))
            except ValueError:
                community = None
            if community is None:
                abort(404)
            g.dashboard_community = community
        elif (membership := _admin_membership()) is not None:
            g.dashboard_community = membership.community
        elif _platform_admin():
            return redirect(url_for("dashboard.platform_dashboard"))
        elif current_membership() is None:
            return redirect(url_for("community.mine"))
        else:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _period() -> str:
    """?period=week|month (month when absent); anything else is a bad address: 404."""
    period = request.args.get("period", display.DEFAULT_PERIOD)
    if period not in display.PERIODS:
        abort(404)
    return period


def _figures(community_id: int | None, period: str) -> tuple[list[date], dict]:
    starts = periods(period, display.CHART_PERIODS, today())
    return starts, read(community_id, period, starts)


def _dashboard_context(community_id: int | None, period: str) -> dict:
    starts, by_start = _figures(community_id, period)
    return {
        "period": period,
        "periods": display.PERIODS,
        "current_label": display.period_label(period, starts[-1]),
        "previous_label": display.period_label(period, starts[-2]),
        "cards": display.headline(by_start, starts),
        "charts": [display.chart(m, period, starts, by_start) for m in METRICS.values()],
    }


def _named_comments(community: Community, number: int, per_page: int):
    """A page of NPS comments, each respondent as the staff policy lets this admin see them;
    the platform admin, who is not the community's staff, sees no names."""
    page = surveys.comments(community.id, number, per_page)
    names = {None: str(FORMER_RESIDENT)}  # user_id None: the respondent deleted their account
    if _names_shown(community):
        views = staff_views(Duty.ADMIN, _admin_membership(), [r.user_id for r in page])
        names.update({user_id: view.name for user_id, view in views.items()})
    return page, names


def _names_shown(community: Community) -> bool:
    membership = _admin_membership()
    return membership is not None and membership.community_id == community.id


def _community_args(community: Community) -> dict:
    """The ?community= the platform admin's links carry (an admin's own community needs none)."""
    return {} if _names_shown(community) else {"community": community.id}


@bp.get("/dashboard")
@login_required
def index():
    """To the right dashboard: the platform admin's, or the community admin's; others 403."""
    if current_user.is_platform_admin:
        return redirect(url_for("dashboard.platform_dashboard"))
    if _admin_membership() is not None:
        return redirect(url_for("dashboard.admin_dashboard"))
    if current_membership() is None:
        return redirect(url_for("community.mine"))
    abort(403)


@bp.get("/admin/dashboard")
@community_dashboard_access
def admin_dashboard():
    """The community's figures: this period so far against the last, charts, NPS comments."""
    community = g.dashboard_community
    comments, names = _named_comments(community, 1, COMMENTS_ON_DASHBOARD)
    return render(
        "dashboard/dashboard.html",
        "figures",
        community=community,
        comments=comments,
        names=names,
        named=_names_shown(community),
        args=_community_args(community),
        csv_endpoint="dashboard.admin_csv",
        self_endpoint="dashboard.admin_dashboard",
        **_dashboard_context(community.id, _period()),
    )


@bp.get("/admin/dashboard/<key>.csv")
@community_dashboard_access
def admin_csv(key: str):
    """One chart's numbers as a spreadsheet (local dates)."""
    return _csv(g.dashboard_community.id, key, f"dashboard-{g.dashboard_community.id}")


@bp.get("/admin/dashboard/comments")
@community_dashboard_access
def comments():
    """Every NPS comment, newest first, paged."""
    community = g.dashboard_community
    page, names = _named_comments(community, requested_page(), COMMENTS_PAGE)
    return render(
        "dashboard/comments.html",
        "comment_items",
        community=community,
        comments=page,
        names=names,
        named=_names_shown(community),
        args=_community_args(community),
    )


@bp.get("/platform/dashboard")
@platform_admin_required
def platform_dashboard():
    """All communities together, and a page of the communities with their headline figures."""
    period = _period()
    context = _dashboard_context(None, period)
    starts = periods(period, 2, today())
    page = rd.communities_page(requested_page())
    keys = [k for k in rd.TABLE_KEYS if k in METRICS]
    figures = rd.figures_of([c.id for c in page], period, starts, keys)
    table = [(c, display.headline(figures[c.id], starts, {k: METRICS[k] for k in keys})) for c in page]
    return render(
        "dashboard/platform.html",
        "community_rows",
        community=None,
        args={},
        csv_endpoint="dashboard.platform_csv",
        self_endpoint="dashboard.platform_dashboard",
        table=table,
        table_metrics=[METRICS[k] for k in keys],
        communities=page,
        **context,
    )


@bp.get("/platform/dashboard/<key>.csv")
@platform_admin_required
def platform_csv(key: str):
    """One chart's numbers across all communities."""
    return _csv(None, key, "dashboard-all")


def _csv(community_id: int | None, key: str, name: str):
    metric = METRICS.get(key)
    if metric is None:
        abort(404)
    period = _period()
    starts, by_start = _figures(community_id, period)
    header, rows = display.csv_rows(metric, period, starts, by_start)
    return csv_download(f"{name}-{key}-{period}.csv", header, rows)
