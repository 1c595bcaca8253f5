"""Products on deals: the lines, their total, the amount that follows it, the panel and the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from conftest import client_for
from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.core.errors import AccessDenied, ConflictError
from salesflow.quotes.models import DealLine, Product
from salesflow.quotes.selectors import deal_lines_total, products_named
from salesflow.quotes.services import (
    deal_amount_follow_lines,
    deal_line_add,
    deal_line_remove,
    deal_line_update,
    product_archive,
    product_create,
    product_update,
)
from salesflow.quotes.tests.factories import ProductFactory
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(rep):
    return DealFactory(owner=rep, amount=5000)


@pytest.fixture
def widget(db):
    return ProductFactory(
        name="Widget Pro", sku="WP-1", category="Widgets", unit_price=Decimal(250)
    )


def test_a_line_takes_the_list_price_and_the_total_counts_discounts(deal, rep, widget):
    line = deal_line_add(deal, acting_user=rep, product=widget, quantity=4)
    assert line.unit_price == Decimal(250)
    deal_line_add(
        deal, acting_user=rep, product=widget, quantity=2, unit_price=Decimal(100),
        discount_percent=10,
    )  # fmt: skip
    # 4 x 250 + 2 x 100 less 10% = 1000 + 180
    assert deal_lines_total(deal) == Decimal("1180.00")
    deal.refresh_from_db()
    assert deal.amount == Decimal(5000), "the typed amount stays until the deal follows its lines"


def test_the_amount_follows_the_lines_when_asked_and_stops_when_typed(deal, rep, widget):
    line = deal_line_add(deal, acting_user=rep, product=widget, quantity=2)
    deal.refresh_from_db()
    deal_amount_follow_lines(deal, acting_user=rep, follow=True)
    deal.refresh_from_db()
    assert deal.amount == Decimal(500)
    deal_line_update(line, acting_user=rep, quantity=Decimal(3))
    deal.refresh_from_db()
    assert deal.amount == Decimal(750)
    deal_line_remove(line, acting_user=rep)
    deal.refresh_from_db()
    assert deal.amount is None and deal.amount_from_lines
    from salesflow.pipeline.services import deal_update

    deal_update(deal, acting_user=rep, amount=Decimal(900))
    deal.refresh_from_db()
    assert deal.amount == Decimal(900) and not deal.amount_from_lines


def test_bad_lines_are_refused_and_nothing_changes(deal, rep, outsider, widget):
    with pytest.raises(ValidationError) as caught:
        deal_line_add(deal, acting_user=rep, product=widget, quantity=-1)
    assert "quantity" in caught.value.message_dict
    dollars = ProductFactory(name="US widget", currency="USD")
    with pytest.raises(ValidationError) as caught:
        deal_line_add(deal, acting_user=rep, product=dollars)
    assert "unit_price" in caught.value.message_dict
    product_archive(widget, acting_user=_admin())
    widget.refresh_from_db()
    with pytest.raises(ValidationError):
        deal_line_add(deal, acting_user=rep, product=widget)
    with pytest.raises(AccessDenied):
        deal_line_add(deal, acting_user=outsider, product=dollars, unit_price=Decimal(1))
    assert not DealLine.objects.exists()
    version = deal.version
    deal.refresh_from_db()
    assert deal.version == version


def test_a_stale_version_is_refused(deal, rep, widget):
    stale = deal.version
    deal_line_add(deal, acting_user=rep, product=widget, expected_version=stale)
    deal.refresh_from_db()
    with pytest.raises(ConflictError):
        deal_line_add(deal, acting_user=rep, product=widget, expected_version=stale)
    assert DealLine.objects.count() == 1


def _admin():
    from tests.factories import UserFactory

    return UserFactory(role="admin")


def test_products_are_found_by_code_or_by_name_ignoring_case_and_spacing(widget):
    assert products_named("WP-1") == [widget]
    assert products_named("  widget   PRO ") == [widget]
    assert products_named("Widget") == []


def test_codes_are_optional_but_unique(admin_user, widget):
    plain = product_create(acting_user=admin_user, name="Service day", unit_price=Decimal(800))
    assert plain.sku == "" and str(plain) == "Service day"
    product_create(acting_user=admin_user, name="Other day", unit_price=Decimal(1))
    with pytest.raises(ValidationError) as caught:
        product_create(acting_user=admin_user, name="Copy", sku="WP-1", unit_price=Decimal(1))
    assert "sku" in caught.value.message_dict
    product_update(plain, acting_user=admin_user, name="Service  DAY pack")
    plain.refresh_from_db()
    assert plain.name_key == "service day pack"


def test_the_deal_page_shows_and_changes_its_products(deal, rep, outsider, widget):
    client = client_for(rep)
    page = client.get(deal.get_absolute_url())
    assert "No products on this deal yet." in page.content.decode()
    answer = client.post(
        f"/quotes/deal/{deal.pk}/products/add/",
        {"dealline-product": widget.pk, "dealline-quantity": "3", "dealline-version": deal.version},
        headers={"HX-Request": "true"},
    )
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "Widget Pro" in html and "EUR 750" in html
    refused = client.post(
        f"/quotes/deal/{deal.pk}/products/add/",
        {
            "dealline-product": widget.pk,
            "dealline-quantity": "0",
            "dealline-version": deal.version + 1,
        },
    )
    assert "greater than zero" in refused.content.decode()
    assert DealLine.objects.count() == 1
    deal.refresh_from_db()
    client.post(
        f"/quotes/deal/{deal.pk}/products/amount/", {"follow": "on", "version": deal.version}
    )
    deal.refresh_from_db()
    assert deal.amount == Decimal(750) and deal.amount_from_lines
    stranger = client_for(outsider).post(
        f"/quotes/deal/{deal.pk}/products/add/",
        {"dealline-product": widget.pk, "dealline-quantity": "1", "dealline-version": deal.version},
    )
    assert stranger.status_code == 404
    assert DealLine.objects.count() == 1


def test_the_api_changes_products_and_deal_lines(deal, rep, admin_user, outsider, widget):
    admin = ApiClient(admin_user)
    made = admin.post("/products", {"name": "Gadget", "category": "Gadgets", "unit_price": "40"})
    assert made.status_code == 201, made.content
    gadget_id = made.json()["id"]
    assert ApiClient(rep).post("/products", {"name": "X", "unit_price": "1"}).status_code == 403
    assert not Product.objects.filter(name="X").exists()
    patched = admin.patch(f"/products/{gadget_id}", {"unit_price": "45", "sku": "WP-1"})
    assert invalid_fields(patched) == {"sku"}
    assert Product.objects.get(pk=gadget_id).unit_price == Decimal(40)

    api = ApiClient(rep)
    added = api.post(f"/deals/{deal.pk}/lines", {"product_id": gadget_id, "quantity": "2"})
    assert added.status_code == 201, added.content
    body = added.json()
    assert body["total"] == "80.00" and body["items"][0]["product_name"] == "Gadget"
    assert invalid_fields(
        api.post(f"/deals/{deal.pk}/lines", {"product_id": gadget_id, "quantity": "-1"})
    ) == {"quantity"}
    follow = api.put(f"/deals/{deal.pk}/lines/amount", {"follow": True})
    assert follow.json()["amount"] == "80.00"
    line_id = body["items"][0]["id"]
    assert api.patch(f"/deal-lines/{line_id}", {"quantity": "3"}).json()["amount"] == "120.00"
    assert ApiClient(outsider).patch(f"/deal-lines/{line_id}", {"quantity": "9"}).status_code == 404
    assert DealLine.objects.get(pk=line_id).quantity == 3
    archived = admin.post(f"/products/{gadget_id}/archive")
    assert archived.json()["is_active"] is False
    assert gadget_id not in {p["id"] for p in api.get("/products").json()["items"]}
    assert api.delete(f"/deal-lines/{line_id}").json()["items"] == []


def test_a_second_tab_with_a_stale_deal_is_told_and_adds_nothing(deal, rep, widget):
    client = client_for(rep)
    stale = deal.version
    first = {"dealline-product": widget.pk, "dealline-quantity": "1", "dealline-version": stale}
    client.post(f"/quotes/deal/{deal.pk}/products/add/", first)
    second = client.post(
        f"/quotes/deal/{deal.pk}/products/add/", {**first, "dealline-quantity": "5"}
    )
    assert "changed by someone else" in second.content.decode()
    assert [line.quantity for line in DealLine.objects.all()] == [Decimal(1)]
