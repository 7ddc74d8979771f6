"""Event routes in the access matrix (see tests/access.py).

Community A has an event open to everyone (starting within the hour, so check-in is open),
where A's resident holds a confirmed signup, and an event only for A's second building, which
the resident (first building) is not in the audience of.
"""

from datetime import timedelta

from portal.core.db import db, utcnow
from portal.events.models import Audience
from portal.events.services.feeds import calendar_feed
from portal.events.services.organising import EventData, create_event
from portal.events.services.signups import sign_up
from portal.events.services.tickets import ticket_token
from tests.access import Route

MEMBERS = {"anonymous": "login", "resident": "ok", "outsider": "ok", "admin": "ok"}
# an object of community A that every member of A may see
A_MEMBERS = {"anonymous": "login", "resident": "ok", "outsider": 404, "admin": "ok", "volunteer": "ok"}
ADMINS = {"anonymous": "login", "resident": 403, "outsider": 403, "admin": "ok", "outsider_admin": "ok",
          "volunteer": 403}
A_ADMIN_OBJECT = {**ADMINS, "outsider_admin": 404}
# admins and volunteers of A; B's admin gets 404, everyone else 403
A_STAFF_OBJECT = {**A_ADMIN_OBJECT, "volunteer": "ok", "leader": 403}
# the resident's own signup in A: only they have it
OWN_SIGNUP = {"anonymous": "login", "resident": "ok", "outsider": 404, "admin": 404, "volunteer": 404}


def _data(**fields) -> EventData:
    start = utcnow() + timedelta(minutes=50)
    values = {
        "title": "社区插花课",
        "description": "",
        "place": "活动室",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "signup_deadline": None,
        "capacity": 10,
    }
    values.update(fields)
    return EventData(**values)


def populate(world):
    admin = world.memberships["admin"]
    a = world["community"]
    now = utcnow() - timedelta(seconds=1)
    event = create_event(admin, _data(), now)
    building_event = create_event(
        admin, _data(title="2栋楼道清洁", audience=Audience.BUILDING, building_id=a.buildings[1].id), now
    )
    signup = sign_up(event, world.memberships["resident"], 0, now)
    feed = calendar_feed(world.memberships["resident"])
    db.session.commit()
    world.objects.update(
        event=event, building_event=building_event, signup=signup, ticket=ticket_token(signup), feed=feed
    )


def _e(world, name="event"):
    return world[name].id


ROUTES = [
    Route("events.index", "GET", lambda w: "/events", MEMBERS),
    Route("events.detail", "GET", lambda w: f"/events/{_e(w)}", A_MEMBERS),
    Route("events.detail", "GET", lambda w: "/events/999999",
          {"anonymous": "login", "resident": 404, "outsider": 404, "admin": 404}),
    # outside the audience: the resident does not see it; staff do
    Route("events.detail", "GET", lambda w: f"/events/{_e(w, 'building_event')}",
          {**A_MEMBERS, "resident": 404}),
    Route("events.signup", "POST", lambda w: f"/events/{_e(w, 'building_event')}/signup",
          {"anonymous": "login", "resident": 404, "outsider": 404, "admin": 422},
          data=lambda w: {"companions": "0"}),
    Route("events.signup", "POST", lambda w: f"/events/{_e(w)}/signup",
          {"anonymous": "login", "resident": 422, "outsider": 404, "admin": "ok", "leader": "ok",
           "kiosk": 404},
          data=lambda w: {"companions": "0"}),
    Route("events.cancel", "POST", lambda w: f"/events/{_e(w)}/cancel", OWN_SIGNUP),
    Route("events.ticket", "GET", lambda w: f"/events/{_e(w)}/ticket", OWN_SIGNUP),
    Route("events.ticket_qr", "GET", lambda w: f"/events/{_e(w)}/ticket.svg", OWN_SIGNUP),
    Route("events.ticket_link", "GET", lambda w: f"/events/t/{w['ticket']}",
          {**OWN_SIGNUP, "admin": "ok", "volunteer": "ok", "leader": 404, "outsider_admin": 404}),
    Route("events.ticket_link", "GET", lambda w: "/events/t/not-a-ticket",
          {"anonymous": "login", "resident": 404, "outsider": 404, "admin": 404}),
    Route("events.ticket_check_in", "POST", lambda w: f"/events/t/{w['ticket']}",
          {"anonymous": "login", "resident": 403, "outsider": 404, "admin": "ok", "volunteer": "ok",
           "leader": 403, "outsider_admin": 404}),
    Route("events.event_ics", "GET", lambda w: f"/events/{_e(w)}.ics", A_MEMBERS),
    Route("events.calendar", "GET", lambda w: "/events/calendar", MEMBERS),
    Route("events.calendar_reset", "POST", lambda w: "/events/calendar/reset", MEMBERS),
    Route("events.feed", "GET", lambda w: f"/events/feed/{w['feed'].token}.ics",
          {"anonymous": "ok", "resident": "ok", "outsider": "ok", "admin": "ok"}),
    Route("events.feed", "GET", lambda w: "/events/feed/guessed-token.ics",
          {"anonymous": 404, "resident": 404, "outsider": 404, "admin": 404}),
    Route("events.manage", "GET", lambda w: "/events/manage", ADMINS),
    Route("events.new", "GET", lambda w: "/events/new", ADMINS),
    Route("events.new", "POST", lambda w: "/events/new", {**ADMINS, "admin": 422, "outsider_admin": 422},
          data=lambda w: {"title": ""}),
    Route("events.edit", "GET", lambda w: f"/events/{_e(w)}/edit", A_ADMIN_OBJECT),
    Route("events.edit", "POST", lambda w: f"/events/{_e(w)}/edit", {**A_ADMIN_OBJECT, "admin": 422},
          data=lambda w: {"title": ""}),
    Route("events.event_cancel", "POST", lambda w: f"/events/{_e(w)}/cancel-event", A_ADMIN_OBJECT),
    Route("events.admin_event", "GET", lambda w: f"/events/{_e(w)}/admin", A_STAFF_OBJECT),
    Route("events.attendees_download", "GET", lambda w: f"/events/{_e(w)}/attendees.csv", A_STAFF_OBJECT),
    Route("events.event_counts", "GET", lambda w: f"/events/{_e(w)}/counts", A_STAFF_OBJECT),
    Route("events.door", "GET", lambda w: f"/events/{_e(w)}/door?q=邻", A_STAFF_OBJECT),
    Route("events.door_check_in", "POST",
          lambda w: f"/events/{_e(w)}/signups/{w['signup'].id}/check-in", A_STAFF_OBJECT),
]
