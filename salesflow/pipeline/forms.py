from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.forms.models import ModelChoiceIteratorValue

from salesflow.core.forms import (
    ActionForm,
    DateInput,
    ListFilterForm,
    ReadValuesMixin,
    ServiceForm,
    VersionedServiceForm,
    with_blank,
)
from salesflow.core.panels import page_config
from salesflow.core.widgets import use_picker
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.customfields.forms import CustomFieldsFormMixin
from salesflow.customfields.lists import CustomFilterFormMixin
from salesflow.leads.forms import TeamPeriodFilterForm, iso_date_filter
from salesflow.leads.models import Lead, Qualification
from salesflow.pipeline.models import (
    ClosingTechnique,
    Deal,
    LostReason,
    Outcome,
    Pipeline,
    Stage,
    StageKind,
)
from salesflow.pipeline.selectors import (
    BOARD_CLOSED_CHOICES,
    BOARD_CLOSED_PERIOD,
    NEXT_STEP_CHOICES,
    deal_pipeline_stages,
    stage_next_of,
    stages_active,
)
from salesflow.pipeline.services import deal_contact_check
from salesflow.users.forms import OwnerFieldMixin, owner_filter


def choices_from_rows(field: forms.ModelChoiceField, rows: Callable[[], list[Any]]) -> None:
    """Offer `rows()` (read once for the whole deal page) as the field's options, instead of
    reading its queryset again to draw them; called only when the field is drawn. A submitted
    choice is still checked against the queryset."""

    def choices() -> list[tuple[Any, Any]]:
        blank = [("", field.empty_label)] if field.empty_label is not None else []
        return blank + [
            (
                ModelChoiceIteratorValue(field.prepare_value(row), row),
                field.label_from_instance(row),
            )
            for row in rows()
        ]

    field.choices = choices


def lost_reasons_offered(deal: Deal) -> list[LostReason]:
    """The active lost reasons, from the configuration cache on a deal page (the move and close
    forms offer them)."""
    return page_config(
        deal, "lost_reasons", lambda: list(LostReason.objects.filter(is_active=True))
    )


class DealForm(CustomFieldsFormMixin, OwnerFieldMixin, VersionedServiceForm):
    """A deal's own fields; its stage and outcome change through move and close."""

    custom_kind = "deal"

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
        self.fields["account"].empty_label = "No account yet"
        self.fields["primary_contact"].empty_label = "Nobody yet"
        self.fields["primary_contact"].label_from_instance = contact_with_account
        # Search-as-you-type pickers; the primary contact is narrowed to the chosen account.
        use_picker(self.fields["account"], "account", prefer_owner=self.user.pk)
        account_id = str(self["account"].value() or "")
        use_picker(
            self.fields["primary_contact"],
            "contact",
            depends_on={"account": "account"},
            prefer_owner=self.user.pk,
            suggest=(
                (lambda rows: rows.filter(account_id=int(account_id)).order_by("last_name", "pk"))
                if account_id.isdigit()
                else None
            ),
        )
        if self.record is None:
            self.fields["currency"].initial = settings.SALESFLOW_DEFAULT_CURRENCY


def contact_with_account(contact: Any) -> str:
    return f"{contact} ({contact.account})" if contact.account_id else str(contact)


class DealCreateForm(DealForm):
    class Meta(DealForm.Meta):
        fields = [*DealForm.Meta.fields, "pipeline"]

    def clean(self) -> dict[str, Any]:
        """The service's rule that the contact works at the account, said with the other
        fields' errors at once."""
        data = super().clean()
        deal = self.record_as_typed()
        self.service_check(lambda: deal_contact_check(deal))
        return data

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

    def __init__(self, *args: Any, deal: Deal, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].queryset = stages_active(deal.pipeline)
        choices_from_rows(
            self.fields["to_stage"],
            lambda: [stage for stage in deal_pipeline_stages(deal) if stage.archived_at is None],
        )
        choices_from_rows(self.fields["lost_reason"], lambda: lost_reasons_offered(deal))
        self.fields["to_stage"].initial = (stage_next_of(deal) or deal.stage).pk
        self.fields["version"].initial = deal.version
        if not (getattr(user, "is_manager", False) or getattr(user, "is_admin", False)):
            # A rep may not move a deal on early (the service refuses it): the field only
            # records why a deal moves back, and says nothing about overriding.
            self.fields["override_reason"].label = "Why it moves back"
            self.fields["override_reason"].help_text = "Recorded with the stage change."


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
        choices_from_rows(self.fields["lost_reason"], lambda: lost_reasons_offered(deal))
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
        choices_from_rows(
            self.fields["to_stage"],
            lambda: [
                stage
                for stage in deal_pipeline_stages(deal)
                if stage.archived_at is None and stage.kind == StageKind.OPEN
            ],
        )
        self.fields["version"].initial = deal.version


