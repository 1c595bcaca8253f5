"""The forms of the deal page's products panel."""

from __future__ import annotations

from typing import Any

from django import forms

from salesflow.core.forms import ActionForm
from salesflow.core.panels import page_config
from salesflow.pipeline.forms import choices_from_rows
from salesflow.pipeline.models import Deal
from salesflow.quotes.forms import money_field, percent_field, quantity_field
from salesflow.quotes.models import Product
from salesflow.quotes.selectors import products_active


class VersionedDealForm(ActionForm):
    """Every line change is guarded by the deal's version (two people editing the same deal)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deal = deal
        self.fields["version"].initial = deal.version


def deal_product_label(product: Product) -> str:
    price = f"{product.currency} {product.unit_price:,.2f}"
    category = f" · {product.category}" if product.category else ""
    return f"{product}{category} · {price}"


class DealLineAddForm(VersionedDealForm):
    prefix = "dealline"
    product = forms.ModelChoiceField(queryset=Product.objects.none(), empty_label="Choose…")
    quantity = quantity_field()
    unit_price = money_field("Unit price")
    discount_percent = percent_field("Discount (%)")

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, deal=deal, **kwargs)
        self.fields["product"].queryset = products_active().order_by("category", "name")
        self.fields["product"].label_from_instance = deal_product_label
        # Drawn on the deal page from the configuration cache; a submitted choice is still
        # checked against the catalogue in the database.
        choices_from_rows(
            self.fields["product"],
            lambda: page_config(
                deal,
                "products_by_category",
                lambda: list(products_active().order_by("category", "name")),
            ),
        )
        self.fields["unit_price"].help_text = f"In {deal.currency}; the list price when empty."

    def values(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "version" and value not in (None, "")
        }


class DealLineEditForm(VersionedDealForm):
    line = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    quantity = quantity_field()
    unit_price = money_field("Unit price", required=True)
    discount_percent = percent_field("Discount (%)", required=True)

    def __init__(self, *args: Any, deal: Deal, row: Any = None, **kwargs: Any) -> None:
        row_id = row.pk if row is not None else (args[0].get("line") if args else "")
        kwargs.setdefault("auto_id", f"id_dealline_{row_id}_%s")
        if row is not None and not args:
            kwargs.setdefault(
                "initial",
                {
                    "line": row.pk,
                    "quantity": row.quantity,
                    "unit_price": row.unit_price,
                    "discount_percent": row.discount_percent,
                },
            )
        super().__init__(*args, deal=deal, **kwargs)
        self.fields["line"].queryset = deal.lines.all()

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("line", "version")}


class DealLinePickForm(VersionedDealForm):
    line = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, deal=deal, **kwargs)
        self.fields["line"].queryset = deal.lines.all()


class DealAmountFollowForm(VersionedDealForm):
    follow = forms.BooleanField(required=False, label="The deal amount follows the lines' total")
