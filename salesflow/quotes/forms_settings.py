"""Forms of the quote settings pages (admins): the product catalogue and the quote settings."""

from __future__ import annotations

from typing import Any

from django import forms

from salesflow.core.forms import ServiceForm, VersionedServiceForm
from salesflow.quotes.models import Product, QuoteSettings


class ProductForm(VersionedServiceForm):
    wide_fields = ("description",)
    fieldsets = [
        ("Product", ["name", "sku", "category", "description"]),
        ("Price", ["unit_price", "currency", "tax_rate"]),
        ("", ["is_active"]),
    ]

    class Meta:
        model = Product
        fields = [
            "name", "sku", "category", "description", "unit_price", "currency", "tax_rate",
            "is_active",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"is_active": "Active (offered on new quotes)"}
        help_texts = {"currency": "ISO code, e.g. EUR."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.record is None:
            del self.fields["is_active"]
            self.fields["currency"].required = False
            self.fields["currency"].help_text = "ISO code; the organisation's currency if empty."

    def values(self) -> dict[str, Any]:
        """The new product's fields; no currency means the organisation's (the service's)."""
        values = {
            name: self.cleaned_data[name] for name in self._meta.fields if name in self.fields
        }
        if not values.get("currency"):
            values.pop("currency", None)
        return values


class QuoteSettingsForm(ServiceForm):
    wide_fields = ("company_details",)
    fieldsets = [
        ("Approval and validity", ["approval_discount_threshold", "validity_days"]),
        ("Proposal header", ["company_name", "company_details"]),
    ]

    class Meta:
        model = QuoteSettings
        fields = ["approval_discount_threshold", "validity_days", "company_name", "company_details"]
        widgets = {"company_details": forms.Textarea(attrs={"rows": 4})}
        labels = {"validity_days": "Quotes valid for (days)"}
