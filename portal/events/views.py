"""Residents' event pages: the list, an event, signing up and cancelling, the ticket, calendars;
and the ticket link a volunteer opens at the door."""

from urllib.parse import urlsplit

from flask import abort, request, url_for
from flask_login import current_user

from portal.community.access import community_required, current_membership, get_in_community
from portal.core.db import db, utcnow
from portal.core.export import qr_svg
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render, wants_fragment
from portal.core.paging import requested_page
from portal.core.people import Duty, staff_views
from portal.events import bp, ical
from portal.events.forms import SignupForm, companion_choices
from portal.events.live import push_counts
from portal.events.models import Event, SignupStatus
from portal.events.services.audience import help_needs_for, in_audience, is_staff
from portal.events.services.feeds import calendar_feed, feed_events, membership_for_feed, reset_calendar_feed
from portal.events.services.reading import (
    can_see,
    counts,
    latest_signup,
    live_signup,
    my_signups,
    past_for,
    upcoming_for,
    waitlist_position,
)
from portal.events.services.signups import cancel_signup, sign_up, signup_closed_reason
from portal.events.services.tickets import (
    check_in,
    check_in_problem,
    signup_for_ticket,
    ticket_token,
)


def visible_event(event_id: int) -> Event:
    """An event of the current community the person may see (others: 404)."""
    event = get_in_community(Event, event_id)
    if not can_see(event, current_membership()):
        abort(404)
    return event


@bp.get("/events")
@community_required
def index():
    """Upcoming events meant for me, my signups marked; past ones below."""
    membership = current_membership()
    now = utcnow()
    events = upcoming_for(membership, now, requested_page())
    return render(
        "events/index.html",
        events=events,
        past=past_for(membership, now, requested_page("past")),
        mine=my_signups(current_user.id, [e.id for e in events]),
        now=now,
        staff=is_staff(membership),
    )


def _signup_context(event: Event, form: SignupForm | None = None) -> dict:
    membership = current_membership()
    now = utcnow()
    signup = live_signup(event.id, current_user.id)
    waiting = signup is not None and signup.status == SignupStatus.WAITLISTED
    if form is None:
        form = SignupForm(formdata=None)
    form.companions.choices = companion_choices(event)
    return {
        "event": event,
        "form": form,
        "signup": signup,
        "last": signup or latest_signup(event.id, current_user.id),
        "position": waitlist_position(signup) if waiting else None,
        "closed": signup_closed_reason(event, now),
        "started": event.has_started(now),
        "eligible": in_audience(event, membership),
        "now": now,
    }


@bp.get("/events/<int:event_id>")
@community_required
def detail(event_id: int):
    """One event: when, where, places left, my signup or the form, the help day's needs."""
    event = visible_event(event_id)
    membership = current_membership()
    return render(
        "events/detail.html",
        "signup_panel",
        **_signup_context(event),
        counts=counts(event),
        staff=is_staff(membership),
        help_needs=help_needs_for(event) if event.is_help_day else None,
    )


def _signup_panel(event: Event, form=None, status: int = 200):
    if status == 200 and not wants_fragment():
        return redirect_to(url_for("events.detail", event_id=event.id))
    context = _signup_context(event, form)
    return render("events/detail.html", "signup_panel", status=status, **context, counts=counts(event))


@bp.post("/events/<int:event_id>/signup")
@community_required
def signup(event_id: int):
    """Sign up (with companions): a place if one is free, else the waitlist."""
    event = visible_event(event_id)
    form = SignupForm()
    form.companions.choices = companion_choices(event)

    def save():
        sign_up(event, current_membership(), form.companions.data, utcnow())
        push_counts(event)

    commit_or_422(save, lambda _error: _signup_panel(event, form, 422), form)
    return _signup_panel(event)


@bp.post("/events/<int:event_id>/cancel")
@community_required
def cancel(event_id: int):
    """Withdraw my signup (or leave the waitlist); a freed place goes to the next in line."""
    event = visible_event(event_id)
    signup = live_signup(event.id, current_user.id)
    if signup is None:
        abort(404)

    def save():
        cancel_signup(signup, utcnow())
        push_counts(event)

    def refused(error):
        form = SignupForm(formdata=None)
        form.form_errors.append(error.message)
        return _signup_panel(event, form, 422)

    commit_or_422(save, refused)
    return _signup_panel(event)


def _my_ticket(event: Event):
    signup = live_signup(event.id, current_user.id)
    if signup is None or signup.status != SignupStatus.CONFIRMED:
        abort(404)
    return signup


