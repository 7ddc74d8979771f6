"""Group-buy and pickup routes (and the shared uploads route) in the access matrix (tests/access.py).

Personas besides the basic ones: "buy_leader" leads the buys below; "leader" is the leader of
another buy in the same community; "outsider"/"outsider_admin" belong to another community.
"""

import io
import os
import tempfile
from pathlib import Path

from flask import current_app
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.community.models import Role
from portal.core.db import db
from portal.core.uploads import save_image
from portal.groupbuy.models import BuyPhoto
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.fulfilment import mark_arrived
from portal.groupbuy.services.joining import join_buy, join_waitlist
from portal.groupbuy.services.pickup_codes import qr_token
from tests.access import Route
from tests.groupbuy.helpers import make_buy, make_point, pass_deadline

UPLOADS = str(Path(tempfile.gettempdir()) / f"linli-access-uploads-{os.getpid()}")

ANYONE = {"anonymous": "ok", "resident": "ok", "outsider": "ok", "admin": "ok"}
NOBODY = {p: 404 for p in ANYONE}
MEMBERS = {"anonymous": "login", "resident": "ok", "outsider": "ok", "admin": "ok", "leader": "ok"}
# an object of community A that every member there may see
A_MEMBERS = {**MEMBERS, "outsider": 404, "outsider_admin": 404}
# the buy's own leader only (admins included where they oversee)
OWNER = {
    "anonymous": "login",
    "resident": 403,
    "leader": 403,
    "admin": 403,
    "outsider": 404,
    "buy_leader": "ok",
}
OWNER_OR_ADMIN = {**OWNER, "admin": "ok", "outsider_admin": 404}
# the resident's own order: everyone else gets 404
OWN_ORDER = {
    "anonymous": "login",
    "resident": "ok",
    "leader": 404,
    "admin": 404,
    "outsider": 404,
    "buy_leader": 404,
}
LEADERS = {
    "anonymous": "login",
    "resident": 403,
    "outsider": 403,
    "admin": 403,
    "leader": "ok",
    "buy_leader": "ok",
}
HANDS_OUT = {"anonymous": "login", "resident": 403, "outsider": 403, "admin": "ok", "leader": "ok"}
ADMINS = {
    "anonymous": "login",
    "resident": 403,
    "outsider": 403,
    "leader": 403,
    "admin": "ok",
    "outsider_admin": "ok",
}


def _stored_picture() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(buffer, "PNG")
    current_app.config["UPLOAD_FOLDER"] = UPLOADS  # one folder for the whole run, not one per case
    return save_image(FileStorage(io.BytesIO(buffer.getvalue()), filename="p.png"), "groupbuy")


def populate(world):
    a = world["community"]
    world.objects["picture"] = _stored_picture()
    owner = world.add_person("buy_leader", a, Role.RESIDENT | Role.LEADER)
    neighbour = world.add_person("neighbour", a)
    point = make_point(a, "3栋自提点")
    world.objects["point"] = point
    resident = world.people["resident"]

    open_buy = make_buy(owner, [point], title="开放的团")
    join_buy(resident, open_buy, 1)
    db.session.commit()
    world.objects["open_buy"] = open_buy

    fresh = make_buy(owner, [point], title="还没人参加的团")
    fresh.photos.append(BuyPhoto(path=world.objects["picture"], position=0))
    db.session.commit()
    world.objects["fresh_buy"] = fresh

    full = make_buy(owner, [point], title="满了的团", min_quantity=1, stock_cap=1)
    join_buy(neighbour.user, full, 1)
    db.session.commit()
    join_waitlist(resident, full, 1)
    db.session.commit()
    world.objects["full_buy"] = full

    succeeded = make_buy(owner, [point], title="成团了", min_quantity=1)
    join_buy(resident, succeeded, 2)
    db.session.commit()
    pass_deadline(succeeded)
    close_buy(succeeded.id)
    db.session.commit()
    world.objects["succeeded_buy"] = succeeded

    arrived = make_buy(owner, [point], title="到货了", min_quantity=1)
    order = join_buy(resident, arrived, 1)
    db.session.commit()
    pass_deadline(arrived)
    close_buy(arrived.id)
    mark_arrived(arrived)
    db.session.commit()
    world.objects["ready_order"] = order
    world.objects["qr_link"] = f"/pickup/v/{qr_token(order)}"


def _buy(w, name="open_buy"):
    return w[name].id


def _order(w):
    return w["ready_order"].id


