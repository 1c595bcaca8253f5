"""Forms of the lead-management settings pages; `services.lead_setting_save` writes (scoring
rules: `scoring_rules.scoring_rule_save`)."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from salesflow.core.forms import DateInput, ServiceForm
from salesflow.customfields.models import CustomField, RecordKind
from salesflow.leads.models import (
    CUSTOM_CONDITIONS,
    CUSTOM_FIELD_TYPES,
    DECAYING_CONDITIONS,
    AssignmentRule,
    Campaign,
    DisqualificationReason,
    LeadCaptureForm,
    LeadScoringSettings,
    ProfileCriterion,
    ScoreCondition,
    ScoringRule,
)
from salesflow.users.models import User

# Conditions whose threshold has no sensible blank: "no activity for [blank] days" would apply
# to every lead at once.
THRESHOLD_REQUIRED = {
    ScoreCondition.BUDGET_AT_LEAST,
    ScoreCondition.PAIN_LEVEL_GTE,
    ScoreCondition.TIMELINE_WITHIN_DAYS,
    ScoreCondition.NO_ACTIVITY_DAYS,
    ScoreCondition.CUSTOM_DATE_WITHIN,
}


def active_users() -> Any:
    return User.objects.filter(is_active=True).order_by("first_name", "username")


class SettingForm(ServiceForm):
    """A settings row's form; settings rows have no owner, so `user` is only passed on."""

    def blank_label(self, name: str, label: str) -> None:
        """Say what leaving a choice blank means, instead of Django's dashes."""
        field = self.fields[name]
        if hasattr(field, "empty_label"):
            field.empty_label = label
        else:
            field.choices = [("", label), *[c for c in field.choices if c[0] != ""]]


class ProfileCriterionForm(SettingForm):
    weight = forms.IntegerField(
        min_value=1,
        max_value=100,
        initial=10,
        help_text="1-100: how much this trait counts within its dimension.",
    )

    class Meta:
        model = ProfileCriterion
        fields = ["dimension", "value", "weight", "is_active"]
        help_texts = {
            "value": "Compared ignoring case; a role matches a whole word of the job title.",
        }
        labels = {"is_active": "Active"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.blank_label("dimension", "Choose a dimension")


class CustomFieldChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: CustomField) -> str:
        return f"{obj.label} ({obj.get_type_display().lower()})"