@bp.get("/events/<int:event_id>/ticket")
@community_required
def ticket(event_id: int):
    """My ticket: a QR code of the signed check-in link, to show at the door."""
    event = visible_event(event_id)
    signup = _my_ticket(event)
    return render(
        "events/ticket.html",
        event=event,
        signup=signup,
        link=url_for("events.ticket_link", token=ticket_token(signup), _external=True),
    )


@bp.get("/events/<int:event_id>/ticket.svg")
@community_required
def ticket_qr(event_id: int):
    """The ticket's QR code."""
    signup = _my_ticket(visible_event(event_id))
    link = url_for("events.ticket_link", token=ticket_token(signup), _external=True)
    return qr_svg(link, box_size=12)


def _ticket_signup(token: str):
    """The signup of a ticket link in the current community (bad or foreign links: 404)."""
    signup = signup_for_ticket(token)
    membership = current_membership()
    if signup is None or signup.community_id != membership.community_id:
        abort(404)
    return signup


@bp.get("/events/t/<token>")
@community_required
def ticket_link(token: str):
    """What the ticket's QR opens: for a volunteer or admin, the check-in; for its owner, the
    ticket. Nothing changes on opening: checking in is the button (POST)."""
    signup = _ticket_signup(token)
    membership = current_membership()
    if not is_staff(membership):
        if signup.user_id != current_user.id:
            abort(404)
        return redirect_to(url_for("events.ticket", event_id=signup.event_id))
    return _checkin_page(signup, token)


def _checkin_page(signup, token: str, status: int = 200, **extra):
    return render(
        "events/checkin.html",
        "checkin",
        status=status,
        signup=signup,
        event=signup.event,
        token=token,
        problem=extra.pop("problem", None) or check_in_problem(signup, utcnow()),
        counts=counts(signup.event),
        person=staff_views(Duty.EVENT_STAFF, current_membership(), [signup.user_id])[signup.user_id],
        **extra,
    )


@bp.post("/events/t/<token>")
@community_required
def ticket_check_in(token: str):
    """Check the ticket's holder in (volunteers and admins)."""
    signup = _ticket_signup(token)
    if not is_staff(current_membership()):
        abort(403)

    def save() -> bool:
        fresh = check_in(signup, current_user.id, utcnow())
        push_counts(signup.event)
        return fresh

    fresh = commit_or_422(save, lambda error: _checkin_page(signup, token, 422, problem=error.message))
    return _checkin_page(signup, token, just_checked_in=fresh, already=not fresh)


def _host() -> str:
    return urlsplit(request.host_url).hostname or "linli"


@bp.get("/events/<int:event_id>.ics")
@community_required
def event_ics(event_id: int):
    """The event as a calendar file (with a reminder the day before)."""
    event = visible_event(event_id)
    body = ical.event_calendar(
        event, url_for("events.detail", event_id=event.id, _external=True), _host(), utcnow()
    )
    return body, 200, {
        "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": f'attachment; filename="linli-event-{event.id}.ics"',
        "Cache-Control": "private, no-cache",
    }


@bp.get("/events/calendar")
@community_required
def calendar():
    """My private calendar address for subscribing from a phone."""
    feed = calendar_feed(current_membership(), create=False)
    return render("events/calendar.html", "feed", **(_feed_urls(feed.token) if feed else {}))


def _feed_urls(token: str) -> dict:
    https = url_for("events.feed", token=token, _external=True)
    return {"feed_url": https, "webcal_url": "webcal://" + https.split("://", 1)[1]}


@bp.post("/events/calendar/reset")
@community_required
def calendar_reset():
    """Make my private address, or a new one (the old one stops working)."""
    membership = current_membership()
    had_one = calendar_feed(membership, create=False) is not None
    feed = reset_calendar_feed(membership)
    db.session.commit()
    return render("events/calendar.html", "feed", **_feed_urls(feed.token), reset=had_one)


@bp.get("/events/feed/<token>.ics")
def feed(token: str):
    """The community's events for one member, by the secret in the address (no login: phone
    calendars subscribe without cookies)."""
    membership = membership_for_feed(token)
    if membership is None:
        abort(404)
    now = utcnow()
    events = [
        (event, url_for("events.detail", event_id=event.id, _external=True))
        for event in feed_events(membership, now)
    ]
    body = ical.feed_calendar(f"{membership.community.name} · 邻里活动", events, _host(), now)
    headers = {"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "private, max-age=300"}
    return body, 200, headers


@bp.app_template_global()
def event_ticket_link(signup) -> str:
    return url_for("events.ticket_link", token=ticket_token(signup), _external=True)
