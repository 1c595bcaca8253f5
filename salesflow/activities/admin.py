from __future__ import annotations

from django.contrib import admin

from salesflow.activities.models import Activity, InvitationReason
from salesflow.core.admin import (
    OWNERSHIP_FIELDSET,
    RECORD_FIELDSET,
    VersionedAdmin,
    owned_list_filters,
)


@admin.register(Activity)
class ActivityAdmin(VersionedAdmin):
    list_display = ("subject", "type", "owner", "team", "due_at", "done_at", "deal", "lead")
    list_display += ("account",)
    list_filter = owned_list_filters("type", ("done_at", admin.EmptyFieldListFilter))
    list_select_related = ("owner", "team", "deal", "lead", "account")
    search_fields = ("subject", "body", "outcome")
    autocomplete_fields = ("lead", "deal", "contact", "account", "owner", "team")
    raw_id_fields = ("follows",)
    show_full_result_count = False  # counting a large table on every page is slow
    fieldsets = (
        (None, {"fields": ("type", "subject", "body", "outcome", "no_next_step_reason")}),
        ("Invitation", {"fields": ("invitation_reason", "invitation_outcome")}),
        ("When", {"fields": ("due_at", "done_at", "follows")}),
        ("About", {"fields": ("deal", "lead", "contact", "account")}),
        OWNERSHIP_FIELDSET,
        RECORD_FIELDSET,
    )


@admin.register(InvitationReason)
class InvitationReasonAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
