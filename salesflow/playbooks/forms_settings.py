"""Forms of the playbook settings pages: checklists, question sets, next-action rules (admins)
and the objection library (managers and admins). They shape input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from salesflow.activities.models import ActivityType
from salesflow.core.forms import ActionForm, ServiceForm
from salesflow.pipeline.models import Stage, StageKind
from salesflow.playbooks.models import (
    ChecklistItem,
    CustomerState,
    LibraryResponse,
    Question,
    QuestionSet,
)


def open_stages() -> Any:
    return (
        Stage.objects.active()
        .filter(kind=StageKind.OPEN, pipeline__is_active=True)
        .select_related("pipeline")
        .order_by("-pipeline__is_default", "pipeline__name", "position")
    )


def stage_with_pipeline(stage: Stage) -> str:
    return f"{stage.pipeline.name}: {stage.name}"


class ChecklistItemAddForm(ServiceForm):
    class Meta:
        model = ChecklistItem
        fields = ["label"]
        labels = {"label": "New checklist item"}


class ChecklistItemForm(ServiceForm):
    class Meta:
        model = ChecklistItem
        fields = ["label", "position", "is_active"]
        labels = {"is_active": "Active (retired items keep the ticks deals have)"}


class QuestionSetForm(ServiceForm):
    wide_fields = ("description",)

    class Meta:
        model = QuestionSet
        fields = ["name", "stage", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"is_active": "Active (asked on deals in the stage)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("stage", open_stages())
        self.fields["stage"].label_from_instance = stage_with_pipeline
        self.fields["stage"].empty_label = "No stage (used by name only)"


class QuestionSetCreateForm(QuestionSetForm):
    wide_fields = ("description", "questions")

    questions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One open question per line; more can be added afterwards.",
    )

    class Meta(QuestionSetForm.Meta):
        fields = ["name", "stage", "description"]

    def clean_questions(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["questions"].splitlines()]
        return [line for line in lines if line]


class QuestionAddForm(ServiceForm):
    wide_fields = ("text", "hint")

    class Meta:
        model = Question
        fields = ["text", "hint"]
        widgets = {"hint": forms.Textarea(attrs={"rows": 2})}
        labels = {"text": "New question"}


class QuestionForm(ServiceForm):
    wide_fields = ("text", "hint")

    class Meta:
        model = Question
        fields = ["text", "hint", "position", "is_active"]
        widgets = {"hint": forms.Textarea(attrs={"rows": 2})}
        labels = {"is_active": "Active (retired questions keep their answers)"}


class NextActionRuleForm(ActionForm):
    wide_fields = ("guidance",)

    state = forms.ChoiceField(choices=CustomerState.choices, label="Customer state")
    action = forms.CharField(max_length=200, help_text="The recommended action; the task's title.")
    activity_type = forms.ChoiceField(choices=ActivityType.choices, label="Task type")
    due_in_days = forms.IntegerField(min_value=0, max_value=365, label="Due in (days)")
    guidance = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why and how; the task's description.",
    )


class LibraryResponseCreateForm(ServiceForm):
    wide_fields = ("response",)

    class Meta:
        model = LibraryResponse
        fields = ["category", "title", "response"]
        widgets = {"response": forms.Textarea(attrs={"rows": 5})}
        labels = {"title": "Objection (short)", "response": "Proven answer"}


class LibraryResponseForm(LibraryResponseCreateForm):
    class Meta(LibraryResponseCreateForm.Meta):
        fields = ["category", "title", "response", "is_active"]
        labels = {**LibraryResponseCreateForm.Meta.labels, "is_active": "Active (offered to reps)"}
