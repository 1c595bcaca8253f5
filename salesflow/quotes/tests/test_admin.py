from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.quotes.models import Product
from salesflow.quotes.selectors import quote_settings
from salesflow.quotes.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PRODUCT = {
    "name": "Tracker",
    "sku": "TR-1",
    "description": "",
    "unit_price": "49.90",
    "currency": "EUR",
    "tax_rate": "19",
    "is_active": "on",
}


def test_an_admin_adds_and_reprices_a_product_in_the_admin(admin_user):
    client = client_for(admin_user)

    response = client.post(reverse("admin:quotes_product_add"), PRODUCT)
    assert response.status_code == 302
    product = Product.objects.get(sku="TR-1")

    change_url = reverse("admin:quotes_product_change", args=[product.pk])
    response = client.post(change_url, {**PRODUCT, "unit_price": "45.00"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.unit_price == Decimal("45.00") and product.version == 2


def test_an_admin_sets_the_approval_threshold_in_the_admin(admin_user):
    response = client_for(admin_user).post(
        reverse("admin:quotes_quotesettings_add"),
        {"approval_discount_threshold": "20", "validity_days": "14", "company_name": "Northwind"},
    )
    assert response.status_code == 302
    assert quote_settings().approval_discount_threshold == Decimal("20")


def test_the_admin_pages_are_closed_to_reps(rep):
    product = ProductFactory()
    response = client_for(rep).get(reverse("admin:quotes_product_change", args=[product.pk]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
