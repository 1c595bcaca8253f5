from __future__ import annotations

from typing import Any

from django import forms

from salesflow.activities.models import Activity, ActivityType
from salesflow.core.forms import (
    ActionForm,
    DateTimeInput,
    ListFilterForm,
    VersionedServiceForm,
    with_blank,
)
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.customfields.forms import CustomFieldsFormMixin
from salesflow.customfields.lists import CustomFilterFormMixin
from salesflow.leads.selectors import leads_visible_to
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.users.forms import OwnerFieldMixin, owner_filter

LINKS = ("deal", "lead", "contact", "account")


class ActivityForm(CustomFieldsFormMixin, OwnerFieldMixin, VersionedServiceForm):
    """An activity and the records it belongs to.

    Opened from a record's page (`linked`), the links are fixed and travel as hidden fields.
    Editing, it carries the version the user read, so a concurrent change is not overwritten.
    """

    custom_kind = "activity"

    fieldsets = [
        ("Activity", ["type", "subject", "due_at", "body", "outcome"]),
        ("Belongs to", list(LINKS)),
        ("Owner and sharing", ["owner", "visibility"]),
    ]

    class Meta:
        model = Activity
        fields = [
            "type", "subject", "due_at", "body", "outcome", "deal", "lead", "contact", "account",
            "owner", "visibility",
        ]  # fmt: skip
        widgets = {"due_at": DateTimeInput(), "body": forms.Textarea(attrs={"rows": 4})}
        labels = {"due_at": "Due", "body": "Notes"}
        help_texts = {"outcome": "What came of it, once done."}

    def __init__(self, *args: Any, linked: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.user
        self.fields["type"].choices = with_blank(ActivityType.choices, "Choose a type")
        self.limit_choices("deal", deals_visible_to(user).order_by("name"))
        self.limit_choices("lead", leads_visible_to(user).order_by("last_name", "first_name"))
        self.limit_choices("contact", contacts_visible_to(user).order_by("last_name"))
        self.limit_choices("account", accounts_visible_to(user).order_by("name"))
        for name in LINKS:
            self.fields[name].empty_label = "—"
            if linked:
                self.fields[name].widget = forms.HiddenInput()


class ActivityFilterForm(CustomFilterFormMixin, ListFilterForm):
    custom_kind = "activity"
    type = forms.ChoiceField(required=False, choices=with_blank(ActivityType.choices, "Any type"))
    state = forms.ChoiceField(
        required=False,
        choices=[("", "Open and done"), ("open", "Open"), ("overdue", "Overdue"), ("done", "Done")],
    )
    owner = owner_filter()


class ActivityCompleteForm(ActionForm):
    outcome = forms.CharField(required=False, max_length=200)
