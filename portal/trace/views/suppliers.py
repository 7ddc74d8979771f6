"""Suppliers and their products: admins keep the suppliers (details, certificates, leaders,
contact member); admins, the supplier's leaders and its contact member add products and batches."""

from flask import abort, request, url_for
from wtforms import SelectChoice

from portal.community.access import community_required, current_membership, role_required
from portal.community.models import Role
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render
from portal.core.localtime import today
from portal.core.paging import requested_page
from portal.core.people import Duty, staff_views
from portal.core.sections import sections
from portal.core.uploads import delete_upload
from portal.trace import bp, catalogue
from portal.trace.forms import BatchForm, CertificateForm, ProductEditForm, ProductForm, SupplierForm
from portal.trace.models import Supplier
from portal.trace.services import is_staff, may_manage
from portal.trace.views.common import is_admin, people, product_for, supplier_for


@bp.get("/trace/suppliers")
@community_required
def suppliers():
    """The community's suppliers (staff), or the ones I speak for."""
    membership = current_membership()
    if not is_staff(membership) and not catalogue.speaks_for_any(membership):
        abort(403)
    rows = catalogue.suppliers_page(membership, requested_page())
    return render("trace/suppliers.html", rows=rows, is_admin=is_admin())


# --- a supplier (admins) ----------------------------------------------------------------------


def _supplier_form(community_id: int, **kwargs) -> SupplierForm:
    form = SupplierForm(**kwargs)
    members = catalogue.leader_members(community_id)
    views = staff_views(Duty.ADMIN, current_membership(), [m.user_id for m in members])
    form.leaders.choices = [SelectChoice(m.user_id, _leader_label(views[m.user_id])) for m in members]
    return form


def _leader_label(view) -> str:
    return " · ".join(part for part in (view.name, view.home, view.phone) if part)


def _supplier_input(form: SupplierForm) -> catalogue.SupplierInput:
    return catalogue.SupplierInput(
        name=form.name.data,
        kind=form.kind.data,
        region=form.region.data or "",
        description=form.description.data or "",
        contact_name=form.contact_name.data or "",
        contact_phone=form.contact_phone.data or "",
        leader_ids=list(form.leaders.data or []),
    )


def _save_supplier(supplier: Supplier, form: SupplierForm) -> Supplier:
    catalogue.save_supplier(supplier, _supplier_input(form))
    catalogue.set_contact(supplier, form.contact_member_phone.data, clear=form.no_contact_member.data)
    return supplier


def _supplier_form_page(form, supplier=None, status=200):
    contact = people([supplier.contact_user_id]).get(supplier.contact_user_id) if supplier else None
    return render(
        "trace/supplier_form.html",
        "supplier_form",
        status=status,
        form=form,
        supplier=supplier,
        contact=contact,
    )


