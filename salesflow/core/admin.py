"""Admin site branding, the shared base for versioned records, and the site settings row."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from salesflow.core.models import ConfigVersion, SiteSettings

admin.site.site_header = "Salesflow administration"
admin.site.site_title = "Salesflow admin"
admin.site.index_title = "Data and settings"


# Users with the role admin may use every admin page: salesflow.users.backends.RoleBackend
# grants them every permission, so these bases need no permission code of their own.


class SalesflowAdmin(admin.ModelAdmin):
    """The base of every Salesflow model admin."""


class SalesflowTabularInline(admin.TabularInline):
    pass


class VersionedAdmin(SalesflowAdmin):
    """For VersionedModel rows: an admin save bumps `version`, like every service write.

    So a form opened in the app before the admin edit gets a conflict instead of silently
    overwriting it.
    """

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*super().get_readonly_fields(request, obj), "version", "created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            stored = type(obj)._default_manager.filter(pk=obj.pk).values_list("version", flat=True)
            obj.version = (stored.first() or obj.version) + 1
        super().save_model(request, obj, form, change)


OWNERSHIP_FIELDSET = ("Ownership and sharing", {"fields": ("owner", "team", "visibility")})
RECORD_FIELDSET = ("Record", {"fields": ("version", "created_at", "updated_at")})


def owned_list_filters(*extra: Any) -> tuple[Any, ...]:
    return (*extra, "team", "visibility")


@admin.register(SiteSettings)
class SiteSettingsAdmin(SalesflowAdmin):
    """One row (pk=1) of organisation-wide settings: it can be edited, never added twice."""

    list_display = ("__str__", "phone_region", "default_currency", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SiteSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(ConfigVersion)
class ConfigVersionAdmin(SalesflowAdmin):
    """The configuration cache's version token (docs/architecture.md): shown, never edited here.
    Every configuration save writes a new one; a restart of the app also drops every cache."""

    list_display = ("token", "changed_at")
    readonly_fields = ("token", "changed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False
