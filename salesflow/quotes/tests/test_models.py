from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from salesflow.quotes.models import Product, Quote, QuoteLine, QuoteSettings
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quote(rep):
    return Quote.objects.create(deal=DealFactory(owner=rep), number="Q-2026-0001")


@pytest.mark.parametrize(
    "values",
    [
        {"quantity": Decimal("0")},
        {"quantity": Decimal("-1")},
        {"discount_percent": Decimal("100.5")},
        {"discount_percent": Decimal("-1")},
        {"unit_price": Decimal("-1")},
        {"tax_rate": Decimal("101")},
    ],
)
def test_the_database_refuses_impossible_lines(quote, values):
    line = {"description": "Tracker", "quantity": 1, "unit_price": 10, **values}
    with pytest.raises(IntegrityError), transaction.atomic():
        QuoteLine.objects.create(quote=quote, **line)


def test_the_database_refuses_a_second_current_revision(quote):
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.create(deal=quote.deal, number=quote.number, revision=2)


def test_the_database_refuses_a_sent_quote_without_sent_at(quote):
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.filter(pk=quote.pk).update(status="sent")


def test_the_database_refuses_negative_product_prices():
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(name="Tracker", sku="T", unit_price=-1)


def test_quote_settings_is_a_single_row():
    with pytest.raises(IntegrityError), transaction.atomic():
        QuoteSettings.objects.create(pk=2)


def test_models_and_migrations_agree():
    call_command("makemigrations", "quotes", "--check", "--dry-run", verbosity=0)
