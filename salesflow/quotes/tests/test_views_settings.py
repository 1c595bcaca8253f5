from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.quotes.models import Product
from salesflow.quotes.selectors import quote_settings

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args: object) -> str:
    return reverse(f"quote-settings:{name}", args=args)


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


@pytest.fixture
def product(db):
    return Product.objects.create(name="Fleet tracker", sku="FT-100", unit_price=Decimal("250"))


def product_data(**changes: object) -> dict[str, object]:
    data = {
        "name": "Route planner",
        "sku": "RP-1",
        "description": "Plans the day's routes.",
        "unit_price": "1200.00",
        "currency": "EUR",
        "tax_rate": "20",
    }
    return {**data, **changes}


@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_quote_settings_are_for_admins_only(persona, request, product):
    client = client_for(request.getfixturevalue(persona))
    for page in (url("product-list"), url("product-create"), url("product-edit", product.pk)):
        assert client.get(page).status_code == 403, page
    assert client.get(url("settings")).status_code == 403
    assert client.post(url("product-deactivate", product.pk)).status_code == 403
    assert client.post(url("settings"), {"approval_discount_threshold": "50"}).status_code == 403
    product.refresh_from_db()
    assert product.is_active and quote_settings().approval_discount_threshold == 15


def test_product_list_shows_the_catalogue(admin_client, product):
    content = admin_client.get(url("product-list")).content.decode()
    assert "Fleet tracker" in content and "EUR 250" in content and "15%" in content
    partial = admin_client.get(url("product-list"), **HTMX).content.decode()
    assert "Fleet tracker" in partial and "<html" not in partial


def test_admin_adds_a_product(admin_client):
    response = admin_client.post(url("product-create"), product_data(currency=""))
    assert response.status_code == 302
    product = Product.objects.get(sku="RP-1")
    assert product.unit_price == Decimal("1200") and product.currency == "EUR" and product.is_active


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"unit_price": "-5"}, "errorlist"),
        ({"tax_rate": "120"}, "errorlist"),
        ({"sku": "FT-100"}, "Another product has the code"),
        ({"name": ""}, "errorlist"),
    ],
)
def test_a_product_with_bad_input_is_not_added(admin_client, product, changes, error):
    response = admin_client.post(url("product-create"), product_data(**changes))
    assert response.status_code == 200 and error in response.content.decode()
    assert Product.objects.count() == 1


def test_admin_edits_and_deactivates_a_product(admin_client, product):
    data = product_data(
        name="Fleet tracker 2", sku="FT-100", version=product.version, is_active="on"
    )
    assert admin_client.post(url("product-edit", product.pk), data).status_code == 302
    product.refresh_from_db()
    assert product.name == "Fleet tracker 2" and product.unit_price == Decimal("1200")
    assert admin_client.post(url("product-deactivate", product.pk)).status_code == 302
    product.refresh_from_db()
    assert not product.is_active
    assert "Retired" in admin_client.get(url("product-list")).content.decode()


def test_a_stale_product_edit_is_refused(admin_client, product):
    data = product_data(sku="FT-100", version=product.version - 1 if product.version else 99)
    response = admin_client.post(url("product-edit", product.pk), data)
    assert response.status_code == 409 and "Someone else saved" in response.content.decode()
    product.refresh_from_db()
    assert product.name == "Fleet tracker"


def test_admin_changes_the_approval_threshold_and_company_header(admin_client):
    data = {
        "approval_discount_threshold": "10",
        "validity_days": "45",
        "company_name": "Salesflow Demo GmbH",
        "company_details": "Hauptstrasse 1, Berlin",
    }
    assert admin_client.post(url("settings"), data).status_code == 302
    row = quote_settings()
    assert row.approval_discount_threshold == 10 and row.validity_days == 45
    assert row.company_name == "Salesflow Demo GmbH"
    assert "Salesflow Demo GmbH" in admin_client.get(url("settings")).content.decode()


def test_a_threshold_above_100_is_not_saved(admin_client):
    data = {"approval_discount_threshold": "150", "validity_days": "30"}
    response = admin_client.post(url("settings"), data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert quote_settings().approval_discount_threshold == 15
