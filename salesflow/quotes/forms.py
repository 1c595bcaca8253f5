"""Forms of the quote page. Each carries the quote's `version`, so an edit made on a stale page
is refused instead of overwriting someone else's change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from salesflow.core.forms import ActionForm, DateInput
from salesflow.core.templatetags.salesflow_ui import money
from salesflow.quotes.models import Product, Quote
from salesflow.quotes.selectors import products_active

MORE_THAN_ZERO = "Enter a quantity greater than zero."


def percent_field(label: str, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )


def money_field(label: str, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )


def _more_than_zero(quantity: Decimal) -> None:
    if quantity is not None and quantity <= 0:
        raise forms.ValidationError(MORE_THAN_ZERO)


def quantity_field() -> forms.DecimalField:
    """A line's quantity (quotes and deals): above zero, said in the sales words."""
    return forms.DecimalField(
        label="Quantity",
        max_digits=12,
        decimal_places=2,
        initial=1,
        validators=[_more_than_zero],
        widget=forms.NumberInput(attrs={"step": "any"}),
    )


def product_label(product: Product) -> str:
    """E.g. "GPS tracker (TR-1) · EUR 1,234.50 · tax 19%": what the line takes from it."""
    price = money(product.unit_price, product.currency)
    return f"{product} · {price} · tax {product.tax_rate.normalize():f}%"


class VersionedQuoteForm(ActionForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, quote: Quote, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quote = quote
        self.fields["version"].initial = quote.version


class QuoteTermsForm(VersionedQuoteForm):
    prefix = "terms"
    discount_percent = percent_field("Quote discount (%)")
    valid_until = forms.DateField(required=False, widget=DateInput(), label="Valid until")
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Printed on the proposal.",
    )

    def __init__(self, *args: Any, quote: Quote, **kwargs: Any) -> None:
        if not args:
            kwargs.setdefault(
                "initial",
                {
                    "discount_percent": quote.discount_percent,
                    "valid_until": quote.valid_until,
                    "notes": quote.notes,
                },
            )
        super().__init__(*args, quote=quote, **kwargs)

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version")
        if data["discount_percent"] is None:
            data["discount_percent"] = Decimal(0)
        return data


class QuoteLineAddForm(VersionedQuoteForm):
    """A line from the catalogue (its name, price and tax fill what is left empty) or typed."""

    prefix = "line"
    product = forms.ModelChoiceField(
        queryset=Product.objects.none(), required=False, empty_label="No product: type the line"
    )
    description = forms.CharField(
        required=False, help_text="The product's name when empty.", max_length=2000
    )
    quantity = quantity_field()
    unit_price = money_field("Unit price")
    discount_percent = percent_field("Discount (%)")
    tax_rate = percent_field("Tax rate (%)")

    def __init__(self, *args: Any, quote: Quote, **kwargs: Any) -> None:
        super().__init__(*args, quote=quote, **kwargs)
        self.fields["product"].queryset = products_active().order_by("name", "sku")
        self.fields["product"].label_from_instance = product_label
        self.fields["unit_price"].help_text = "The product's price when empty."
        self.fields["tax_rate"].help_text = "The product's rate when empty."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("product") is None:
            if not (data.get("description") or "").strip():
                self.add_error("description", "Describe the line, or choose a product.")
            if data.get("unit_price") is None and "unit_price" not in self.errors:
                self.add_error("unit_price", "Give the unit price, or choose a product.")
        return data

    def values(self) -> dict[str, Any]:
        """The filled fields only, so the service takes the rest from the product."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "version" and value not in (None, "")
        }


class QuoteLineEditForm(VersionedQuoteForm):
    line = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    description = forms.CharField(max_length=2000)
    quantity = quantity_field()
    unit_price = money_field("Unit price", required=True)
    discount_percent = percent_field("Discount (%)", required=True)
    tax_rate = percent_field("Tax rate (%)", required=True)

    def __init__(self, *args: Any, quote: Quote, row: Any = None, **kwargs: Any) -> None:
        row_id = row.pk if row is not None else (args[0].get("line") if args else "")
        kwargs.setdefault("auto_id", f"id_line_{row_id}_%s")
        if row is not None and not args:
            kwargs.setdefault(
                "initial",
                {
                    "line": row.pk,
                    "description": row.description,
                    "quantity": row.quantity,
                    "unit_price": row.unit_price,
                    "discount_percent": row.discount_percent,
                    "tax_rate": row.tax_rate,
                },
            )
        super().__init__(*args, quote=quote, **kwargs)
        self.fields["line"].queryset = quote.lines.all()

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("line", "version")}


class QuoteLinePickForm(VersionedQuoteForm):
    line = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args: Any, quote: Quote, **kwargs: Any) -> None:
        super().__init__(*args, quote=quote, **kwargs)
        self.fields["line"].queryset = quote.lines.all()


class QuoteActionForm(VersionedQuoteForm):
    """A status move: submit, approve, decline, send, accept, reject or revise."""

    note = forms.CharField(required=False, max_length=2000)
