"""Products on a deal: adding, changing and removing its lines, and the amount that follows them.

Whoever may change the deal may change its lines. Every line change bumps the deal's `version`
(so `expected_version` guards the deal with its lines) and, when the deal's `amount_from_lines`
is on, sets the deal's amount to the lines' total in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.pipeline.models import Deal
from salesflow.quotes.models import DealLine, Product
from salesflow.quotes.selectors import deal_lines_total
from salesflow.users.services import record_require_write

DEAL_LINE_FIELDS = {"product", "quantity", "unit_price", "discount_percent"}


def _price_of(product: Product, deal: Deal, unit_price: Decimal | None) -> Decimal:
    if unit_price is not None:
        return unit_price
    if product.currency != deal.currency:
        raise ValidationError(
            {
                "unit_price": f"{product.name} is priced in {product.currency} and the deal is in "
                f"{deal.currency}: give the unit price in {deal.currency}."
            }
        )
    return product.unit_price


def _after_change(deal: Deal, *, expected_version: int | None) -> Deal:
    """Bump the deal's version for a change to its lines, and follow the total if asked."""
    changed = ["updated_at"]
    if deal.amount_from_lines:
        deal.amount = deal_lines_total(deal)
        changed.append("amount")
    return instance_save_versioned(deal, changed=changed, expected_version=expected_version)


@transaction.atomic
def deal_line_add(
    deal: Deal,
    *,
    acting_user: Any,
    product: Product,
    quantity: Decimal | int = 1,
    unit_price: Decimal | None = None,
    discount_percent: Decimal | int = 0,
    expected_version: int | None = None,
) -> DealLine:
    """Put a product on the deal; the unit price is the product's list price unless given."""
    record_require_write(acting_user, deal)
    if not product.is_active:
        raise ValidationError({"product": f"{product.name} is retired; choose an active product."})
    position = (deal.lines.aggregate(last=Max("position"))["last"] or 0) + 1
    line = DealLine(
        deal=deal,
        product=product,
        quantity=Decimal(quantity),
        unit_price=_price_of(product, deal, unit_price),
        discount_percent=Decimal(discount_percent),
        position=position,
    )
    line.full_clean()
    line.save()
    _after_change(deal, expected_version=expected_version)
    return line


@transaction.atomic
def deal_line_update(
    line: DealLine, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> DealLine:
    deal = line.deal
    record_require_write(acting_user, deal)
    product = data.get("product")
    if product is not None and product.pk != line.product_id and not product.is_active:
        raise ValidationError({"product": f"{product.name} is retired; choose an active product."})
    if fields_assign(line, data, allowed=DEAL_LINE_FIELDS):
        line.full_clean()
        line.save()
        _after_change(deal, expected_version=expected_version)
    return line


@transaction.atomic
def deal_line_remove(
    line: DealLine, *, acting_user: Any, expected_version: int | None = None
) -> None:
    deal = line.deal
    record_require_write(acting_user, deal)
    line.delete()
    _after_change(deal, expected_version=expected_version)


@transaction.atomic
def deal_amount_follow_lines(
    deal: Deal, *, acting_user: Any, follow: bool, expected_version: int | None = None
) -> Deal:
    """Make the deal's amount follow its lines' total (now and after every line change), or
    stop: the amount then stays as it is until someone types another."""
    record_require_write(acting_user, deal)
    deal.amount_from_lines = follow
    changed = ["amount_from_lines"]
    if follow:
        deal.amount = deal_lines_total(deal)
        changed.append("amount")
    return instance_save_versioned(deal, changed=changed, expected_version=expected_version)


@transaction.atomic
def deal_lines_replace(
    deal: Deal,
    *,
    acting_user: Any,
    lines: list[tuple[Product, Decimal, Decimal]],
    expected_version: int | None = None,
) -> Deal:
    """Make the deal's lines exactly `lines` [(product, quantity, unit price)], and its amount
    their total (an import re-run with another product). Nothing changes if they already are."""
    record_require_write(acting_user, deal)
    current = [(line.product_id, line.quantity, line.unit_price) for line in deal.lines.all()]
    wanted = [(product.pk, Decimal(qty), Decimal(price)) for product, qty, price in lines]
    if current == wanted and deal.amount_from_lines:
        return deal
    deal.lines.all().delete()
    new = [
        DealLine(deal=deal, product=product, quantity=qty, unit_price=price, position=position)
        for position, (product, qty, price) in enumerate(lines, start=1)
    ]
    for line in new:
        line.full_clean(exclude=["deal"])
    DealLine.objects.bulk_create(new)
    deal.amount_from_lines = True
    return _after_change(deal, expected_version=expected_version)


def deal_lines_bulk_create(lines: list[DealLine], *, batch_size: int = 2000) -> list[DealLine]:
    """Insert the lines of deals just written by `deals_create_with_history` (imports): the
    caller checked the rows and made the deals follow their lines."""
    for line in lines:
        if line.quantity <= 0:
            raise ValidationError({"quantity": "A product line needs a quantity above zero."})
    return DealLine.objects.bulk_create(lines, batch_size=batch_size)
