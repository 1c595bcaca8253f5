"""Admin pages: admins keep the catalogue and the quote settings; quotes are read only here.

Saves go through the services, so the admin follows the same rules as every other caller.
Role admins hold every permission (salesflow.users.backends.RoleBackend).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from salesflow.core.admin import SalesflowAdmin
from salesflow.quotes import services
from salesflow.quotes.models import Product, Quote, QuoteLine, QuoteSettings, QuoteStatusChange


class RoleAdmin(SalesflowAdmin):
    """Admins only (their role grants the permissions); nothing is deleted here."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _changed_values(form: ModelForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data}


@admin.register(Product)
class ProductAdmin(RoleAdmin):
    list_display = ["name", "sku", "unit_price", "currency", "tax_rate", "is_active"]
    list_filter = ["is_active", "currency"]
    search_fields = ["name", "sku", "description"]
    fields = ["name", "sku", "description", "unit_price", "currency", "tax_rate", "is_active"]

    def save_model(self, request: HttpRequest, obj: Product, form: ModelForm, change: bool) -> None:
        if change:
            # The form has already written its values onto `obj`; the service needs the
            # stored row to see what changed.
            stored = Product.objects.get(pk=obj.pk)
            saved = services.product_update(
                stored, acting_user=request.user, **_changed_values(form)
            )
        else:
            saved = services.product_create(acting_user=request.user, **form.cleaned_data)
        obj.pk, obj.version = saved.pk, saved.version


@admin.register(QuoteSettings)
class QuoteSettingsAdmin(RoleAdmin):
    fields = ["approval_discount_threshold", "validity_days", "company_name", "company_details"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not QuoteSettings.objects.exists()

    def save_model(
        self, request: HttpRequest, obj: QuoteSettings, form: ModelForm, change: bool
    ) -> None:
        saved = services.quote_settings_update(acting_user=request.user, **form.cleaned_data)
        obj.pk = saved.pk


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False
    fields = ["position", "product", "description", "quantity", "unit_price", "discount_percent"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class QuoteStatusChangeInline(admin.TabularInline):
    model = QuoteStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "changed_by", "note"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Quote)
class QuoteAdmin(RoleAdmin):
    """For looking up a quote; changes happen on the deal's pages through the services."""

    list_display = ["__str__", "deal", "status", "currency", "valid_until", "sent_at"]
    list_filter = ["status", "currency"]
    search_fields = ["number", "deal__name", "deal__account__name"]
    list_select_related = ["deal"]
    inlines = [QuoteLineInline, QuoteStatusChangeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
