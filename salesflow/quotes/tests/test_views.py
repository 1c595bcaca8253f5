from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.quotes.services import quote_settings_update, quote_update
from salesflow.quotes.tests.factories import ProductFactory, quote_with_lines
from tests.factories import AccountFactory, ContactFactory, DealFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def quote(rep, admin_user):
    quote_settings_update(
        acting_user=admin_user, company_name="Northwind Trackers GmbH", company_details="Berlin"
    )
    account = AccountFactory(owner=rep, name="Acme Logistics")
    contact = ContactFactory(owner=rep, account=account, first_name="Ada", last_name="Byrne")
    deal = DealFactory(owner=rep, account=account, primary_contact=contact, name="Fleet rollout")
    tracker = ProductFactory(name="GPS tracker unit", sku="TR-1", unit_price=D("1234.50"))
    quote = quote_with_lines(
        deal,
        acting_user=rep,
        lines=[
            {"product": tracker, "quantity": 10, "discount_percent": 10, "tax_rate": 19},
            {"description": "Installation", "unit_price": D("2.50"), "tax_rate": D("5")},
        ],
    )
    quote_update(quote, acting_user=rep, notes="Delivery within four weeks of signing.")
    return quote


def url_of(quote) -> str:
    return reverse("quotes:quote-print", args=[quote.pk])


def test_the_proposal_shows_customer_lines_totals_and_validity(rep, quote):
    response = client_for(rep).get(url_of(quote))

    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Northwind Trackers GmbH",
        "Acme Logistics",
        "Ada Byrne",
        f"{quote.number}",
        "GPS tracker unit",
        "TR-1",
        "Installation",
        # 10 x 1,234.50 = 12,345.00, less 10% = 11,110.50; tax 2,110.995 -> 2,111.00 (+0.13)
        "11,110.50",
        "EUR 12,347.50",  # subtotal
        "EUR 1,234.50",  # discounts
        "EUR 2,111.13",  # tax
        "EUR 13,224.13",  # total
        "Delivery within four weeks of signing.",
        quote.valid_until.strftime("%B %Y"),
    ):
        assert text in page, text
    assert 'class="site-header' in page  # inside the site's layout


def test_the_print_version_stands_alone_with_print_css_and_no_inline_code(rep, quote):
    response = client_for(rep).get(url_of(quote), {"print": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "site-header" not in page
    assert "quotes/print.css" in page and "EUR 13,224.13" in page
    assert "style=" not in page and "<style" not in page
    assert "<script>" not in page and "onclick" not in page


def test_the_print_stylesheet_has_print_rules(rep, quote):
    from django.contrib.staticfiles import finders

    css = open(finders.find("quotes/print.css"), encoding="utf-8").read()  # noqa: SIM115
    assert "@media print" in css


def test_a_teammate_and_the_manager_may_open_the_proposal(teammate, manager, quote):
    for user in (teammate, manager):
        assert client_for(user).get(url_of(quote)).status_code == 200


def test_an_outsider_gets_404(outsider, quote):
    assert client_for(outsider).get(url_of(quote)).status_code == 404
    assert client_for(outsider).get(url_of(quote), {"print": "1"}).status_code == 404


def test_signing_in_is_required(client, quote):
    response = client.get(url_of(quote))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_proposal_page_only_reads(rep, quote):
    assert client_for(rep).post(url_of(quote)).status_code == 405