# The deal list's filters in the order of the filter bar; custom fields follow.
DEAL_FILTER_ORDER = [
    "q", "pipeline", "stage", "outcome", "next_step", "owner", "team", "industry",
    "created_from", "created_to", "closed_from", "closed_to",
]  # fmt: skip


class DealFilterForm(CustomFilterFormMixin, TeamPeriodFilterForm, ListFilterForm):
    custom_kind = "deal"
    pipeline = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    stage = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    outcome = forms.ChoiceField(required=False, choices=with_blank(Outcome.choices, "Any outcome"))
    next_step = forms.ChoiceField(
        required=False,
        label="Next step",
        choices=with_blank(NEXT_STEP_CHOICES, "Any next step"),
        help_text="Open deals only.",
    )
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
        # The pipelines come with the stages (a pipeline without stages holds no deal), which
        # saves the list a query.
        pipelines = sorted({(s.pipeline.name, s.pipeline_id) for s in stages})
        self.fields["pipeline"].choices = with_blank(
            [(pk, name) for name, pk in pipelines], "Any pipeline"
        )
        self.fields["industry"].label = "Account industry"
        self.order_fields(DEAL_FILTER_ORDER)


class ClosedDealsForm(forms.Form):
    """Which won and lost deals the board shows: this month, this quarter, a period or all.
    A bad date, a from after its to, or a period without either is an error on its field."""

    refused: ClosedDealsForm | None = None  # see views_board.closed_choice

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    closed = forms.ChoiceField(
        choices=BOARD_CLOSED_CHOICES, required=False, label="Closed deals shown"
    )
    closed_from = iso_date_filter("Closed from")
    closed_to = iso_date_filter("Closed to")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("closed_from"), data.get("closed_to")
        if data.get("closed") != BOARD_CLOSED_PERIOD or self.errors:
            return data
        if start and end and start > end:
            self.add_error("closed_from", f"Must be on or before closed to ({end}).")
        elif not (start or end):
            self.add_error("closed_from", "Give the first day, the last day or both.")
        return data

    def closed_filters(self) -> dict[str, Any]:
        """`closed`, `closed_from`, `closed_to` as given; only meaningful when valid."""
        data = self.cleaned_data
        period = data.get("closed") == BOARD_CLOSED_PERIOD
        return {
            "closed": data.get("closed"),
            "closed_from": data.get("closed_from") if period else None,
            "closed_to": data.get("closed_to") if period else None,
        }


# Deal knowledge: BANT, stakeholders, competitors ---------------------------------------------


class QualificationForm(ReadValuesMixin, ServiceForm):
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


class ConvertForm(ActionForm):
    prefix = "convert"
    pipeline = forms.ModelChoiceField(
        queryset=Pipeline.objects.filter(is_active=True), required=False, empty_label=None
    )
    deal_name = forms.CharField(
        required=False, max_length=200, help_text="Blank: the company and the person's name."
    )
    amount = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="Blank: the budget from BANT.",
    )

    def __init__(self, *args: Any, lead: Lead, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Pipelines come default first, so the select starts on the default one.
        if lead.company or lead.full_name:
            self.fields["deal_name"].widget.attrs["placeholder"] = " - ".join(
                part for part in (lead.company, lead.full_name) if part
            )
