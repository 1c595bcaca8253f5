from __future__ import annotations

from django.contrib import admin

from salesflow.customfields.models import CustomField


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    """Read-only here: definitions change through the settings page, which checks values."""

    list_display = ("label", "kind", "key", "type", "archived_at")
    list_filter = ("kind", "type")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
