"""Points pages: my balance and history, thanking a neighbour, the catalogue and my codes,
the admins' catalogue, campaigns, badges and invitation rewards, and the provider's code check."""

import sqlalchemy as sa
from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.community.access import (
    current_membership,
    get_in_community,
    get_member,
    people_required,
    role_required,
)
from portal.community.models import Role
from portal.community.services import find_members
from portal.core import localtime
from portal.core.db import db
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render
from portal.core.paging import page_of, requested_page
from portal.core.people import Duty, staff_views
from portal.extensions import limiter, per_person
from portal.points import bp
from portal.points.badges import BADGE_ICONS, BADGES, badge_holders, badges_of, grant_badge, revoke_badge
from portal.points.catalogue import (
    catalogue,
    create_item,
    find_redemption,
    redeem,
    redemptions_of,
    update_item,
    use_redemption,
)
from portal.points.forms import BadgeForm, CampaignForm, CodeForm, GiveForm, ItemForm
from portal.points.models import Campaign, CatalogueItem, Redemption
from portal.points.services import (
    CAMPAIGN_REASONS,
    HOLDS,
    balance,
    campaigns,
    create_campaign,
    earned_by_reason,
    end_campaign,
    history,
    hold_outcomes,
    reason_label,
    rewarded_refs,
    running_campaigns,
    thank,
)

PAGE_SIZE = 20


def points_rate_limit() -> str:
    return current_app.config.get("POINTS_RATE_LIMIT", "30 per minute")


BADGE_CONTEXT = {"badge_names": BADGES, "badge_icons": BADGE_ICONS}


@bp.get("/points")
@people_required
def index():
    """My balance, badges and the history of every change."""
    membership = current_membership()
    page = page_of(history(current_user.id, membership.community_id), requested_page(), PAGE_SIZE)
    return render(
        "points/index.html",
        "history",
        balance=balance(current_user.id, membership.community_id),
        rows=page.items,
        holds=hold_outcomes(page.items),
        hold_reasons=HOLDS,
        more=page.more,
        page=page.number,
        badges=badges_of(current_user.id, membership.community_id),
        campaigns=running_campaigns(membership.community_id),
        campaign_reasons=CAMPAIGN_REASONS,
        reason_label=reason_label,
        **BADGE_CONTEXT,
    )


@bp.post("/points/give/<int:membership_id>")
@people_required
@limiter.limit(points_rate_limit, key_func=per_person)
def give(membership_id: int):
    """Thank a neighbour with some of my points."""
    me = current_membership()
    member = get_member(membership_id)
    form = GiveForm()
    context = dict(
        member=member, give_amount=request.form.get("amount", ""), give_note=request.form.get("note", "")
    )

    def refused(error):
        message = error.message if error else next(iter(form.errors.values()))[0]
        return render("points/_give_form.html", "give_form", give_error=message, **context)

    commit_or_422(lambda: thank(me, member, form.amount.data, form.note.data or ""), refused, form)
    return render("points/_give_form.html", "give_form", member=member, given=form.amount.data)


@bp.get("/points/catalogue", endpoint="catalogue")
@people_required
def catalogue_page():
    """Local services and coupons to spend points on."""
    me = current_membership()
    return render(
        "points/catalogue.html",
        "items",
        items=catalogue(me.community_id),
        balance=balance(me.user_id, me.community_id),
    )


@bp.post("/points/catalogue/<int:item_id>/redeem")
@people_required
@limiter.limit(points_rate_limit, key_func=per_person)
def redeem_item(item_id: int):
    """Spend points on an item: a code for the provider (refused beyond my balance)."""
    me = current_membership()
    item = get_in_community(CatalogueItem, item_id)
    if not item.active:
        abort(404)

    def refused(error):
        db.session.refresh(item)
        balance_now = balance(me.user_id, me.community_id)
        return render("points/_item.html", "item", item=item, problem=error.message, balance=balance_now)

    redemption = commit_or_422(lambda: redeem(me.user_id, item), refused)
    return render(
        "points/_item.html",
        "item",
        item=item,
        redemption=redemption,
        balance=balance(me.user_id, me.community_id),
    )


@bp.get("/points/redemptions")
@people_required
def redemptions():
    """My codes: show one to the provider; used ones are marked."""
    me = current_membership()
    rows = redemptions_of(me.user_id, me.community_id, requested_page())
    return render("points/redemptions.html", rows=rows)


# --- the provider's check page (no login: the link is the provider's key) -----------------


def _item_for_token(token: str) -> CatalogueItem:
    item = db.session.scalar(sa.select(CatalogueItem).where(CatalogueItem.check_token == token))
    if item is None:
        abort(404)
    return item


def check_limit() -> str:
    return current_app.config.get("CODE_CHECK_RATE_LIMIT", "30 per minute")


@bp.route("/points/check/<token>", methods=["GET", "POST"])
@limiter.limit(check_limit, methods=["POST"])
def check(token: str):
    """A provider checks a resident's code for their offer, and marks it used."""
    item = _item_for_token(token)
    form = CodeForm()
    context = {"item": item, "token": token}
    if request.method == "GET":
        return render("points/check.html", "result", form=CodeForm(formdata=None), **context)
    if not form.validate():
        return render("points/check.html", "result", status=422, form=form, **context)
    found = find_redemption([item.id], form.code.data)
    if found is None:
        form.code.errors = [_("No such code for this offer.")]
        return render("points/check.html", "result", status=422, form=form, **context)
    used_now = request.form.get("use") == "1"
    if used_now:

        def refused(error):
            form.code.errors = [error.message]
            return render("points/check.html", "result", form=form, found=found, **context)

        commit_or_422(lambda: use_redemption(found), refused)
    return render("points/check.html", "result", form=form, found=found, used_now=used_now, **context)


