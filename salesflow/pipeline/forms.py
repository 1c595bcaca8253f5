from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Case, IntegerField, Value, When

from salesflow.core.forms import (
    ActionForm,
    DateInput,
    ListFilterForm,
    ServiceForm,
    VersionedServiceForm,
    owner_filter,
    with_blank,
)
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.leads.models import Qualification
from salesflow.pipeline.models import (
    Attitude,
    ClosingTechnique,
    CompetitorStatus,
    Deal,
    LostReason,
    Outcome,
    Pipeline,
    Stage,
    StageKind,
    StakeholderRole,
)
from salesflow.pipeline.selectors import competitors_active, stage_next_of, stages_active


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
        self.fields["to_stage"].queryset = stages_active(deal.pipeline)
        self.fields["to_stage"].initial = (stage_next_of(deal) or deal.stage).pk
        self.fields["version"].initial = deal.version


class DealCloseForm(ActionForm):
    """Close as won, upgraded, lost or suspended; managers may override missing criteria."""

    prefix = "close"
    outcome = forms.ChoiceField(
        choices=[
            (Outcome.WON, "Won"),
            (Outcome.UPGRADED, "Upgraded (more sold to an existing customer)"),
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
    technique = forms.ChoiceField(
        choices=with_blank(ClosingTechnique.choices, "—"),
        required=False,
        label="Closing technique",
        help_text="How you asked for the order.",
    )
    closed_on = forms.DateField(
        required=False, widget=DateInput(), label="Close date", help_text="Today when empty."
    )
    amount = forms.DecimalField(
        required=False, min_value=0, max_digits=14, decimal_places=2, label="Final amount"
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(
        required=False,
        label="Override reason",
        help_text="Managers: why the deal may close as won before its exit criteria are met.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, deal: Deal, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = deal.version
        self.fields["amount"].initial = deal.amount
        if not (getattr(user, "is_manager", False) or getattr(user, "is_admin", False)):
            del self.fields["override_reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        outcome = data.get("outcome")
        if outcome in (Outcome.LOST, Outcome.SUSPENDED) and not data.get("lost_reason"):
            self.add_error("lost_reason", f"Say why the deal is {outcome}.")
        data.setdefault("override_reason", "")
        return data


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
        self.fields["to_stage"].queryset = stages_active(deal.pipeline).filter(kind=StageKind.OPEN)
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


# Deal knowledge: BANT, stakeholders, competitors ---------------------------------------------


class QualificationForm(ServiceForm):
    """The deal's BANT answers; the view passes them all to `deal_qualification_record`."""

    prefix = "bant"
    wide_fields = ("need",)

    class Meta:
        model = Qualification
        fields = [
            "budget_amount", "budget_currency", "is_budget_confirmed", "timeline_on",
            "is_decision_maker", "decision_maker_name", "pain_level", "need",
        ]  # fmt: skip
        widgets = {
            "timeline_on": DateInput(),
            "need": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"timeline_on": "", "decision_maker_name": "When it is not our contact."}
        labels = {
            "budget_amount": "Budget",
            "budget_currency": "Currency",
            "is_budget_confirmed": "Budget confirmed by the customer",
            "decision_maker_name": "Who decides",
            "need": "Need",
            "timeline_on": "Expected purchase date",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["is_decision_maker"] = forms.NullBooleanField(
            required=False,
            label="Does our contact decide?",
            widget=forms.RadioSelect(
                choices=[("", "Not known yet"), ("True", "Yes"), ("False", "No")]
            ),
        )
        self.fields["pain_level"] = forms.TypedChoiceField(
            choices=[("", "—"), *[(n, str(n)) for n in range(1, 6)]],
            coerce=int,
            empty_value=None,
            required=False,
            label="Pain level",
            help_text="1 (nice to have) to 5 (urgent pain).",
        )
        if not self.current.get("budget_currency"):
            self.fields["budget_currency"].initial = settings.SALESFLOW_DEFAULT_CURRENCY

    def clean_budget_currency(self) -> str:
        return (self.cleaned_data.get("budget_currency") or "").upper()


def contact_choices(user: Any, deal: Deal) -> Any:
    """Contacts the user may read, the deal's account first, not yet stakeholders."""
    return (
        contacts_visible_to(user)
        .exclude(stakeholdings__deal=deal)
        .select_related("account")
        .annotate(
            elsewhere=Case(
                When(account_id=deal.account_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("elsewhere", "last_name", "first_name", "pk")
    )


STAKEHOLDER_NOTES = {
    "personality": forms.Textarea(attrs={"rows": 2}),
    "working_style": forms.Textarea(attrs={"rows": 2}),
}


class StakeholderAddForm(ActionForm):
    wide_fields = ("personality", "working_style")
    contact = forms.ModelChoiceField(queryset=None, label="Contact", empty_label="Choose…")
    role = forms.ChoiceField(choices=StakeholderRole.choices)
    attitude = forms.ChoiceField(choices=Attitude.choices, initial=Attitude.NEUTRAL)
    personality = forms.CharField(required=False, widget=STAKEHOLDER_NOTES["personality"])
    working_style = forms.CharField(
        required=False, widget=STAKEHOLDER_NOTES["working_style"], label="Working style"
    )

    def __init__(self, *args: Any, deal: Deal, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_stakeholder_new_%s")
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contact_choices(user, deal)
        self.fields["contact"].label_from_instance = contact_with_account


class StakeholderEditForm(ActionForm):
    """One stakeholder's role, attitude and notes; `stakeholder` names the row on the deal."""

    wide_fields = ("personality", "working_style")
    stakeholder = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    role = forms.ChoiceField(choices=StakeholderRole.choices)
    attitude = forms.ChoiceField(choices=Attitude.choices)
    personality = forms.CharField(required=False, widget=STAKEHOLDER_NOTES["personality"])
    working_style = forms.CharField(
        required=False, widget=STAKEHOLDER_NOTES["working_style"], label="Working style"
    )

    def __init__(self, *args: Any, deal: Deal, row: Any = None, **kwargs: Any) -> None:
        row_id = row.pk if row is not None else (args[0].get("stakeholder") if args else "")
        kwargs.setdefault("auto_id", f"id_stakeholder_{row_id}_%s")
        if row is not None and not args:
            kwargs.setdefault(
                "initial",
                {
                    "stakeholder": row.pk,
                    "role": row.role,
                    "attitude": row.attitude,
                    "personality": row.personality,
                    "working_style": row.working_style,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["stakeholder"].queryset = deal.stakeholders.all()

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "stakeholder"}


class StakeholderPickForm(forms.Form):
    stakeholder = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stakeholder"].queryset = deal.stakeholders.select_related("contact")


COMPETITOR_NOTES = forms.Textarea(attrs={"rows": 2})


class DealCompetitorAddForm(ActionForm):
    """A competitor from the shared list, or a new one for the list, with how we beat them."""

    wide_fields = ("strengths", "weaknesses", "counter_strategy")
    competitor = forms.ModelChoiceField(
        queryset=None, required=False, label="Competitor", empty_label="— a new one —"
    )
    new_name = forms.CharField(
        required=False,
        max_length=200,
        label="New competitor",
        help_text="Not on the list? Name it here; it joins the shared list.",
    )
    strengths = forms.CharField(required=False, widget=COMPETITOR_NOTES)
    weaknesses = forms.CharField(required=False, widget=COMPETITOR_NOTES)
    counter_strategy = forms.CharField(
        required=False, widget=COMPETITOR_NOTES, label="Counter strategy"
    )
    status = forms.ChoiceField(choices=CompetitorStatus.choices, initial=CompetitorStatus.ACTIVE)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_competitor_new_%s")
        super().__init__(*args, **kwargs)
        self.fields["competitor"].queryset = competitors_active().exclude(
            deal_competitors__deal=deal
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["new_name"] = (data.get("new_name") or "").strip()
        if not data.get("competitor") and not data["new_name"]:
            self.add_error("competitor", "Choose a competitor or name a new one.")
        elif data.get("competitor") and data["new_name"]:
            self.add_error("new_name", "Either choose from the list or name a new one, not both.")
        return data

    def details(self) -> dict[str, Any]:
        names = ("strengths", "weaknesses", "counter_strategy", "status")
        return {name: self.cleaned_data[name] for name in names}


class DealCompetitorEditForm(ActionForm):
    wide_fields = ("strengths", "weaknesses", "counter_strategy")
    entry = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    strengths = forms.CharField(required=False, widget=COMPETITOR_NOTES)
    weaknesses = forms.CharField(required=False, widget=COMPETITOR_NOTES)
    counter_strategy = forms.CharField(
        required=False, widget=COMPETITOR_NOTES, label="Counter strategy"
    )
    status = forms.ChoiceField(choices=CompetitorStatus.choices)

    def __init__(self, *args: Any, deal: Deal, row: Any = None, **kwargs: Any) -> None:
        row_id = row.pk if row is not None else (args[0].get("entry") if args else "")
        kwargs.setdefault("auto_id", f"id_competitor_{row_id}_%s")
        if row is not None and not args:
            kwargs.setdefault(
                "initial",
                {
                    "entry": row.pk,
                    "strengths": row.strengths,
                    "weaknesses": row.weaknesses,
                    "counter_strategy": row.counter_strategy,
                    "status": row.status,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = deal.competitors.all()

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "entry"}


class DealCompetitorPickForm(forms.Form):
    entry = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = deal.competitors.select_related("competitor")
