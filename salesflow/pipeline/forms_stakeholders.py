"""The forms of the deal page's stakeholder and competitor panels."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Case, IntegerField, Value, When

from salesflow.core.forms import ActionForm
from salesflow.core.panels import page_config
from salesflow.core.widgets import use_picker
from salesflow.customers.selectors import contacts_visible_to
from salesflow.pipeline.forms import choices_from_rows, contact_with_account
from salesflow.pipeline.models import Attitude, CompetitorStatus, Deal, StakeholderRole
from salesflow.pipeline.selectors import competitors_active


def contact_choices(user: Any, deal: Deal) -> Any:
    """Contacts the user may read, the deal's account first, not yet stakeholders."""
    contacts = contacts_visible_to(user).exclude(stakeholdings__deal=deal).select_related("account")
    if deal.account_id is None:  # no account yet: nobody comes first
        return contacts.order_by("last_name", "first_name", "pk")
    return contacts.annotate(
        elsewhere=Case(
            When(account_id=deal.account_id, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("elsewhere", "last_name", "first_name", "pk")


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
        # Search as you type; before typing, the deal's account's contacts are offered.
        use_picker(
            self.fields["contact"],
            "contact",
            params={"deal": deal.pk},
            prefer_owner=user.pk,
            suggest=(
                (lambda rows: rows.filter(account_id=deal.account_id).order_by("last_name", "pk"))
                if deal.account_id
                else None
            ),
        )


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

    def __init__(
        self, *args: Any, deal: Deal, on_deal: set[int] | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("auto_id", "id_competitor_new_%s")
        super().__init__(*args, **kwargs)
        self.fields["competitor"].queryset = competitors_active().exclude(
            deal_competitors__deal=deal
        )
        if on_deal is not None:
            # On the deal page: the catalogue from the configuration cache, less the competitors
            # the panel read on the deal. A submitted choice is still checked in the database.
            choices_from_rows(
                self.fields["competitor"],
                lambda: [
                    row
                    for row in page_config(deal, "competitors", lambda: list(competitors_active()))
                    if row.pk not in on_deal
                ],
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
