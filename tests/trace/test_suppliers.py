"""Suppliers and products on the staff side: who may do what, the supplier form (contact member by
number, leaders, certificates), products with a checked or assigned GTIN."""

import pytest
import sqlalchemy as sa

from portal.core.db import db
from portal.trace import services
from portal.trace.models import Product, Supplier, SupplierCertificate
from tests.trace.helpers import Town, make_product, make_supplier, picture_file

EN = {"Accept-Language": "en"}


@pytest.fixture
def town(app, make):
    return Town(make)


def _membership(user, community):
    from portal.community.models import Membership

    return db.session.scalar(
        sa.select(Membership).where(Membership.user_id == user.id, Membership.community_id == community.id)
    )


def test_the_management_rule_and_the_role_recorded(town):
    supplier, community = town.supplier, town.community
    rule = {
        name: (
            services.may_manage(_membership(user, community), supplier),
            services.recorder_role(_membership(user, community), supplier),
        )
        for name, user in [
            ("admin", town.admin),
            ("leader", town.leader),
            ("other_leader", town.other_leader),
            ("resident", town.resident),
            ("contact", town.contact),
        ]
    }
    assert rule == {
        "admin": (True, "admin"),
        "leader": (True, "leader"),
        "other_leader": (False, None),
        "resident": (False, None),
        "contact": (True, "supplier"),
    }
    assert not services.may_manage(_membership(town.outsider_admin, town.other), supplier)


def test_a_leader_who_lost_the_role_may_no_longer_manage(town):
    from portal.community.models import Role

    membership = _membership(town.leader, town.community)
    membership.roles = Role.RESIDENT
    db.session.commit()
    assert not services.may_manage(membership, town.supplier)


@pytest.mark.parametrize(
    ("who", "page", "product_form"),
    [
        ("admin", 200, 200),
        ("leader", 200, 200),
        ("other_leader", 200, 403),
        ("contact", 200, 200),
        ("resident", 403, 403),
        ("outsider_admin", 404, 404),
    ],
)
def test_pages_answer_by_the_rule(town, auth, who, page, product_form):
    client = auth.login(getattr(town, who))
    assert client.get(f"/trace/suppliers/{town.supplier.id}").status_code == page
    assert client.get(f"/trace/suppliers/{town.supplier.id}/products/new").status_code == product_form
    assert client.get(f"/trace/products/{town.product.id}/batches/new").status_code == product_form
    assert client.get(f"/trace/batches/{town.batch.id}").status_code == page


def test_the_contact_phone_is_on_the_staff_page(town, auth):
    body = auth.login(town.leader).get(f"/trace/suppliers/{town.supplier.id}").get_data(as_text=True)
    assert "13900001111" in body and "阳山水蜜桃" in body


def test_a_resident_with_no_supplier_has_no_list(town, auth):
    assert auth.login(town.resident).get("/trace/suppliers").status_code == 403
    contact_list = auth.login(town.contact).get("/trace/suppliers")
    assert contact_list.status_code == 200 and town.supplier.name in contact_list.get_data(as_text=True)


def _supplier_form(**fields):
    data = {
        "name": "茶山合作社",
        "kind": "coop",
        "region": "福建 武夷山",
        "description": "高山茶园",
        "contact_name": "林师傅",
        "contact_phone": "0599-5551234",
        "contact_member_phone": "",
    }
    data.update(fields)
    return data


def test_an_admin_adds_a_supplier_with_its_contact_member_and_leaders(town, auth):
    client = auth.login(town.admin)
    form = _supplier_form(
        contact_member_phone=town.resident.phone, leaders=[town.leader.id, town.other_leader.id]
    )
    response = client.post("/trace/suppliers/new", data=form)
    assert response.status_code == 303
    supplier = db.session.scalar(sa.select(Supplier).where(Supplier.name == "茶山合作社"))
    assert response.headers["Location"].endswith(f"/trace/suppliers/{supplier.id}")
    assert supplier.contact_user_id == town.resident.id
    assert {u.id for u in supplier.leaders} == {town.leader.id, town.other_leader.id}
    assert supplier.community_id == town.community.id
    resident = _membership(town.resident, town.community)
    assert services.recorder_role(resident, supplier) == "supplier"


