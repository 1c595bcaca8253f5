from __future__ import annotations

from django.contrib import admin

from salesflow.core.admin import SalesflowAdmin, SalesflowTabularInline
from salesflow.playbooks.models import (
    ChecklistItem,
    DealObjection,
    LibraryResponse,
    NextActionRule,
    Question,
    QuestionSet,
)


@admin.register(ChecklistItem)
class ChecklistItemAdmin(SalesflowAdmin):
    list_display = ("label", "stage", "position", "is_active")
    list_filter = ("is_active", "stage__pipeline")
    list_select_related = ("stage", "stage__pipeline")


class QuestionInline(SalesflowTabularInline):
    model = Question
    fields = ("position", "text", "hint", "is_active")
    ordering = ("position",)
    extra = 0


@admin.register(QuestionSet)
class QuestionSetAdmin(SalesflowAdmin):
    list_display = ("name", "stage", "is_active")
    list_filter = ("is_active",)
    inlines = (QuestionInline,)


@admin.register(NextActionRule)
class NextActionRuleAdmin(SalesflowAdmin):
    list_display = ("state", "action", "activity_type", "due_in_days", "is_active")
    list_filter = ("is_active", "state")


@admin.register(LibraryResponse)
class LibraryResponseAdmin(SalesflowAdmin):
    """Retire an answer (uncheck active) rather than delete it: its uses feed the win rates."""

    list_display = ("title", "category", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("title", "response")


@admin.register(DealObjection)
class DealObjectionAdmin(SalesflowAdmin):
    """Read here; logged and answered in the app."""

    list_display = ("deal", "category", "status", "library_response", "logged_at")
    list_filter = ("category", "status")
    list_select_related = ("deal", "library_response")
    raw_id_fields = ("deal", "library_response", "logged_by", "answered_by", "resolved_by")
    readonly_fields = ("stage",)
