"""Traceability's routes in the access matrix (see tests/access.py): the staff pages, and the
public trace page with its QR code.

Community A has a supplier that "trace_leader" may use and "contact" (a resident) speaks for;
"leader" is another leader of A, whom the supplier is not open to. The supplier has a product, a
batch with one record, and a certificate.
"""

from datetime import timedelta

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.core.localtime import to_wall_clock
from portal.trace.models import SupplierCertificate
from tests.access import Route
from tests.trace.helpers import journey, make_batch, make_product, make_supplier, record

# who sees a supplier of A, its products and batches: A's admins and leaders, and its contact
VIEW = {
    "anonymous": "login",
    "resident": 403,
    "outsider": 404,
    "admin": "ok",
    "outsider_admin": 404,
    "leader": "ok",
    "trace_leader": "ok",
    "contact": "ok",
    "volunteer": 403,
    "kiosk": 403,
}
# who adds products and batches and records steps: admins, the allowed leader, the contact
MANAGE = {**VIEW, "leader": 403}
MANAGE_REFUSED = {**MANAGE, "admin": 422, "trace_leader": 422, "contact": 422}  # an empty form
# the supplier itself: A's admins only
ADMIN_OBJECT = {**VIEW, "outsider": 403, "leader": 403, "trace_leader": 403, "contact": 403}
# lists of the community's suppliers and batches
LISTS = {
    "anonymous": "login",
    "resident": 403,
    "outsider": 403,
    "admin": "ok",
    "outsider_admin": "ok",
    "leader": "ok",
    "contact": "ok",
    "kiosk": 403,
}
ADMINS = {**LISTS, "leader": 403, "contact": 403}


def populate(world):
    a = world["community"]
    allowed = world.add_person("trace_leader", a, Role.RESIDENT | Role.LEADER)
    contact = world.add_person("contact", a)
    supplier = make_supplier(a, leaders=[allowed.user], contact=contact.user)
    product = make_product(supplier)
    batch = make_batch(product)
    record(batch, by=contact.user)
    certificate = SupplierCertificate(
        supplier_id=supplier.id, title="营业执照", path="trace/AAAAAAAAAAAAAAAAAAAAAA.webp"
    )
    db.session.add(certificate)
    db.session.commit()
    world.objects.update(supplier=supplier, product=product, batch=batch, certificate=certificate)
    public_batch = make_batch(make_product(make_supplier(a, name="公开溯源合作社")))
    journey(public_batch)
    world.objects["public_batch"] = public_batch


def _s(world):
    return world["supplier"].id


def _p(world):
    return world["product"].id


def _b(world):
    return world["batch"].id


def _a_step(world):
    moment = to_wall_clock(utcnow() - timedelta(hours=1))
    return {"biz_step": "packing", "event_time": moment.strftime("%Y-%m-%dT%H:%M"), "where": "合作社分拣间"}


