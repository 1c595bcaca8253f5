from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from salesflow.core.forms import (
    ActionForm,
    DateInput,
    ListFilterForm,
    VersionedServiceForm,
    owner_filter,
    with_blank,
)
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.pipeline.models import Deal, LostReason, Outcome, Pipeline, Stage, StageKind


class DealForm(VersionedServiceForm):
    """A deal's own fields; its stage and outcome change through move and close."""

    fieldsets = [
        ("Deal", ["name", "account", "primary_contact", "pipeline"]),
        ("Value", ["amount", "currency", "expected_close_on"]),
        ("Owner and sharing", ["owner", "visibility"]),
    ]

    class Meta:
        model = Deal
        fields = [
            "name", "account", "primary_contact", "amount", "currency", "expected_close_on",
            "owner", "visibility",
        ]  # fmt: skip
        widgets = {"expected_close_on": DateInput()}
        labels = {"expected_close_on": "Expected close date"}
        help_texts = {"currency": "ISO code, e.g. EUR.", "primary_contact": ""}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("account", accounts_visible_to(self.user).order_by("name"))
        self.limit_choices(
            "primary_contact",
            contacts_visible_to(self.user).select_related("account").order_by("last_name"),
        )
        self.fields["primary_contact"].empty_label = "Nobody yet"
        self.fields["primary_contact"].label_from_instance = contact_with_account
        if self.record is None:
            self.fields["currency"].initial = settings.SALESFLOW_DEFAULT_CURRENCY


def contact_with_account(contact: Any) -> str:
    return f"{contact} ({contact.account})" if contact.account_id else str(contact)


class DealCreateForm(DealForm):
    class Meta(DealForm.Meta):
        fields = [*DealForm.Meta.fields, "pipeline"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pipelines = Pipeline.objects.filter(is_active=True)
        self.fields["pipeline"].queryset = pipelines
        self.fields["pipeline"].empty_label = None
        self.fields["pipeline"].help_text = "The deal starts in the pipeline's first stage."


class DealMoveForm(ActionForm):
    prefix = "move"
    to_stage = forms.ModelChoiceField(
        queryset=Stage.objects.none(), label="Move to stage", empty_label=None
    )
    lost_reason = forms.ModelChoiceField(
        queryset=LostReason.objects.filter(is_active=True),
        required=False,
        label="Lost reason",
        empty_label="—",
        help_text="Needed when the deal moves to a lost stage.",
    )
    override_reason = forms.CharField(
        required=False,
        label="Reason for the move",
        help_text="Say why you move back, or (managers) why the deal moves on early.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].queryset = Stage.objects.filter(
            pipeline_id=deal.pipeline_id
        ).order_by("position")
        self.fields["to_stage"].initial = deal.stage_id
        self.fields["version"].initial = deal.version


class DealCloseForm(ActionForm):
    prefix = "close"
    outcome = forms.ChoiceField(
        choices=[
            (Outcome.WON, "Won"),
            (Outcome.LOST, "Lost"),
            (Outcome.SUSPENDED, "Suspended (on hold)"),
        ],
        widget=forms.RadioSelect,
        label="Outcome",
    )
    lost_reason = forms.ModelChoiceField(
        queryset=LostReason.objects.filter(is_active=True),
        required=False,
        label="Reason",
        empty_label="—",
        help_text="Needed for lost and suspended deals.",
    )
    amount = forms.DecimalField(
        required=False, min_value=0, max_digits=14, decimal_places=2, label="Final amount"
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = deal.version


class DealReopenForm(ActionForm):
    prefix = "reopen"
    to_stage = forms.ModelChoiceField(
        queryset=Stage.objects.none(),
        required=False,
        label="Reopen in stage",
        empty_label="Where it stopped",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].queryset = Stage.objects.filter(
            pipeline_id=deal.pipeline_id, kind=StageKind.OPEN
        ).order_by("position")
        self.fields["version"].initial = deal.version


class DealFilterForm(ListFilterForm):
    pipeline = forms.ModelChoiceField(
        queryset=Pipeline.objects.all(), required=False, empty_label="Any pipeline"
    )
    stage = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    outcome = forms.ChoiceField(required=False, choices=with_blank(Outcome.choices, "Any outcome"))
    owner = owner_filter()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stages = list(
            Stage.objects.select_related("pipeline").order_by("pipeline__name", "position")
        )
        if len({stage.pipeline_id for stage in stages}) > 1:
            groups: dict[str, list[tuple[int, str]]] = {}
            for stage in stages:
                groups.setdefault(stage.pipeline.name, []).append((stage.pk, stage.name))
            choices: list[Any] = list(groups.items())
        else:
            choices = [(stage.pk, stage.name) for stage in stages]
        self.fields["stage"].choices = with_blank(choices, "Any stage")
