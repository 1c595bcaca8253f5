"""Forms of the playbook panels on the deal page. Each names its row (checklist item, question
set, objection) in a field limited to the deal's own rows, so a forged id is a form error."""

from __future__ import annotations

from typing import Any

from django import forms

from salesflow.core.forms import ActionForm
from salesflow.pipeline.models import Deal
from salesflow.playbooks.models import (
    ChecklistItem,
    CustomerState,
    LibraryResponse,
    ObjectionCategory,
    ObjectionStatus,
    Question,
    QuestionSet,
)
from salesflow.playbooks.selectors import AssessmentView


class ChecklistTickForm(forms.Form):
    item = forms.ModelChoiceField(queryset=ChecklistItem.objects.none())
    ticked = forms.BooleanField(required=False)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ChecklistItem.objects.filter(
            stage__pipeline_id=deal.pipeline_id
        ).select_related("stage")


class QuestionSetPickForm(forms.Form):
    question_set = forms.ModelChoiceField(queryset=QuestionSet.objects.none())

    def __init__(self, *args: Any, question_sets: list[QuestionSet], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pks = [question_set.pk for question_set in question_sets]
        self.fields["question_set"].queryset = QuestionSet.objects.filter(pk__in=pks)


class AssessmentForm(forms.Form):
    """The answers to one question set: a text field per active question."""

    def __init__(self, *args: Any, view: AssessmentView, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_assessment_{view.question_set.pk}_%s")
        if not args:
            kwargs.setdefault(
                "initial",
                {
                    f"answer_{line.question.pk}": line.answer.text if line.answer else ""
                    for line in view.lines
                },
            )
        super().__init__(*args, **kwargs)
        self.view = view
        for line in view.lines:
            self.fields[f"answer_{line.question.pk}"] = forms.CharField(
                required=False,
                label=line.question.text,
                help_text=line.question.hint,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def answer_fields(self) -> list[tuple[Any, forms.BoundField]]:
        """(assessment line, its answer field) in question order, for the template."""
        return [(line, self[f"answer_{line.question.pk}"]) for line in self.view.lines]

    def answers(self) -> list[tuple[Question, str]]:
        """The questions with a non-empty answer typed, and the answer."""
        typed = []
        for line in self.view.lines:
            text = (self.cleaned_data.get(f"answer_{line.question.pk}") or "").strip()
            if text:
                typed.append((line.question, text))
        return typed


class FirstMeetingForm(ActionForm):
    prefix = "meeting"
    state = forms.ChoiceField(
        choices=CustomerState.choices, widget=forms.RadioSelect, label="The customer's state"
    )
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What you heard that made you judge so.",
    )
    wide_fields = ("notes",)


class ObjectionLogForm(ActionForm):
    prefix = "objection"
    category = forms.ChoiceField(choices=[("", "Choose…"), *ObjectionCategory.choices])
    customer_words = forms.CharField(
        label="The customer's words",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Write it down as they said it.",
    )
    wide_fields = ("customer_words",)


class ObjectionAnswerForm(ActionForm):
    """Answer in your own words, or with a library response (its text counts when no words)."""

    wide_fields = ("response_given",)

    objection = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    response_given = forms.CharField(
        required=False, label="Your answer", widget=forms.Textarea(attrs={"rows": 2})
    )
    library_response = forms.ModelChoiceField(
        queryset=LibraryResponse.objects.filter(is_active=True),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, deal: Deal, row: Any = None, **kwargs: Any) -> None:
        row_id = row.pk if row is not None else (args[0].get("objection") if args else "")
        kwargs.setdefault("auto_id", f"id_objection_{row_id}_%s")
        if row is not None and not args:
            kwargs.setdefault("initial", {"objection": row.pk})
        super().__init__(*args, **kwargs)
        self.fields["objection"].queryset = deal.objections.exclude(status=ObjectionStatus.RESOLVED)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("response_given") or "").strip() and not data.get("library_response"):
            self.add_error("response_given", "Write down how you answered.")
        return data


class ObjectionPickForm(forms.Form):
    objection = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objection"].queryset = deal.objections.all()