ROUTES = [
    Route("trace.suppliers", "GET", lambda w: "/trace/suppliers", LISTS),
    Route("trace.batches", "GET", lambda w: "/trace/batches", LISTS),
    Route("trace.batches", "GET", lambda w: f"/trace/batches?supplier={_s(w)}", {**VIEW, "outsider": 403}),
    Route("trace.supplier_new", "GET", lambda w: "/trace/suppliers/new", ADMINS),
    Route(
        "trace.supplier_new",
        "POST",
        lambda w: "/trace/suppliers/new",
        {**ADMINS, "admin": 422, "outsider_admin": 422},
        data=lambda w: {"name": ""},
    ),
    Route("trace.supplier", "GET", lambda w: f"/trace/suppliers/{_s(w)}", VIEW),
    Route(
        "trace.supplier",
        "GET",
        lambda w: "/trace/suppliers/999999",
        {"anonymous": "login", "resident": 404, "outsider": 404, "admin": 404},
    ),
    Route("trace.supplier_edit", "GET", lambda w: f"/trace/suppliers/{_s(w)}/edit", ADMIN_OBJECT),
    Route(
        "trace.supplier_edit",
        "POST",
        lambda w: f"/trace/suppliers/{_s(w)}/edit",
        {**ADMIN_OBJECT, "admin": 422},
        data=lambda w: {"name": ""},
    ),
    Route(
        "trace.certificate_add",
        "POST",
        lambda w: f"/trace/suppliers/{_s(w)}/certificates",
        {**ADMIN_OBJECT, "admin": 422},
        data=lambda w: {"title": ""},
    ),
    Route(
        "trace.certificate_delete",
        "POST",
        lambda w: f"/trace/suppliers/{_s(w)}/certificates/{w['certificate'].id}/delete",
        ADMIN_OBJECT,
    ),
    Route("trace.product_new", "GET", lambda w: f"/trace/suppliers/{_s(w)}/products/new", MANAGE),
    Route(
        "trace.product_new",
        "POST",
        lambda w: f"/trace/suppliers/{_s(w)}/products/new",
        MANAGE_REFUSED,
        data=lambda w: {"name": ""},
    ),
    Route("trace.product", "GET", lambda w: f"/trace/products/{_p(w)}", VIEW),
    Route("trace.product_edit", "GET", lambda w: f"/trace/products/{_p(w)}/edit", MANAGE),
    Route(
        "trace.product_edit",
        "POST",
        lambda w: f"/trace/products/{_p(w)}/edit",
        MANAGE_REFUSED,
        data=lambda w: {"name": ""},
    ),
    Route("trace.batch_new", "GET", lambda w: f"/trace/products/{_p(w)}/batches/new", MANAGE),
    Route(
        "trace.batch_new",
        "POST",
        lambda w: f"/trace/products/{_p(w)}/batches/new",
        MANAGE_REFUSED,
        data=lambda w: {"lot": ""},
    ),
    Route("trace.batch", "GET", lambda w: f"/trace/batches/{_b(w)}", VIEW),
    Route("trace.batch", "GET", lambda w: f"/trace/batches/{_b(w)}?correct=1", VIEW),
    Route(
        "trace.batch",
        "GET",
        lambda w: "/trace/batches/999999",
        {"anonymous": "login", "resident": 404, "outsider": 404, "admin": 404},
    ),
    Route("trace.record", "POST", lambda w: f"/trace/batches/{_b(w)}/steps", MANAGE, data=_a_step),
    Route(
        "trace.record",
        "POST",
        lambda w: f"/trace/batches/{_b(w)}/steps",
        MANAGE_REFUSED,
        data=lambda w: {"biz_step": "packing"},
    ),
]


# ---------------------------------------------------------------------------------------------
# The public trace page (the QR code's address): anyone, logged in or not, of any community.
# ---------------------------------------------------------------------------------------------

PUBLIC = {"anonymous": "ok", "resident": "ok", "outsider": "ok", "admin": "ok", "kiosk": "ok"}
NOBODY = {persona: 404 for persona in PUBLIC}


def _trace(w, gtin=None, lot=None):
    batch = w["public_batch"]
    return f"/t/01/{gtin or batch.product.gtin}/10/{lot or batch.lot}"


ROUTES += [
    Route("trace.public", "GET", lambda w: _trace(w), PUBLIC),
    Route("trace.public", "GET", lambda w: _trace(w, lot="NO-SUCH-LOT"), NOBODY),
    Route("trace.public", "GET", lambda w: _trace(w, gtin="02999999999990"), NOBODY),
    Route("trace.public", "GET", lambda w: _trace(w, gtin="0200000000001"), NOBODY),  # 13 digits
    Route("trace.public", "GET", lambda w: _trace(w, lot="bad lot!"), NOBODY),
    Route("trace.verify_script", "GET", lambda w: "/t/verify_trace.py", PUBLIC),
    Route("trace.qr", "GET", lambda w: _trace(w) + "/qr.svg", PUBLIC),
    Route("trace.qr", "GET", lambda w: _trace(w, lot="NO-SUCH-LOT") + "/qr.svg", NOBODY),
]

# --- end of the public trace page's routes ---------------------------------------------------
