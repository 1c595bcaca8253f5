from __future__ import annotations

from typing import Any

from django import forms

from salesflow.core.forms import (
    ActionForm,
    ContactFieldsMixin,
    DateInput,
    ListFilterForm,
    ReadValuesMixin,
    ServiceForm,
    VersionedServiceForm,
    with_blank,
)
from salesflow.customfields.forms import CustomFieldsFormMixin
from salesflow.customfields.lists import CustomFilterFormMixin
from salesflow.leads.models import (
    Campaign,
    Channel,
    Grade,
    Lead,
    LeadStatus,
    Qualification,
    Source,
)
from salesflow.leads.selectors import (
    disqualification_reasons_active,
    lead_source_details_visible_to,
)
from salesflow.leads.services import lead_identity_check
from salesflow.users import policy
from salesflow.users.forms import OwnerFieldMixin, owner_filter
from salesflow.users.policy import users_visible_to

# The statuses a person sets by hand; qualified, disqualified and converted are actions.
EDITABLE_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING)


class LeadForm(CustomFieldsFormMixin, OwnerFieldMixin, ContactFieldsMixin, VersionedServiceForm):
    custom_kind = "lead"
    website = forms.URLField(required=False, max_length=200, assume_scheme="https")

    fieldsets = [
        ("Person", ["first_name", "last_name", "title", "email", "phone"]),
        ("Company", ["company", "industry", "size_band", "region", "website"]),
        ("Origin and status", ["source", "source_detail", "channel", "campaign", "status"]),
        ("Owner and sharing", ["owner", "visibility"]),
        ("Notes", ["notes"]),
    ]

    class Meta:
        model = Lead
        fields = [
            "first_name", "last_name", "title", "email", "phone", "company", "industry",
            "size_band", "region", "website", "source", "source_detail", "channel", "campaign",
            "status", "owner", "visibility", "notes",
        ]  # fmt: skip
        widgets = {"phone": forms.TelInput(), "notes": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "phone": "With country code, e.g. +49 30 1234567.",
            "source_detail": 'As the lead named it, e.g. "Welingak Website".',
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Campaigns are shared configuration: every active one, plus the lead's own.
        self.limit_choices("campaign", Campaign.objects.filter(is_active=True))
        self.fields["campaign"].empty_label = "No campaign"
        if self.record is None:
            # A new lead's channel follows its source unless the user says otherwise.
            self.fields["channel"].required = False
            self.fields["channel"].choices = with_blank(Channel.choices, "Follow the source")
        if self.record is not None and self.record.status not in EDITABLE_STATUSES:
            # Qualified, disqualified or converted: only the lead page's actions change that.
            del self.fields["status"]
        else:
            self.fields["status"].choices = [
                (value, label) for value, label in LeadStatus.choices if value in EDITABLE_STATUSES
            ]
            self.fields["status"].help_text = "Qualify, disqualify or convert on the lead's page."

    def clean(self) -> dict[str, Any]:
        """A new lead needs something to reach or name it (the service's rule), said with the
        other fields' errors at once: a bad email counts as given, it has its own error."""
        data = super().clean()
        named = ("first_name", "last_name", "email", "phone", "company")
        if self.record is None and not any(
            str(self.data.get(self.add_prefix(name), "")).strip() for name in named
        ):
            self.service_check(lambda: lead_identity_check(self.record_as_typed()))
        return data


SORT_CHOICES = [
    ("", "Highest score"),
    ("score", "Lowest score"),
    ("-created", "Newest"),
    ("created", "Oldest"),
]


# The lead list's filters in the order of the filter bar; custom fields follow.
LEAD_FILTER_ORDER = [
    "q", "grade", "status", "source", "source_detail", "channel", "owner", "team", "campaign",
    "industry", "created_from", "created_to", "closed_from", "closed_to", "sort",
]  # fmt: skip


class AnyCaseChoiceField(forms.ChoiceField):
    """A choice matched ignoring case: `?source_detail=google` selects "Google"."""

    def valid_value(self, value: Any) -> bool:
        folded = str(value).casefold()
        return any(str(key).casefold() == folded for key, _ in self.choices)


ISO_DATE = ["%Y-%m-%d"]


def iso_date_filter(label: str) -> forms.DateField:
    return forms.DateField(
        required=False,
        label=label,
        input_formats=ISO_DATE,
        widget=DateInput(),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )


class TeamPeriodFilterForm(forms.Form):
    """The filters a manager narrows a deal or lead list with: team (with its sub-teams), the
    days records were created and closed, industry. A bad date, a from after its to, or an
    unknown team is shown next to its field and that filter (both days of a pair) left out.
    Put it before `ListFilterForm`, which takes the `user`."""

    team = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        # The list filter bar shows no help texts: "Any team" and the team's own name say it,
        # and a team stands for its sub-teams as it does for their managers.
        error_messages={"invalid_choice": "There is no team %(value)s."},
    )
    created_from = iso_date_filter("Created from")
    created_to = iso_date_filter("Created to")
    closed_from = iso_date_filter("Closed from")
    closed_to = iso_date_filter("Closed to")
    industry = forms.CharField(required=False, max_length=100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        # Every team: a filter only narrows the rows the viewer may read. Read before anything
        # applies the policy, whose team ids this query fills (`teams_marking_own`).
        teams = policy.teams_marking_own(user)
        super().__init__(*args, user=user, **kwargs)
        self.fields["team"].choices = with_blank([(t.pk, t.name) for t in teams], "Any team")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("created", "closed"):
            start, end = data.get(f"{name}_from"), data.get(f"{name}_to")
            if start and end and start > end:
                label = self.fields[f"{name}_to"].label.lower()
                self.add_error(f"{name}_from", f"Must be on or before {label} ({end:%Y-%m-%d}).")
                data.pop(f"{name}_to", None)
        return data


class LeadFilterForm(CustomFilterFormMixin, TeamPeriodFilterForm, ListFilterForm):
    custom_kind = "lead"
    grade = forms.ChoiceField(required=False, choices=with_blank(Grade.choices, "Any grade"))
    status = forms.ChoiceField(required=False, choices=with_blank(LeadStatus.choices, "Any status"))
    source = forms.ChoiceField(required=False, choices=with_blank(Source.choices, "Any source"))
    source_detail = AnyCaseChoiceField(required=False, label="Source as given")
    channel = forms.ChoiceField(required=False, choices=with_blank(Channel.choices, "Any channel"))
    owner = owner_filter()
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.all(), required=False, empty_label="Any campaign"
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, label="Sort by")

    def __init__(self, data: Any, *, user: Any, **kwargs: Any) -> None:
        super().__init__(data, user=user, **kwargs)
        self.fields["closed_from"].label = "Converted or disqualified from"
        self.fields["closed_to"].label = "Converted or disqualified to"
        self.order_fields(LEAD_FILTER_ORDER)
        details = lead_source_details_visible_to(user)
        self.fields["source_detail"].choices = with_blank(
            [(d, d) for d in details], "Any source as given"
        )


