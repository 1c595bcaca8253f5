"""Admin pages of follow-up: tier rules, and (read only) follow-up tasks, digests sent and
calendar feeds (the feed's secret is never shown)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from salesflow.core.admin import SalesflowAdmin, VersionedAdmin
from salesflow.followup.models import CalendarFeed, DigestSent, FollowupTask, TierRule


@admin.register(TierRule)
class TierRuleAdmin(VersionedAdmin):
    list_display = ("__str__", "tier", "metric", "threshold", "months", "is_active")
    list_filter = ("is_active", "metric", "tier")
    list_select_related = ("tier",)


class ReadOnlyAdmin(SalesflowAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FollowupTask)
class FollowupTaskAdmin(ReadOnlyAdmin):
    list_display = ("account", "due_on", "activity", "created_at")
    list_select_related = ("account", "activity")
    date_hierarchy = "due_on"


@admin.register(DigestSent)
class DigestSentAdmin(ReadOnlyAdmin):
    list_display = ("user", "day", "items", "sent_at")
    list_select_related = ("user",)
    date_hierarchy = "day"


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ("user", "created_at", "updated_at")
    list_select_related = ("user",)
    exclude = ("token",)
