"""Admin site branding, the shared base for versioned records, and the site settings row."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from salesflow.core.models import SiteSettings

admin.site.site_header = "Salesflow administration"
admin.site.site_title = "Salesflow admin"
admin.site.index_title = "Data and settings"


class AdminRoleAccess:
    """Users with the Salesflow role admin may use every admin page, as superusers may.

    Django grants admin pages through per-model permissions, which `salesflow user create
    --role admin` does not hand out; other staff users still need those permissions.
    """

    def role_is_admin(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "is_admin", False))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.role_is_admin(request) or super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.role_is_admin(request) or super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.role_is_admin(request) or super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.role_is_admin(request) or super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.role_is_admin(request) or super().has_delete_permission(request, obj)  # type: ignore[misc]


class SalesflowAdmin(AdminRoleAccess, admin.ModelAdmin):
    """The base of every Salesflow model admin."""


class SalesflowTabularInline(AdminRoleAccess, admin.TabularInline):
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
