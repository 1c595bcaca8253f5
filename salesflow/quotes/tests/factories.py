"""Valid defaults for the quotes tests; quotes themselves are made through the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory

from salesflow.quotes.models import Product, Quote
from salesflow.quotes.services import quote_create, quote_line_add


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Fleet tracker licence {n}")
    sku = factory.Sequence(lambda n: f"FT-{n:04d}")
    unit_price = Decimal("100.00")
    currency = "EUR"
    tax_rate = Decimal("20.00")


def quote_with_lines(deal: Any, *, acting_user: Any, lines: list[dict[str, Any]]) -> Quote:
    """A draft quote for the deal with the given lines; a line without a product or description
    is described as "Item n"."""
    quote = quote_create(deal, acting_user=acting_user)
    for index, line in enumerate(lines, start=1):
        if "product" not in line:
            line = {"description": f"Item {index}", **line}
        quote_line_add(quote, acting_user=acting_user, **line)
    quote.refresh_from_db()
    return quote