# The lead page's actions -----------------------------------------------------------------------

DECISION_MAKER_CHOICES = [("", "Not asked yet"), ("True", "Yes"), ("False", "No")]
PAIN_CHOICES = [
    ("", "Not asked yet"),
    (1, "1 · nice to have"),
    (2, "2"),
    (3, "3 · it hurts"),
    (4, "4"),
    (5, "5 · urgent pain"),
]


class BantForm(ReadValuesMixin, ServiceForm):
    """The lead's BANT answers; the view records the ones the user changed."""

    prefix = "bant"
    budget_amount = forms.DecimalField(
        required=False, min_value=0, max_digits=14, decimal_places=2, label="Budget amount"
    )
    pain_level = forms.TypedChoiceField(
        choices=PAIN_CHOICES, coerce=int, empty_value=None, required=False, label="Pain"
    )
    fieldsets = [
        ("Budget", ["budget_amount", "budget_currency", "is_budget_confirmed"]),
        ("Authority", ["is_decision_maker", "decision_maker_name"]),
        ("Need", ["need", "pain_level"]),
        ("Timeline", ["timeline_on"]),
    ]
    wide_fields = ("need",)

    class Meta:
        model = Qualification
        fields = [
            "budget_amount", "budget_currency", "is_budget_confirmed", "is_decision_maker",
            "decision_maker_name", "need", "pain_level", "timeline_on",
        ]  # fmt: skip
        labels = {
            "budget_currency": "Currency",
            "is_budget_confirmed": "Budget confirmed",
            "is_decision_maker": "Talks to the decision maker",
            "decision_maker_name": "Who decides",
            "need": "What they need",
            "timeline_on": "Expected purchase date",
        }
        widgets = {
            "is_decision_maker": forms.RadioSelect(choices=DECISION_MAKER_CHOICES),
            "need": forms.Textarea(attrs={"rows": 2}),
            "timeline_on": DateInput(),
            "budget_currency": forms.TextInput(attrs={"size": 3, "autocomplete": "off"}),
        }
        help_texts = {
            "budget_currency": "",
            "is_decision_maker": "",
            "decision_maker_name": "When it is someone else.",
            "need": "In their words: what should change?",
            "timeline_on": "",
        }


class DisqualifyForm(ActionForm):
    prefix = "disqualify"
    reason = forms.ModelChoiceField(
        queryset=disqualification_reasons_active(), empty_label="Choose a reason"
    )
    note = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(ActionForm):
    """Who takes the lead: a person of the user's teams; blank means the user."""

    prefix = "assign"
    owner = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=None, label="Assign to"
    )

    def __init__(self, *args: Any, user: Any, lead: Lead | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].initial = lead.owner_id if lead else user.pk
        self.fields["owner"].queryset = (
            users_visible_to(user).filter(is_active=True).order_by("first_name", "username")
        )


class RecordChoiceForm(forms.Form):
    """The id of the other record of a merge, from the query string or the confirm form."""

    record = forms.IntegerField(min_value=1)
