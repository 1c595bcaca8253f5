"""Forms of the sales-process settings pages (admins): pipelines, stages, exit criteria and
lost reasons. They shape input only; the configuration services check the rules."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from salesflow.core.forms import ActionForm, ServiceForm
from salesflow.pipeline.criteria import FIELD_NAMES, criteria_registered
from salesflow.pipeline.models import Deal, LostReason, Pipeline, Stage, StageKind
from salesflow.users.models import Team, User


class PipelineCreateForm(ActionForm):
    wide_fields = ("description", "stages")

    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_default = forms.BooleanField(
        required=False,
        label="Default pipeline",
        help_text="New deals and the board start in the default pipeline.",
    )
    stages = forms.CharField(
        label="Open stages",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One stage per line, in order. Won and Lost are added after them.",
    )

    def clean_stages(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["stages"].splitlines()]
        names = [name for name in names if name]
        if not names:
            raise ValidationError("Give at least one open stage.")
        return names


class PipelineForm(ServiceForm):
    wide_fields = ("description",)

    class Meta:
        model = Pipeline
        fields = [
            "name", "description", "is_default", "is_active", "handover_owner", "handover_team",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {
            "is_default": "Default pipeline",
            "is_active": "Active (offered for new deals and on the board)",
            "handover_owner": "Hand won deals over to",
            "handover_team": "Delivery team",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handover_owner"].queryset = User.objects.filter(is_active=True)
        self.fields["handover_owner"].empty_label = "The deal's owner"
        self.fields["handover_team"].queryset = Team.objects.all()
        self.fields["handover_team"].empty_label = "None"


class StageForm(ServiceForm):
    wide_fields = ("guidance",)

    class Meta:
        model = Stage
        fields = ["name", "probability", "rotting_days", "guidance"]
        widgets = {"guidance": forms.Textarea(attrs={"rows": 3})}
        labels = {"probability": "Probability (%)", "rotting_days": "Rotting after (days)"}


class StageAddForm(StageForm):
    position = forms.IntegerField(
        required=False,
        min_value=1,
        help_text="Place among the open stages (1 = first); empty: after the last one.",
    )

    class Meta(StageForm.Meta):
        pass

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["probability"].required = False
        self.fields["probability"].help_text = "Empty: halfway between its neighbours."


class StageRemoveForm(ActionForm):
    move_deals_to = forms.ModelChoiceField(
        queryset=Stage.objects.none(),
        required=False,
        label="Move its deals to",
        empty_label="Choose a stage…",
    )

    def __init__(self, *args: Any, stage: Stage, has_deals: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["move_deals_to"].queryset = (
            stage.pipeline.stages.active()
            .filter(kind=StageKind.OPEN)
            .exclude(pk=stage.pk)
            .order_by("position")
        )
        self.fields["move_deals_to"].required = has_deals
        if not has_deals:
            del self.fields["move_deals_to"]


def _deal_field_choices() -> list[tuple[str, str]]:
    fields = [
        field
        for field in Deal._meta.concrete_fields
        if field.editable and not field.primary_key and field.name not in ("version",)
    ]
    return [
        ("", "—"),
        *(
            (f.name, FIELD_NAMES.get(f.name, str(f.verbose_name)).removeprefix("the "))
            for f in fields
        ),
    ]


class RequirementAddForm(ActionForm):
    kind = forms.ChoiceField(label="Criterion")
    field = forms.ChoiceField(
        required=False,
        label="Deal field",
        help_text="For “A field is filled in”: which field must be filled.",
    )
    label = forms.CharField(
        required=False, max_length=200, help_text="Shown to reps; the criterion's name if empty."
    )
    params = forms.CharField(
        required=False,
        label="Other parameters (JSON)",
        widget=forms.TextInput(attrs={"placeholder": '{"question_set": 3}'}),
        help_text="Only for criteria that take parameters, as a JSON object.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(c.kind, c.label) for c in criteria_registered()]
        self.fields["field"].choices = _deal_field_choices()

    def clean_params(self) -> dict[str, Any]:
        text = self.cleaned_data["params"].strip()
        if not text:
            return {}
        try:
            params = json.loads(text)
        except ValueError as error:
            raise ValidationError('Enter valid JSON, e.g. {"question_set": 3}.') from error
        if not isinstance(params, dict):
            raise ValidationError("Enter a JSON object, in braces.")
        return params

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == "field_filled":
            if not data.get("field"):
                self.add_error("field", "Choose the field that must be filled in.")
            else:
                data["params"] = {**data.get("params", {}), "field": data["field"]}
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"kind": data["kind"], "label": data["label"], "params": data.get("params", {})}


class LostReasonForm(ServiceForm):
    class Meta:
        model = LostReason
        fields = ["name", "position", "is_active"]
        labels = {"is_active": "Active (offered when a deal is lost)"}


class LostReasonAddForm(ServiceForm):
    class Meta:
        model = LostReason
        fields = ["name"]
        labels = {"name": "New lost reason"}
