from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from salesflow.core.admin import (
    OWNERSHIP_FIELDSET,
    RECORD_FIELDSET,
    SalesflowAdmin,
    SalesflowTabularInline,
    VersionedAdmin,
)
from salesflow.pipeline.models import (
    Competitor,
    Deal,
    DealCompetitor,
    DealStakeholder,
    LostReason,
    Pipeline,
    Stage,
    StageChange,
    StageRequirement,
)


class StageInline(SalesflowTabularInline):
    model = Stage
    fields = ("position", "name", "probability", "kind", "rotting_days")
    ordering = ("position",)
    extra = 0
    show_change_link = True


@admin.register(Pipeline)
class PipelineAdmin(SalesflowAdmin):
    list_display = ("name", "is_default", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = (StageInline,)


class StageRequirementInline(SalesflowTabularInline):
    """Exit criteria: what must be true of a deal before it leaves the stage forward."""

    model = StageRequirement
    fields = ("position", "kind", "params", "label")
    ordering = ("position", "pk")
    extra = 0


@admin.register(Stage)
class StageAdmin(SalesflowAdmin):
    inlines = (StageRequirementInline,)
    list_display = ("name", "pipeline", "position", "probability", "kind", "rotting_days")
    list_filter = ("pipeline", "kind")
    list_select_related = ("pipeline",)
    search_fields = ("name", "pipeline__name")
    ordering = ("pipeline", "position")


@admin.register(LostReason)
class LostReasonAdmin(SalesflowAdmin):
    """Retire a reason (uncheck active) rather than delete it: closed deals keep pointing at it."""

    list_display = ("name", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)


class StageChangeInline(SalesflowTabularInline):
    """The deal's history, read only: moves are made in the app, where the rules apply."""

    model = StageChange
    fk_name = "deal"
    fields = ("changed_at", "from_stage", "to_stage", "to_outcome", "is_backward", "changed_by")
    readonly_fields = fields
    ordering = ("changed_at", "pk")
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[StageChange]:
        return super().get_queryset(request).select_related("from_stage", "to_stage", "changed_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DealStakeholderInline(SalesflowTabularInline):
    model = DealStakeholder
    fields = ("contact", "role", "attitude", "personality", "working_style")
    autocomplete_fields = ("contact",)
    extra = 0


class DealCompetitorInline(SalesflowTabularInline):
    model = DealCompetitor
    fields = ("competitor", "status", "strengths", "weaknesses", "counter_strategy")
    autocomplete_fields = ("competitor",)
    extra = 0


@admin.register(Competitor)
class CompetitorAdmin(SalesflowAdmin):
    list_display = ("name", "website", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(Deal)
class DealAdmin(VersionedAdmin):
    """Deals are created and moved in the app, which writes their StageChange history; here the
    stage and outcome are shown, not edited."""

    list_display = ("name", "account", "stage", "outcome", "amount", "currency", "owner", "team")
    list_display += ("expected_close_on", "closed_at")
    list_filter = ("outcome", "pipeline", "stage", "lost_reason", "team", "visibility")
    list_select_related = ("account", "stage", "owner", "team")
    search_fields = ("name", "account__name", "external_id")
    autocomplete_fields = ("account", "primary_contact", "lead", "owner", "team")
    raw_id_fields = ("qualification",)
    readonly_fields = ("pipeline", "stage", "outcome", "stage_entered_at", "closed_at")
    date_hierarchy = "created_at"
    inlines = (DealStakeholderInline, DealCompetitorInline, StageChangeInline)
    fieldsets = (
        (None, {"fields": ("name", "account", "primary_contact", "lead", "qualification")}),
        ("Value", {"fields": ("amount", "currency", "expected_close_on", "external_id")}),
        (
            "Stage and outcome",
            {
                "fields": (
                    "pipeline",
                    "stage",
                    "stage_entered_at",
                    "outcome",
                    "lost_reason",
                    "closed_at",
                )
            },
        ),
        OWNERSHIP_FIELDSET,
        RECORD_FIELDSET,
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # A deal's history goes with it; StageChange rows are otherwise never deleted here.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(StageChange._meta.verbose_name)
        return deleted, counts, perms_needed, protected


@admin.register(StageChange)
class StageChangeAdmin(SalesflowAdmin):
    """Read only: history is written by the pipeline services alone."""

    list_display = ("deal", "from_stage", "to_stage", "from_outcome", "to_outcome", "changed_at")
    list_display += ("changed_by", "is_backward")
    list_filter = ("to_outcome", "is_backward", "to_stage")
    list_select_related = ("deal", "from_stage", "to_stage", "changed_by")
    search_fields = ("deal__name", "note", "override_reason")
    date_hierarchy = "changed_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
