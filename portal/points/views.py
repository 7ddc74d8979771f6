"""Points pages: my balance and history, thanking a neighbour, the catalogue and my codes,
the admins' catalogue, campaigns, badges and invitation rewards, and the provider's code check."""

import sqlalchemy as sa
from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import User
from portal.community.models import Membership, MembershipStatus, Role
from portal.core.access import current_membership, get_in_community, role_required
from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import redirect_to, render
from portal.extensions import limiter
from portal.neighbors.access import people_required
from portal.notifications.services import notify
from portal.points import bp
from portal.points.forms import BadgeForm, CampaignForm, CodeForm, GiveForm, ItemForm
from portal.points.models import BadgeAward, Campaign, CatalogueItem, Redemption
from portal.points.services import (
    BADGE_ICONS,
    BADGES,
    CAMPAIGN_REASONS,
    badges_of,
    balance,
    campaigns,
    catalogue,
    create_campaign,
    create_item,
    earned_by_reason,
    end_campaign,
    find_redemption,
    grant_badge,
    history,
    local_today,
    reason_label,
    redeem,
    redemptions_of,
    revoke_badge,
    rewarded_refs,
    running_campaigns,
    transfer,
    update_item,
    use_redemption,
)

PAGE_SIZE = 20


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        return 1


def user_rate_key() -> str:
    return f"user:{current_user.get_id() or request.remote_addr}"


def points_rate_limit() -> str:
    return current_app.config.get("POINTS_RATE_LIMIT", "30 per minute")


BADGE_CONTEXT = {"badge_names": BADGES, "badge_icons": BADGE_ICONS}


@bp.get("/points")
@people_required
def index():
    """My balance, badges and the history of every change."""
    membership = current_membership()
    page = _page()
    rows = history(current_user.id, membership.community_id, page, PAGE_SIZE)
    return render(
        "points/index.html",
        "history",
        balance=balance(current_user.id, membership.community_id),
        rows=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        page=page,
        badges=badges_of(current_user.id, membership.community_id),
        campaigns=running_campaigns(membership.community_id),
        campaign_reasons=CAMPAIGN_REASONS,
        reason_label=reason_label,
        **BADGE_CONTEXT,
    )


def _member(membership_id: int) -> Membership:
    member = get_in_community(Membership, membership_id)
    if not member.is_active or member.roles & Role.KIOSK:
        abort(404)
    return member


@bp.post("/points/give/<int:membership_id>")
@people_required
@limiter.limit(points_rate_limit, key_func=user_rate_key)
def give(membership_id: int):
    """Thank a neighbour with some of my points."""
    from portal.neighbors.services import public_label

    me = current_membership()
    member = _member(membership_id)
    form = GiveForm()
    context = dict(
        member=member, give_amount=request.form.get("amount", ""), give_note=request.form.get("note", "")
    )
    if not form.validate():
        error = next(iter(form.errors.values()))[0]
        return render("points/_give_form.html", "give_form", status=422, give_error=error, **context)
    try:
        transfer(
            me.user_id,
            member.user_id,
            me.community_id,
            form.amount.data,
            "gift_sent",
            ("membership", member.id),
            note=form.note.data or "",
            received_reason="gift_received",
        )
    except DomainError as error:
        db.session.rollback()
        return render("points/_give_form.html", "give_form", status=422, give_error=error.message, **context)
    notify(
        member.user_id,
        "points_received",
        community_id=me.community_id,
        link=url_for("points.index"),
        name=public_label(member, me),
        points=form.amount.data,
    )
    db.session.commit()
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
@limiter.limit(points_rate_limit, key_func=user_rate_key)
def redeem_item(item_id: int):
    """Spend points on an item: a code for the provider (refused beyond my balance)."""
    me = current_membership()
    item = get_in_community(CatalogueItem, item_id)
    if not item.active:
        abort(404)
    try:
        redemption = redeem(me.user_id, item)
    except DomainError as error:
        db.session.rollback()
        db.session.refresh(item)
        return render(
            "points/_item.html",
            "item",
            status=422,
            item=item,
            problem=error.message,
            balance=balance(me.user_id, me.community_id),
        )
    db.session.commit()
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
    return render("points/redemptions.html", rows=redemptions_of(me.user_id, me.community_id))


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
    used_now = False
    if request.form.get("use") == "1":
        try:
            use_redemption(found)
            used_now = True
        except DomainError as error:
            db.session.rollback()
            form.code.errors = [error.message]
            return render("points/check.html", "result", status=422, form=form, found=found, **context)
        db.session.commit()
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
    if not form.validate():
        return _catalogue_page(form, 422)
    try:
        create_item(current_membership().community_id, **_item_fields(form))
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _catalogue_page(form, 422)
    db.session.commit()
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
    if not form.validate():
        return render("points/admin_item.html", "item_form", status=422, form=form, item=item)
    try:
        update_item(item, **_item_fields(form))
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return render("points/admin_item.html", "item_form", status=422, form=form, item=item)
    db.session.commit()
    return redirect_to(url_for("points.admin_catalogue"))


def _campaigns_page(form=None, status=200):
    me = current_membership()
    if form is None:
        today = local_today()
        form = CampaignForm(formdata=None, starts_on=today, ends_on=today.replace(day=28))
    return render(
        "points/admin_campaigns.html",
        "campaigns",
        status=status,
        form=form,
        rows=campaigns(me.community_id),
        today=local_today(),
        reasons=CAMPAIGN_REASONS,
    )


@bp.route("/points/admin/campaigns", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_campaigns():
    """Campaigns that multiply points between two dates (邻里介绍月: invites ×2)."""
    if request.method == "GET":
        return _campaigns_page()
    form = CampaignForm()
    if not form.validate():
        return _campaigns_page(form, 422)
    me = current_membership()
    try:
        create_campaign(
            me.community_id,
            form.name.data,
            form.reason.data,
            float(form.multiplier.data),
            form.starts_on.data,
            form.ends_on.data,
            me.user_id,
        )
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _campaigns_page(form, 422)
    db.session.commit()
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
    rows = invitation_chain(me.community_id)
    earned = earned_by_reason(me.community_id, [r.invited_by_id for r in rows], "invite")
    rewarded = rewarded_refs(me.community_id, "invite", "membership")
    running = [c for c in running_campaigns(me.community_id) if c.reason == "invite"]
    return render(
        "points/admin_invitations.html", rows=rows, earned=earned, rewarded=rewarded, running=running
    )


def _badges_page(search="", status=200, problem=None):
    me = current_membership()
    holders = db.session.execute(
        sa.select(BadgeAward, User)
        .join(User, User.id == BadgeAward.user_id)
        .where(BadgeAward.community_id == me.community_id)
        .order_by(BadgeAward.badge, User.display_name)
    ).all()
    candidates = []
    if search:
        candidates = db.session.scalars(
            sa.select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.community_id == me.community_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.roles.op("&")(int(Role.KIOSK)) == 0,
                User.display_name.ilike(f"%{search}%"),
            )
            .order_by(User.display_name)
            .limit(20)
        ).all()
    return render(
        "points/admin_badges.html",
        "badges",
        status=status,
        holders=holders,
        candidates=candidates,
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
    member = _member(membership_id)
    form = BadgeForm()
    if not form.validate():
        return _badges_page(status=422, problem=_("Choose a badge."))
    if action == "grant":
        grant_badge(member.user_id, me.community_id, form.badge.data, me.user_id)
    else:
        revoke_badge(member.user_id, me.community_id, form.badge.data)
    db.session.commit()
    return _badges_page()