# --- admins -------------------------------------------------------------------------------


def _catalogue_page(form=None, status=200, editing=None, saved=False):
    me = current_membership()
    items = catalogue(me.community_id, include_inactive=True)
    counts = dict(
        db.session.execute(
            sa.select(Redemption.item_id, sa.func.count())
            .where(Redemption.community_id == me.community_id)
            .group_by(Redemption.item_id)
        ).all()
    )
    return render(
        "points/admin_catalogue.html",
        "admin_items",
        status=status,
        items=items,
        form=form or ItemForm(formdata=None),
        editing=editing,
        counts=counts,
        saved=saved,
    )


@bp.route("/points/admin/catalogue", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_catalogue():
    """The catalogue admins manage: add services and coupons, each with its provider's check link."""
    if request.method == "GET":
        return _catalogue_page()
    form = ItemForm()
    commit_or_422(
        lambda: create_item(current_membership().community_id, **_item_fields(form)),
        lambda _error: _catalogue_page(form, 422),
        form,
    )
    return _catalogue_page(saved=True)


def _item_fields(form: ItemForm) -> dict:
    return dict(
        title=form.title.data,
        kind=form.kind.data,
        provider=form.provider.data or "",
        description=form.description.data or "",
        cost=form.cost.data,
        stock=form.stock.data,
        active=bool(form.active.data),
    )


@bp.route("/points/admin/catalogue/<int:item_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_item(item_id: int):
    """Change an item (price, stock, offered or not)."""
    item = get_in_community(CatalogueItem, item_id)
    if request.method == "GET":
        form = ItemForm(formdata=None, obj=item)
        return render("points/admin_item.html", "item_form", form=form, item=item)
    form = ItemForm()
    commit_or_422(
        lambda: update_item(item, **_item_fields(form)),
        lambda _error: render("points/admin_item.html", "item_form", form=form, item=item),
        form,
    )
    return redirect_to(url_for("points.admin_catalogue"))


def _campaigns_page(form=None, status=200):
    me = current_membership()
    if form is None:
        today = localtime.today()
        form = CampaignForm(formdata=None, starts_on=today, ends_on=today.replace(day=28))
    return render(
        "points/admin_campaigns.html",
        "campaigns",
        status=status,
        form=form,
        rows=campaigns(me.community_id),
        today=localtime.today(),
        reasons=CAMPAIGN_REASONS,
    )


@bp.route("/points/admin/campaigns", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_campaigns():
    """Campaigns that multiply points between two dates (邻里介绍月: invites ×2)."""
    if request.method == "GET":
        return _campaigns_page()
    form = CampaignForm()
    me = current_membership()

    def save():
        create_campaign(
            me.community_id,
            form.name.data,
            form.reason.data,
            float(form.multiplier.data),
            form.starts_on.data,
            form.ends_on.data,
            me.user_id,
        )

    commit_or_422(save, lambda _error: _campaigns_page(form, 422), form)
    return _campaigns_page()


@bp.post("/points/admin/campaigns/<int:campaign_id>/end", endpoint="end_campaign")
@role_required(Role.ADMIN)
def end_campaign_view(campaign_id: int):
    """Stop a campaign today."""
    end_campaign(get_in_community(Campaign, campaign_id))
    db.session.commit()
    return _campaigns_page()


@bp.get("/points/admin/invitations")
@role_required(Role.ADMIN)
def admin_invitations():
    """The invitation chain with the points each inviter earned (after the invitee's first order)."""
    from portal.community.services import invitation_chain

    me = current_membership()
    rows = invitation_chain(me.community_id, requested_page())
    earned = earned_by_reason(me.community_id, [r.invited_by_id for r in rows], "invite")
    rewarded = rewarded_refs(me.community_id, "invite", "membership", [r.id for r in rows])
    running = [c for c in running_campaigns(me.community_id) if c.reason == "invite"]
    return render(
        "points/admin_invitations.html",
        rows=rows,
        people=staff_views(Duty.ADMIN, me, [i for r in rows for i in (r.user_id, r.invited_by_id)]),
        earned=earned,
        rewarded=rewarded,
        running=running,
    )


def _badges_page(search="", status=200, problem=None):
    me = current_membership()
    holders = badge_holders(me.community_id, requested_page())
    candidates = find_members(me, search)
    return render(
        "points/admin_badges.html",
        "badges",
        status=status,
        holders=holders,
        candidates=candidates,
        people=staff_views(Duty.ADMIN, me, [u.id for _a, u in holders] + [m.user_id for m in candidates]),
        q=search,
        problem=problem,
        form=BadgeForm(formdata=None),
        **BADGE_CONTEXT,
    )


@bp.get("/points/admin/badges")
@role_required(Role.ADMIN)
def admin_badges():
    """Who holds which badge; admins give 金牌团长 and 社区好物推荐官 (热心邻居 comes by itself too)."""
    return _badges_page(request.args.get("q", "").strip()[:40])


@bp.post("/points/admin/badges/<int:membership_id>/<any(grant, revoke):action>")
@role_required(Role.ADMIN)
def admin_badge_action(membership_id: int, action: str):
    """Give or take back a badge."""
    me = current_membership()
    member = get_member(membership_id)
    form = BadgeForm()
    if not form.validate():
        return _badges_page(status=422, problem=_("Choose a badge."))
    if action == "grant":
        grant_badge(member.user_id, me.community_id, form.badge.data, me.user_id)
    else:
        revoke_badge(member.user_id, me.community_id, form.badge.data)
    db.session.commit()
    return _badges_page()