ROUTES = [
    # uploads: the random name is the permission; unknown or malformed names are 404
    Route("uploads.serve", "GET", lambda w: f"/uploads/{w['picture']}", ANYONE),
    Route("uploads.serve", "GET", lambda w: "/uploads/groupbuy/AAAAAAAAAAAAAAAAAAAAAA.webp", NOBODY),
    Route("uploads.serve", "GET", lambda w: "/uploads/secret_key", NOBODY),
    # listing, detail, joining
    Route("groupbuy.index", "GET", lambda w: "/groupbuy?view=mine&category=fresh", MEMBERS),
    Route("groupbuy.detail", "GET", lambda w: f"/groupbuy/{_buy(w)}", {**A_MEMBERS, "buy_leader": "ok"}),
    Route("groupbuy.detail", "GET", lambda w: "/groupbuy/999999", {**NOBODY, "anonymous": "login"}),
    Route("groupbuy.progress", "GET", lambda w: f"/groupbuy/{_buy(w)}/progress", A_MEMBERS),
    Route("groupbuy.card", "GET", lambda w: f"/groupbuy/{_buy(w)}/card", A_MEMBERS),
    Route("groupbuy.card", "GET", lambda w: "/groupbuy/999999/card", {**NOBODY, "anonymous": "login"}),
    Route("groupbuy.poster", "GET", lambda w: f"/groupbuy/{_buy(w)}/poster.png", A_MEMBERS),
    Route(
        "groupbuy.join",
        "POST",
        lambda w: f"/groupbuy/{_buy(w)}/join",
        A_MEMBERS,
        data=lambda w: {"quantity": "2"},
    ),
    Route(
        "groupbuy.join",
        "POST",
        lambda w: f"/groupbuy/{_buy(w)}/join",
        {**A_MEMBERS, "resident": 422, "admin": 422, "leader": 422},
        data=lambda w: {"quantity": "0"},
    ),
    Route(
        "groupbuy.leave",
        "POST",
        lambda w: f"/groupbuy/{_buy(w)}/leave",
        {**A_MEMBERS, "admin": 422, "leader": 422},
    ),
    Route(
        "groupbuy.waitlist",
        "POST",
        lambda w: f"/groupbuy/{_buy(w, 'full_buy')}/waitlist",
        A_MEMBERS,
        data=lambda w: {"quantity": "1"},
    ),
    Route(
        "groupbuy.waitlist_leave",
        "POST",
        lambda w: f"/groupbuy/{_buy(w, 'full_buy')}/waitlist/leave",
        {**A_MEMBERS, "admin": 422, "leader": 422},
    ),
    # opening, editing, cancelling
    Route("groupbuy.new", "GET", lambda w: "/groupbuy/new", LEADERS),
    Route(
        "groupbuy.new",
        "POST",
        lambda w: "/groupbuy/new",
        {**LEADERS, "leader": 422, "buy_leader": 422},
        data=lambda w: {"title": ""},
    ),
    Route("groupbuy.edit", "GET", lambda w: f"/groupbuy/{_buy(w, 'fresh_buy')}/edit", OWNER),
    Route(
        "groupbuy.edit",
        "POST",
        lambda w: f"/groupbuy/{_buy(w, 'fresh_buy')}/edit",
        {**OWNER, "buy_leader": 422},
        data=lambda w: {"title": ""},
    ),
    Route(
        "groupbuy.photo_delete",
        "POST",
        lambda w: f"/groupbuy/{_buy(w, 'fresh_buy')}/photos/{w['fresh_buy'].photos[0].id}/delete",
        OWNER,
    ),
    Route("groupbuy.cancel", "GET", lambda w: f"/groupbuy/{_buy(w)}/cancel", OWNER_OR_ADMIN),
    Route(
        "groupbuy.cancel",
        "POST",
        lambda w: f"/groupbuy/{_buy(w)}/cancel",
        OWNER_OR_ADMIN,
        data=lambda w: {"reason": "缺货"},
    ),
    # my orders
    Route("groupbuy.my_orders", "GET", lambda w: "/groupbuy/orders", MEMBERS),
    Route("groupbuy.order", "GET", lambda w: f"/groupbuy/orders/{_order(w)}", OWN_ORDER),
    Route("groupbuy.order_qr", "GET", lambda w: f"/groupbuy/orders/{_order(w)}/qr.svg", OWN_ORDER),
    Route(
        "groupbuy.delegate",
        "POST",
        lambda w: f"/groupbuy/orders/{_order(w)}/delegate",
        OWN_ORDER,
        data=lambda w: {"phone": w.people["neighbour"].phone},
    ),
    Route(
        "groupbuy.delegate_remove",
        "POST",
        lambda w: f"/groupbuy/orders/{_order(w)}/delegate/remove",
        OWN_ORDER,
    ),
    Route(
        "groupbuy.slot",
        "POST",
        lambda w: f"/groupbuy/orders/{_order(w)}/slot",
        {**OWN_ORDER, "resident": 422},
        data=lambda w: {"slot": "not a time"},
    ),
    # the leader's workbench
    Route("groupbuy.workbench", "GET", lambda w: "/groupbuy/workbench", LEADERS),
    Route("groupbuy.picklist", "GET", lambda w: "/groupbuy/workbench/picklist", LEADERS),
    Route(
        "groupbuy.picklist",
        "GET",
        lambda w: f"/groupbuy/workbench/picklist?buy={_buy(w, 'succeeded_buy')}",
        {**LEADERS, "leader": 404},
    ),
    Route("groupbuy.buy_orders", "GET", lambda w: f"/groupbuy/{_buy(w)}/orders", OWNER_OR_ADMIN),
    Route(
        "groupbuy.orders_csv",
        "GET",
        lambda w: f"/groupbuy/{_buy(w, 'succeeded_buy')}/orders.csv",
        OWNER_OR_ADMIN,
    ),
    Route("groupbuy.arrived", "POST", lambda w: f"/groupbuy/{_buy(w, 'succeeded_buy')}/arrived", OWNER),
    Route(
        "groupbuy.order_paid",
        "POST",
        lambda w: f"/groupbuy/orders/{_order(w)}/paid",
        OWNER,
        data=lambda w: {"paid": "1"},
    ),
    # pickup points
    Route("pickup.points", "GET", lambda w: "/pickup/points", MEMBERS),
    Route("pickup.point", "GET", lambda w: f"/pickup/points/{w['point'].id}", A_MEMBERS),
    Route("pickup.point_new", "GET", lambda w: "/pickup/points/new", ADMINS),
    Route(
        "pickup.point_new",
        "POST",
        lambda w: "/pickup/points/new",
        {**ADMINS, "admin": 422, "outsider_admin": 422},
        data=lambda w: {"name": ""},
    ),
    Route(
        "pickup.point_edit",
        "GET",
        lambda w: f"/pickup/points/{w['point'].id}/edit",
        {**ADMINS, "outsider_admin": 404},
    ),
    Route(
        "pickup.point_edit",
        "POST",
        lambda w: f"/pickup/points/{w['point'].id}/edit",
        {**ADMINS, "outsider_admin": 404},
        data=lambda w: {
            "name": "3栋自提点",
            "kind": "station",
            "slot_capacity": "4",
            "slot_minutes": "30",
            "active": "y",
        },
    ),
    # 核销
    Route("groupbuy.verify", "GET", lambda w: "/pickup/verify", HANDS_OUT),
    Route(
        "groupbuy.verify_lookup",
        "POST",
        lambda w: "/pickup/verify",
        {**HANDS_OUT, "admin": 422, "leader": 422},
        data=lambda w: {"point": w["point"].id, "code": "0000 0000"},
    ),
    Route(
        "groupbuy.verify_lookup",
        "POST",
        lambda w: "/pickup/verify",
        {**HANDS_OUT, "leader": 422, "buy_leader": "ok"},
        data=lambda w: {"point": w["point"].id, "code": w["ready_order"].pickup_code},
    ),
    Route(
        "groupbuy.collect",
        "POST",
        lambda w: "/pickup/collect",
        {**HANDS_OUT, "leader": 422, "buy_leader": "ok"},
        data=lambda w: {"point": w["point"].id, "code": w["ready_order"].pickup_code},
    ),
    Route(
        "groupbuy.verify_qr",
        "GET",
        lambda w: w["qr_link"],
        {**OWNER_OR_ADMIN, "leader": 403, "resident": 403, "outsider": 404},
    ),
    Route(
        "groupbuy.verify_qr",
        "POST",
        lambda w: w["qr_link"],
        {**OWNER_OR_ADMIN, "leader": 403, "resident": 403, "outsider": 404},
    ),
    Route(
        "groupbuy.verify_done",
        "GET",
        lambda w: f"/pickup/done/{_order(w)}",
        {**HANDS_OUT, "leader": 403, "buy_leader": "ok", "outsider_admin": 404},
    ),
]