class ScoringRuleForm(SettingForm):
    name = forms.CharField(
        required=False,
        max_length=150,
        help_text="Shown in the score's explanation. Custom-field rules may leave it blank: "
        "they are then named by what they test, e.g. “Total visits of at least 5”.",
    )
    custom_field = CustomFieldChoice(
        queryset=CustomField.objects.none(),
        required=False,
        label="Custom field",
        help_text="The lead field a “Custom field: …” condition reads.",
    )
    values = forms.CharField(
        required=False,
        label="Choices",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For “choice is one of”: the choices that count, one per line (labels or keys).",
    )
    half_life_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label="Half-life (days)",
        help_text="Engagement and custom dates: the points halve every this many days since it "
        "happened.",
    )
    fieldsets = [
        ("Rule", ["name", "condition", "points"]),
        ("What it compares", ["threshold", "custom_field", "threshold_max", "values"]),
        ("Decay and order", ["half_life_days", "position", "is_active"]),
    ]

    class Meta:
        model = ScoringRule
        fields = [
            "name", "condition", "threshold", "custom_field", "threshold_max", "values", "points",
            "half_life_days", "position", "is_active",
        ]  # fmt: skip
        labels = {"is_active": "Active", "threshold": "Threshold (or at least)"}
        help_texts = {
            "threshold": "Percent, amount, level, days or count, as the condition says; for a "
            "custom number range, the lowest value that counts (blank: no lower end).",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.blank_label("condition", "Choose a condition")
        # Lead fields a rule can read; the rule's own field stays offered once archived.
        readable = {kind for kinds in CUSTOM_FIELD_TYPES.values() for kind in kinds}
        self.limit_choices(
            "custom_field",
            CustomField.objects.filter(
                kind=RecordKind.LEAD, archived_at__isnull=True, type__in=readable
            ).order_by("position", "pk"),
        )
        self.blank_label("custom_field", "None (the other conditions)")
        field = self.record.custom_field if self.record is not None else None
        current = self.current.get("values") or []
        if isinstance(current, list):
            labels = [field.choice_label(key) for key in current] if field else current
            self.initial["values"] = "\n".join(labels)

    def clean_values(self) -> list[str]:
        text = self.cleaned_data.get("values") or ""
        return [line.strip() for line in re.split(r"[\n;]", text) if line.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        condition = data.get("condition")
        if condition in THRESHOLD_REQUIRED and data.get("threshold") is None:
            self.add_error("threshold", "This condition needs a threshold.")
        if not (data.get("name") or "").strip() and condition not in CUSTOM_CONDITIONS:
            self.add_error("name", "Give the rule a name.")
        if data.get("half_life_days") and condition not in DECAYING_CONDITIONS:
            self.add_error(
                "half_life_days", "Only engagement rules and custom dates decay; leave this blank."
            )
        return data


class GradeThresholdsForm(SettingForm):
    prefix = "grades"

    class Meta:
        model = LeadScoringSettings
        fields = ["hot_min", "warm_min"]
        labels = {"hot_min": "Hot from score", "warm_min": "Warm from score"}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        hot, warm = data.get("hot_min"), data.get("warm_min")
        if hot is not None and warm is not None and hot <= warm:
            self.add_error("hot_min", "Hot must start above warm.")
        return data


class AssignmentRuleForm(SettingForm):
    fieldsets = [
        ("Rule", ["name", "priority", "is_active"]),
        ("Leads it matches", ["region", "industry", "size_band"]),
        ("Who gets them", ["team", "owner"]),
    ]

    class Meta:
        model = AssignmentRule
        fields = [
            "name", "priority", "region", "industry", "size_band", "team", "owner", "is_active",
        ]  # fmt: skip
        labels = {"owner": "Fixed rep", "is_active": "Active"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ServiceForm makes an `owner` required and limits it to the user's teams; here it is
        # an optional rep of the rule's team.
        owner = self.fields["owner"]
        owner.required = False
        owner.empty_label = "Round-robin among the team's reps"
        self.limit_choices("owner", active_users())
        owner.initial = self.initial.get("owner")
        self.blank_label("team", "Choose a team")
        self.blank_label("size_band", "Any size")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        owner, team = data.get("owner"), data.get("team")
        if owner and team and not owner.teams.filter(pk=team.pk).exists():
            self.add_error("owner", f"{owner} is not a member of {team}.")
        return data


class CaptureFormForm(SettingForm):
    fieldsets = [
        ("Form", ["name", "is_active", "success_message"]),
        ("Leads it creates", ["source", "channel", "campaign"]),
        ("Who gets them", ["default_owner", "default_team"]),
        ("Spam protection", ["max_submissions_per_ip"]),
    ]

    class Meta:
        model = LeadCaptureForm
        fields = [
            "name", "campaign", "source", "channel", "default_owner", "default_team",
            "is_active", "success_message", "max_submissions_per_ip",
        ]  # fmt: skip
        labels = {"is_active": "Accepting submissions"}

    max_submissions_per_ip = forms.IntegerField(
        min_value=1,
        max_value=1000,
        initial=5,
        label="Submissions per address",
        help_text="How many one address may send in 10 minutes.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("default_owner", active_users())
        self.limit_choices("campaign", Campaign.objects.filter(is_active=True))
        self.blank_label("campaign", "No campaign")
        self.blank_label("channel", "The source's channel")
        self.blank_label("default_owner", "Nobody: the team's queue")
        self.blank_label("default_team", "No team")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("default_owner") and not data.get("default_team"):
            self.add_error(
                "default_team", "Choose a default owner or a team whose queue gets them."
            )
        return data


class DisqualificationReasonForm(SettingForm):
    class Meta:
        model = DisqualificationReason
        fields = ["name", "position", "is_active"]
        labels = {"is_active": "Offered to reps"}
        help_texts = {"is_active": "Retired reasons stay on the leads that have them."}


class CampaignForm(SettingForm):
    cost = forms.DecimalField(
        min_value=0, max_digits=14, decimal_places=2, initial=0, help_text="For ROI reports."
    )
    fieldsets = [
        ("Campaign", ["name", "channel", "source", "is_active"]),
        ("Cost and dates", ["cost", "currency", "starts_on", "ends_on"]),
    ]

    class Meta:
        model = Campaign
        fields = [
            "name", "channel", "source", "cost", "currency", "starts_on", "ends_on", "is_active",
        ]  # fmt: skip
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}
        labels = {"is_active": "Active"}
        help_texts = {"currency": "ISO code, e.g. EUR."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.blank_label("channel", "Choose a channel")
        self.blank_label("source", "Several sources")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The campaign cannot end before it starts.")
        return data
