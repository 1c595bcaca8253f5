"""The product catalogue and the quote settings: admins only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from salesflow.core.selectors import site_settings
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.quotes.models import Product, QuoteSettings
from salesflow.quotes.selectors import quote_settings
from salesflow.users import policy

PRODUCT_FIELDS = {
    "name", "sku", "category", "description", "unit_price", "currency", "tax_rate", "is_active",
}  # fmt: skip
SETTINGS_FIELDS = {
    "approval_discount_threshold",
    "validity_days",
    "company_name",
    "company_details",
}


def _code_errors(product: Product) -> dict[str, str]:
    """Codes are optional; a code that is given names one product only."""
    product.sku = (product.sku or "").strip()
    if product.sku and Product.objects.filter(sku=product.sku).exclude(pk=product.pk).exists():
        return {"sku": f"Another product has the code {product.sku!r}."}
    return {}


def _code_check(product: Product) -> None:
    if errors := _code_errors(product):
        raise ValidationError(errors)


@transaction.atomic
def product_create(*, acting_user: Any, **data: Any) -> Product:
    policy.require_admin(acting_user)
    data.setdefault("currency", site_settings().default_currency)
    product = Product()
    fields_assign(product, data, allowed=PRODUCT_FIELDS)
    errors: dict[str, Any] = dict(_code_errors(product))
    try:
        # The code's conditional unique constraint is checked above, naming the field.
        product.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    product.save()
    return product


@transaction.atomic
def product_update(
    product: Product, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> Product:
    """Change a product. Quotes keep the price and tax they were written with."""
    policy.require_admin(acting_user)
    changed = fields_assign(product, data, allowed=PRODUCT_FIELDS)
    if "sku" in changed:
        _code_check(product)
    if "name" in changed:
        changed.append("name_key")  # Product.save() computes it
    return instance_save_versioned(product, changed=changed, expected_version=expected_version)


@transaction.atomic
def product_archive(
    product: Product, *, acting_user: Any, expected_version: int | None = None
) -> Product:
    """Retire a product: it is no longer offered on new quotes and deals; the lines that name
    it keep it."""
    return product_update(
        product, acting_user=acting_user, expected_version=expected_version, is_active=False
    )


@transaction.atomic
def product_restore(
    product: Product, *, acting_user: Any, expected_version: int | None = None
) -> Product:
    return product_update(
        product, acting_user=acting_user, expected_version=expected_version, is_active=True
    )


@transaction.atomic
def quote_settings_update(*, acting_user: Any, **data: Any) -> QuoteSettings:
    policy.require_admin(acting_user)
    settings_row = quote_settings()
    if fields_assign(settings_row, data, allowed=SETTINGS_FIELDS):
        settings_row.full_clean()
        settings_row.save()
    return settings_row
