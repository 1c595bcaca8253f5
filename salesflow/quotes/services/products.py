"""The product catalogue and the quote settings: admins only."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from salesflow.core.selectors import site_settings
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.quotes.models import Product, QuoteSettings
from salesflow.quotes.selectors import quote_settings
from salesflow.users import policy

PRODUCT_FIELDS = {"name", "sku", "description", "unit_price", "currency", "tax_rate", "is_active"}
SETTINGS_FIELDS = {
    "approval_discount_threshold",
    "validity_days",
    "company_name",
    "company_details",
}


@transaction.atomic
def product_create(*, acting_user: Any, **data: Any) -> Product:
    policy.require_admin(acting_user)
    data.setdefault("currency", site_settings().default_currency)
    product = Product()
    fields_assign(product, data, allowed=PRODUCT_FIELDS)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def product_update(
    product: Product, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> Product:
    """Change a product. Quotes keep the price and tax they were written with."""
    policy.require_admin(acting_user)
    changed = fields_assign(product, data, allowed=PRODUCT_FIELDS)
    return instance_save_versioned(product, changed=changed, expected_version=expected_version)


@transaction.atomic
def quote_settings_update(*, acting_user: Any, **data: Any) -> QuoteSettings:
    policy.require_admin(acting_user)
    settings_row = quote_settings()
    if fields_assign(settings_row, data, allowed=SETTINGS_FIELDS):
        settings_row.full_clean()
        settings_row.save()
    return settings_row
