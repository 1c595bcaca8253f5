from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from salesflow.core.admin import (
    OWNERSHIP_FIELDSET,
    RECORD_FIELDSET,
    SalesflowAdmin,
    VersionedAdmin,
    owned_list_filters,
)
from salesflow.core.normalize import (
    company_key,
    normalize_email,
    normalize_phone,
    person_name_key,
)
from salesflow.leads import models as lead_models
from salesflow.leads.models import Campaign, Lead, Qualification
from salesflow.leads.scoring import leads_rescore_all


@admin.register(Campaign)
class CampaignAdmin(SalesflowAdmin):
    list_display = ("name", "channel", "source", "cost", "currency", "starts_on", "ends_on")
    list_display += ("is_active",)
    list_filter = ("is_active", "channel", "source")
    search_fields = ("name",)
    date_hierarchy = "starts_on"


@admin.register(Qualification)
class QualificationAdmin(SalesflowAdmin):
    list_display = ("__str__", "budget_amount", "budget_currency", "is_budget_confirmed")
    list_display += ("is_decision_maker", "pain_level", "timeline_on", "recorded_at")
    list_filter = ("is_budget_confirmed", "is_decision_maker", "pain_level")
    search_fields = ("need", "decision_maker_name")
    autocomplete_fields = ("recorded_by",)


class LeadAdminForm(forms.ModelForm):
    """The same normalisation as the app: lower-case email, E.164 phone."""

    class Meta:
        model = Lead
        fields = "__all__"  # noqa: DJ007 (the admin's fieldsets choose what is shown)

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data.get("email"))

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data.get("phone"))


@admin.register(Lead)
class LeadAdmin(VersionedAdmin):
    form = LeadAdminForm
    list_display = ("__str__", "company", "status", "grade", "source", "channel", "campaign")
    list_display += ("owner", "team", "created_at")
    list_filter = owned_list_filters("status", "source", "channel", "campaign")
    list_select_related = ("campaign", "owner", "team")
    search_fields = ("first_name", "last_name", "email", "phone", "company", "external_id")
    autocomplete_fields = ("campaign", "owner", "team")
    raw_id_fields = ("qualification", "converted_account", "converted_contact", "capture_form")
    readonly_fields = ("score", "grade", "fit_score", "scored_at", "company_key")
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "title", "email", "phone")}),
        ("Company", {"fields": ("company", "industry", "size_band", "region", "website")}),
        (
            "Origin and status",
            {"fields": ("channel", "source", "campaign", "status", "qualification", "external_id")},
        ),
        ("Notes", {"fields": ("notes",)}),
        (
            "Lifecycle",
            {
                "fields": (
                    ("assigned_at", "first_response_at"),
                    ("qualified_at", "disqualified_at", "disqualification_reason"),
                    ("converted_at", "converted_account", "converted_contact"),
                    "capture_form",
                )
            },
        ),
        ("Score", {"fields": (("score", "grade", "fit_score", "scored_at"), "company_key")}),
        OWNERSHIP_FIELDSET,
        RECORD_FIELDSET,
    )

    def save_model(self, request: Any, obj: Lead, form: Any, change: bool) -> None:
        # The keys the services derive (lead_create/lead_update); the admin saves directly.
        obj.company_key = company_key(obj.company)
        obj.name_key = person_name_key(obj.first_name, obj.last_name)
        super().save_model(request, obj, form, change)


# Lead management configuration: capture forms, scoring, profile, assignment, reasons. -----------


@admin.action(description="Recompute every lead's score now")
def rescore_all_leads(modeladmin: admin.ModelAdmin, request: Any, queryset: Any) -> None:
    scored = leads_rescore_all()
    modeladmin.message_user(request, f"Rescored {scored} leads.")


@admin.register(lead_models.DisqualificationReason)
class DisqualificationReasonAdmin(SalesflowAdmin):
    list_display = ("name", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(lead_models.LeadCaptureForm)
class LeadCaptureFormAdmin(SalesflowAdmin):
    list_display = ("name", "form_key", "source", "campaign", "default_owner", "default_team")
    list_display += ("is_active",)
    list_filter = ("is_active", "source")
    search_fields = ("name", "form_key")
    readonly_fields = ("form_key",)
    autocomplete_fields = ("campaign", "default_owner", "default_team")


@admin.register(lead_models.FormSubmission)
class FormSubmissionAdmin(SalesflowAdmin):
    list_display = ("submitted_at", "form", "ip_address", "outcome", "lead")
    list_filter = ("outcome", "form")
    search_fields = ("ip_address",)
    raw_id_fields = ("lead",)
    date_hierarchy = "submitted_at"

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(lead_models.ProfileCriterion)
class ProfileCriterionAdmin(SalesflowAdmin):
    list_display = ("dimension", "value", "weight", "is_active")
    list_editable = ("weight", "is_active")
    list_filter = ("dimension", "is_active")
    actions = [rescore_all_leads]


@admin.register(lead_models.ScoringRule)
class ScoringRuleAdmin(SalesflowAdmin):
    list_display = ("name", "condition", "threshold", "points", "half_life_days", "position")
    list_display += ("is_active",)
    list_editable = ("points", "position", "is_active")
    list_filter = ("is_active", "condition")
    actions = [rescore_all_leads]


@admin.register(lead_models.LeadScoringSettings)
class LeadScoringSettingsAdmin(SalesflowAdmin):
    list_display = ("__str__", "hot_min", "warm_min", "updated_at")

    def has_add_permission(self, request: Any) -> bool:
        exists = lead_models.LeadScoringSettings.objects.exists()
        return not exists and super().has_add_permission(request)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(lead_models.AssignmentRule)
class AssignmentRuleAdmin(SalesflowAdmin):
    list_display = ("name", "priority", "region", "industry", "size_band", "team", "owner")
    list_display += ("is_active",)
    list_editable = ("priority", "is_active")
    list_filter = ("is_active", "team")
    autocomplete_fields = ("team", "owner")


@admin.register(lead_models.LeadMerge)
class LeadMergeAdmin(SalesflowAdmin):
    list_display = ("__str__", "lead", "contact", "merged_by", "merged_at", "activities_moved")
    raw_id_fields = ("lead", "contact")
    readonly_fields = ("duplicate_id", "duplicate_data", "fields_filled", "merged_at")

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(lead_models.TeamRoundRobin)
class TeamRoundRobinAdmin(SalesflowAdmin):
    """Who got each team's last routed lead; kept by the assignment service, shown read only."""

    list_display = ("team", "last_assigned", "updated_at")
    list_select_related = ("team", "last_assigned")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