@bp.route("/trace/suppliers/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def supplier_new():
    """Add a supplier (a farm, workshop or co-op)."""
    membership = current_membership()
    form = _supplier_form(membership.community_id)
    if request.method == "GET":
        return _supplier_form_page(form)
    supplier = Supplier(community_id=membership.community_id)
    commit_or_422(
        lambda: _save_supplier(supplier, form), lambda _error: _supplier_form_page(form, status=422), form
    )
    return redirect_to(url_for("trace.supplier", supplier_id=supplier.id))


@bp.route("/trace/suppliers/<int:supplier_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def supplier_edit(supplier_id: int):
    """Change a supplier's details, its leaders and its contact member."""
    supplier = supplier_for(supplier_id)
    if request.method == "GET":
        data = {
            "name": supplier.name,
            "kind": supplier.kind,
            "region": supplier.region,
            "description": supplier.description,
            "contact_name": supplier.contact_name,
            "contact_phone": supplier.contact_phone,
            "leaders": [u.id for u in supplier.leaders],
        }
        form = _supplier_form(supplier.community_id, formdata=None, data=data)
        return _supplier_form_page(form, supplier)
    form = _supplier_form(supplier.community_id)
    commit_or_422(
        lambda: _save_supplier(supplier, form),
        lambda _error: _supplier_form_page(form, supplier, status=422),
        form,
    )
    return redirect_to(url_for("trace.supplier", supplier_id=supplier.id))


def _supplier_page(supplier, status=200, certificate_form=None):
    membership = current_membership()
    leader_ids = [u.id for u in supplier.leaders]
    return render(
        "trace/supplier.html",
        "certificate_form" if certificate_form is not None else None,
        status=status,
        supplier=supplier,
        products=catalogue.products_of(supplier),
        batch_counts=catalogue.batch_counts(supplier),
        names=people([*leader_ids, supplier.contact_user_id]),
        leader_ids=leader_ids,
        may_manage=may_manage(membership, supplier),
        is_admin=is_admin(),
        certificate_form=certificate_form or CertificateForm(formdata=None),
        today=today(),
        sections=sections("trace.supplier", supplier=supplier),
    )


@bp.get("/trace/suppliers/<int:supplier_id>")
@community_required
def supplier(supplier_id: int):
    """A supplier: who they are, certificates, the leaders who use them, their products."""
    return _supplier_page(supplier_for(supplier_id))


@bp.post("/trace/suppliers/<int:supplier_id>/certificates")
@role_required(Role.ADMIN)
def certificate_add(supplier_id: int):
    """Attach a certificate's picture (licence, organic certificate, inspection report)."""
    supplier = supplier_for(supplier_id)
    form = CertificateForm()

    def refused(_error):
        form.discard_upload()
        return _supplier_page(supplier, status=422, certificate_form=form)

    certificate = commit_or_422(
        lambda: catalogue.add_certificate(supplier, form.title.data, form.valid_until.data, form.stored_path),
        refused,
        form,
    )
    # a query of its own, so that htmx's redirect loads the page (a #fragment alone only scrolls)
    return redirect_to(
        url_for("trace.supplier", supplier_id=supplier.id, added=certificate.id) + "#certificates"
    )


@bp.post("/trace/suppliers/<int:supplier_id>/certificates/<int:certificate_id>/delete")
@role_required(Role.ADMIN)
def certificate_delete(supplier_id: int, certificate_id: int):
    """Take a certificate off the supplier's page."""
    supplier = supplier_for(supplier_id)
    path = commit_or_422(
        lambda: catalogue.remove_certificate(supplier, certificate_id), lambda _error: abort(404)
    )
    delete_upload(path)
    return redirect_to(url_for("trace.supplier", supplier_id=supplier.id))


# --- products ---------------------------------------------------------------------------------


def _product_form_page(form, supplier, product=None, status=200):
    return render(
        "trace/product_form.html",
        "product_form",
        status=status,
        form=form,
        supplier=supplier,
        product=product,
    )


@bp.route("/trace/suppliers/<int:supplier_id>/products/new", methods=["GET", "POST"])
@community_required
def product_new(supplier_id: int):
    """Add a product of the supplier, with its own GTIN or one the portal assigns."""
    supplier = supplier_for(supplier_id, manage=True)
    form = ProductForm()
    if request.method == "GET":
        return _product_form_page(form, supplier)
    product = commit_or_422(
        lambda: catalogue.create_product(supplier, form.name.data, form.unit.data, form.gtin.data or ""),
        lambda _error: _product_form_page(form, supplier, status=422),
        form,
    )
    return redirect_to(url_for("trace.product", product_id=product.id))


@bp.route("/trace/products/<int:product_id>/edit", methods=["GET", "POST"])
@community_required
def product_edit(product_id: int):
    """Rename a product or change its unit."""
    product, supplier = product_for(product_id, manage=True)
    if request.method == "GET":
        return _product_form_page(ProductEditForm(obj=product), supplier, product)
    form = ProductEditForm()
    commit_or_422(
        lambda: catalogue.update_product(product, form.name.data, form.unit.data),
        lambda _error: _product_form_page(form, supplier, product, status=422),
        form,
    )
    return redirect_to(url_for("trace.product", product_id=product.id))


@bp.get("/trace/products/<int:product_id>")
@community_required
def product(product_id: int):
    """A product and its batches, newest first."""
    product, supplier = product_for(product_id)
    rows = catalogue.batches_page(current_membership(), requested_page(), product_id=product.id)
    return render(
        "trace/product.html",
        product=product,
        supplier=supplier,
        rows=rows,
        may_manage=may_manage(current_membership(), supplier),
    )


# --- batches ----------------------------------------------------------------------------------


def _batch_form_page(form, product, supplier, status=200):
    return render(
        "trace/batch_form.html", "batch_form", status=status, form=form, product=product, supplier=supplier
    )


@bp.route("/trace/products/<int:product_id>/batches/new", methods=["GET", "POST"])
@community_required
def batch_new(product_id: int):
    """Add a batch (lot) of the product: lot code, dates, quantity."""
    product, supplier = product_for(product_id, manage=True)
    form = BatchForm(product=product)
    if request.method == "GET":
        return _batch_form_page(form, product, supplier)
    batch = commit_or_422(
        lambda: catalogue.create_batch(product, form.batch_input()),
        lambda _error: _batch_form_page(form, product, supplier, status=422),
        form,
    )
    return redirect_to(url_for("trace.batch", batch_id=batch.id))