def test_the_supplier_form_refuses_with_every_error_at_once(town, auth):
    client = auth.login(town.admin)
    response = client.post(
        "/trace/suppliers/new",
        data=_supplier_form(
            name="", contact_phone="call me", contact_member_phone="123", leaders=[town.resident.id]
        ),
        headers=EN,
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "This field is required." in body
    assert "Digits, spaces, + and - only." in body
    assert "Enter an 11-digit mobile number." in body
    assert "is not a valid choice" in body  # a resident is not among the leaders offered
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 1


def test_a_contact_number_of_no_member_is_refused_in_place(town, auth, make):
    stranger = make.user()  # has an account, but is not a member here
    response = auth.login(town.admin).post(
        "/trace/suppliers/new", data=_supplier_form(contact_member_phone=stranger.phone), headers=EN
    )
    assert response.status_code == 422
    assert "No member of this community has this mobile number." in response.get_data(as_text=True)


def test_a_supplier_name_is_unique_in_the_community(town, auth):
    response = auth.login(town.admin).post(
        "/trace/suppliers/new", data=_supplier_form(name=town.supplier.name), headers=EN
    )
    assert response.status_code == 422
    assert "A supplier with this name exists already." in response.get_data(as_text=True)


def test_editing_keeps_the_contact_unless_cleared(town, auth):
    client = auth.login(town.admin)
    url = f"/trace/suppliers/{town.supplier.id}/edit"
    assert client.get(url).status_code == 200
    assert (
        client.post(url, data=_supplier_form(name="阳山桃农合作社", leaders=[town.leader.id])).status_code
        == 303
    )
    db.session.expire_all()
    assert town.supplier.contact_user_id == town.contact.id and town.supplier.name == "阳山桃农合作社"
    assert client.post(url, data=_supplier_form(no_contact_member="y")).status_code == 303
    db.session.expire_all()
    assert town.supplier.contact_user_id is None and town.supplier.leaders == []


def test_only_admins_edit_a_supplier(town, auth):
    for user in (town.leader, town.contact):
        assert auth.login(user).get(f"/trace/suppliers/{town.supplier.id}/edit").status_code == 403
    assert auth.login(town.outsider_admin).get(f"/trace/suppliers/{town.supplier.id}/edit").status_code == 404


def test_a_certificate_is_a_picture(town, auth):
    client = auth.login(town.admin)
    url = f"/trace/suppliers/{town.supplier.id}/certificates"
    refused = client.post(
        url,
        data={"title": "", "valid_until": "2027-01-01", "picture": picture_file("x.png", b"not a picture")},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "This field is required." in body and "This file is not a picture" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupplierCertificate)) == 0
    added = client.post(
        url,
        data={"title": "绿色食品证书", "valid_until": "2027-01-01", "picture": picture_file()},
        content_type="multipart/form-data",
    )
    assert added.status_code == 303
    certificate = db.session.scalar(sa.select(SupplierCertificate))
    assert certificate.title == "绿色食品证书" and certificate.path.startswith("trace/")
    page = client.get(f"/trace/suppliers/{town.supplier.id}").get_data(as_text=True)
    assert certificate.path in page and "绿色食品证书" in page
    removed = client.post(f"/trace/suppliers/{town.supplier.id}/certificates/{certificate.id}/delete")
    assert removed.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupplierCertificate)) == 0


def test_a_certificate_of_another_supplier_cannot_be_removed_here(town, auth):
    other = make_supplier(town.community, name="另一家")
    certificate = SupplierCertificate(
        supplier_id=other.id, title="证书", path="trace/abcdefghijklmnopqrstuv.webp"
    )
    db.session.add(certificate)
    db.session.commit()
    response = auth.login(town.admin).post(
        f"/trace/suppliers/{town.supplier.id}/certificates/{certificate.id}/delete"
    )
    assert response.status_code == 404
    assert db.session.get(SupplierCertificate, certificate.id) is not None


