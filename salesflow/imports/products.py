"""The products kind: the catalogue, from a price list or another CRM's product export.

Only an admin may run it (`import_kind_allow` refuses others before a job exists; the handler
checks again). A row matches a product by its code (SKU) when it has one, else by its name
ignoring case and spacing; products are written through the quotes app's services.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from salesflow.core.normalize import name_key
from salesflow.imports.kinds import CREATED, UNCHANGED, UPDATED, Handler, changes_of
from salesflow.imports.mapping import MappedRow
from salesflow.imports.resolver import RowProblem
from salesflow.quotes.models import Product
from salesflow.quotes.services import product_create, product_update

PRODUCT_FIELDS = ("name", "sku", "category", "description", "unit_price", "currency", "tax_rate",
                  "is_active")  # fmt: skip
ADMINS_ONLY = "Only an admin may import products."


class ProductHandler(Handler):
    model = Product

    def key(self, row: MappedRow) -> tuple[Any, ...] | None:
        if row.values.get("sku"):
            return ("sku", row.values["sku"].strip())
        if row.values.get("name"):
            return ("name", name_key(row.values["name"]))
        return None

    def prefetch(self, rows: Iterable[MappedRow]) -> dict[tuple[Any, ...], Any]:
        codes, names = set(), set()
        for row in rows:
            if row.values.get("sku"):
                codes.add(row.values["sku"].strip())
            if row.values.get("name"):
                names.add(name_key(row.values["name"]))
        found: dict[tuple[Any, ...], Any] = {}
        if not codes and not names:
            return found
        for product in Product.objects.filter(Q(sku__in=codes) | Q(name_key__in=names)).order_by(
            "pk"
        ):
            if product.sku:
                found.setdefault(("sku", product.sku), product)
            found.setdefault(("name", product.name_key), []).append(product)
        return found

    def _by_name(self, row: MappedRow, known: dict[tuple[Any, ...], Any]) -> Product | None:
        matches = known.get(("name", name_key(row.values.get("name", ""))), [])
        if isinstance(matches, Product):
            return matches
        if len(matches) > 1:
            codes = ", ".join(p.sku or f"#{p.pk}" for p in matches)
            raise RowProblem(
                "name",
                f"{len(matches)} products are called {row.values['name']!r} (codes {codes}); "
                "map a code column so the row names one.",
            )
        return matches[0] if matches else None

    def write(self, row: MappedRow, known: dict[tuple[Any, ...], Any]) -> str:
        acting_user = self.ctx.acting_user
        if not acting_user.is_admin:
            raise ValidationError(ADMINS_ONLY)
        values = row.values
        if not values.get("name"):
            raise RowProblem("name", "A product needs a name.")
        key = self.key(row)
        product = known.get(key) if key and key[0] == "sku" else None
        if product is None:
            product = self._by_name(row, known)
            # A product found by name with another code is another product.
            if product is not None and values.get("sku") and product.sku not in ("", key[1]):
                product = None
        if product is None:
            data = {name: values[name] for name in PRODUCT_FIELDS if name in values}
            if "unit_price" not in data:
                raise RowProblem("unit_price", "A new product needs a list price.")
            product = product_create(acting_user=acting_user, **data)
            action = CREATED
        else:
            data = {name: values[name] for name in PRODUCT_FIELDS if name in row.from_file}
            changes = changes_of(product, data)
            if changes:
                product_update(product, acting_user=acting_user, **changes)
            action = UPDATED if changes else UNCHANGED
        if product.sku:
            known[("sku", product.sku)] = product
        known[("name", product.name_key)] = product
        return action