# --- products and GTINs -------------------------------------------------------------------------


def test_gtin_check_digits():
    assert services.gtin_check_digit("0950600013435") == "2"  # GS1's worked example (09506000134352)
    assert services.is_gtin14("09506000134352")
    assert not services.is_gtin14("09506000134353")
    assert not services.is_gtin14("0950600013435")
    assigned = services.assigned_gtin(42)
    assert assigned.startswith("020") and services.is_gtin14(assigned)


def test_a_product_without_a_gtin_gets_the_portal_s_own(town, auth):
    response = auth.login(town.leader).post(
        f"/trace/suppliers/{town.supplier.id}/products/new",
        data={"name": "阳山黄桃", "unit": "箱", "gtin": ""},
    )
    assert response.status_code == 303
    product = db.session.scalar(sa.select(Product).where(Product.name == "阳山黄桃"))
    assert product.gtin == services.assigned_gtin(product.id)


def test_a_typed_gtin_is_checked_and_an_ean13_padded(town, auth):
    client = auth.login(town.contact)
    url = f"/trace/suppliers/{town.supplier.id}/products/new"
    wrong = client.post(url, data={"name": "桃干", "unit": "袋", "gtin": "09506000134353"}, headers=EN)
    assert wrong.status_code == 422
    assert "check digit does not match" in wrong.get_data(as_text=True)
    own_range = client.post(
        url, data={"name": "桃干", "unit": "袋", "gtin": services.assigned_gtin(999)}, headers=EN
    )
    assert own_range.status_code == 422 and "the portal&#39;s own" in own_range.get_data(as_text=True)
    ean13 = client.post(url, data={"name": "桃干", "unit": "袋", "gtin": "9506000134352"})
    assert ean13.status_code == 303
    assert db.session.scalar(sa.select(Product.gtin).where(Product.name == "桃干")) == "09506000134352"
    again = client.post(url, data={"name": "桃酱", "unit": "瓶", "gtin": "09506000134352"}, headers=EN)
    assert again.status_code == 422 and "Another product has this GTIN." in again.get_data(as_text=True)


def test_the_product_form_shows_every_error_at_once(town, auth):
    response = auth.login(town.admin).post(
        f"/trace/suppliers/{town.supplier.id}/products/new",
        data={"name": "", "unit": "", "gtin": "12"},
        headers=EN,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.count("This field is required.") == 2 and "A GTIN has 8, 12, 13 or 14 digits." in body


def test_a_product_is_renamed_but_keeps_its_gtin(town, auth):
    gtin = town.product.gtin
    response = auth.login(town.leader).post(
        f"/trace/products/{town.product.id}/edit",
        data={"name": "阳山水蜜桃 (大果)", "unit": "箱", "gtin": "123"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert town.product.name == "阳山水蜜桃 (大果)" and town.product.gtin == gtin


def test_another_leader_cannot_add_a_product(town, auth):
    response = auth.login(town.other_leader).post(
        f"/trace/suppliers/{town.supplier.id}/products/new", data={"name": "偷偷加", "unit": "箱"}
    )
    assert response.status_code == 403
    assert db.session.scalar(sa.select(Product).where(Product.name == "偷偷加")) is None


def test_the_supplier_page_lists_products_with_their_batch_counts(town, auth):
    make_product(town.supplier, name="阳山黄桃")
    body = auth.login(town.admin).get(f"/trace/suppliers/{town.supplier.id}").get_data(as_text=True)
    assert "阳山黄桃" in body and town.product.gtin in body
    assert f"/trace/batches?supplier={town.supplier.id}" in body


def test_a_contact_member_finds_their_supplier_on_their_account_page(town, auth):
    mine = auth.login(town.contact).get("/me", headers=EN).get_data(as_text=True)
    assert "Suppliers I speak for" in mine and f"/trace/suppliers/{town.supplier.id}" in mine
    theirs = auth.login(town.resident).get("/me", headers=EN).get_data(as_text=True)
    assert "Suppliers I speak for" not in theirs
