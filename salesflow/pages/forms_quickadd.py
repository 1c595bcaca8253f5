"""Quick add: one short form per kind of record (lead, contact, account, deal, activity).

The forms only validate and shape input; `views_quickadd` hands their values to the apps'
create services. An account may be typed by name (`AccountByNameMixin`): the view uses the
readable account of that name, or creates it through the customers service.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django import forms
from django.conf import settings

from salesflow.activities.models import Activity, ActivityType
from salesflow.core.forms import ContactFieldsMixin, DateInput, DateTimeInput, ServiceForm
from salesflow.core.widgets import use_picker
from salesflow.customers.models import Account, Contact
from salesflow.customers.selectors import (
    accounts_visible_to,
    contacts_visible_to,
)
from salesflow.customfields.forms import form_field_for
from salesflow.customfields.selectors import PREFIX, custom_fields_of
from salesflow.customfields.values import value_python
from salesflow.leads.models import Lead
from salesflow.leads.selectors import leads_visible_to
from salesflow.pipeline.models import Deal, Pipeline
from salesflow.pipeline.selectors import deals_visible_to, pipeline_default


class RequiredCustomFieldsMixin:
    """The kind's required custom fields (the create service refuses a record without them);
    the others are left to the record's own edit page."""

    custom_kind = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in custom_fields_of(self.custom_kind):
            if not field.is_required:
                continue
            name = PREFIX + field.key
            self.fields[name] = form_field_for(field, field.default)
            self.fields[name].initial = value_python(field, field.default)

    def values(self) -> dict[str, Any]:
        data = super().values()
        custom = {
            name[len(PREFIX) :]: self.cleaned_data.get(name)
            for name in self.fields
            if name.startswith(PREFIX)
        }
        if custom:
            data["custom"] = custom
        return data


class AccountByNameMixin:
    """An `account_name` text field: the account is typed, not picked from thousands."""

    def account_field(self, *, label: str = "Account") -> forms.CharField:
        return forms.CharField(
            label=label,
            required=False,
            max_length=200,
            help_text="An account you can see is used; a new name creates the account.",
            widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        )

    def clean_account_name(self) -> str:
        return " ".join((self.cleaned_data.get("account_name") or "").split())


class QuickLeadForm(RequiredCustomFieldsMixin, ContactFieldsMixin, ServiceForm):
    custom_kind = "lead"

    class Meta:
        model = Lead
        fields = ["first_name", "last_name", "company", "email", "phone", "source"]
        widgets = {"phone": forms.TelInput()}
        help_texts = {"phone": "With country code, e.g. +49 30 1234567."}


class QuickContactForm(
    RequiredCustomFieldsMixin, AccountByNameMixin, ContactFieldsMixin, ServiceForm
):
    custom_kind = "contact"

    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "email", "phone"]
        widgets = {"phone": forms.TelInput()}
        help_texts = {"phone": "With country code, e.g. +49 30 1234567."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account_name"] = self.account_field()


class QuickAccountForm(RequiredCustomFieldsMixin, ServiceForm):
    custom_kind = "account"

    website = forms.URLField(required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Account
        fields = ["name", "industry", "region", "website"]

    def clean_name(self) -> str:
        # A name another readable account has is refused by account_create (one rule for the
        # quick add, the account form, the API and imports).
        return " ".join((self.cleaned_data.get("name") or "").split())


class QuickDealForm(RequiredCustomFieldsMixin, AccountByNameMixin, ServiceForm):
    custom_kind = "deal"

    class Meta:
        model = Deal
        fields = ["name", "amount", "currency", "expected_close_on", "pipeline"]
        widgets = {"expected_close_on": DateInput()}
        labels = {"expected_close_on": "Expected close date"}
        help_texts = {"currency": "ISO code, e.g. EUR."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account_name"] = self.account_field()
        self.order_fields(["name", "account_name"])
        pipelines = Pipeline.objects.filter(is_active=True).order_by("name")
        self.fields["pipeline"].queryset = pipelines
        self.fields["pipeline"].empty_label = None
        self.fields["pipeline"].help_text = "The deal starts in the pipeline's first stage."
        with contextlib.suppress(Pipeline.DoesNotExist):
            self.fields["pipeline"].initial = pipeline_default().pk
        if len(pipelines) == 1:
            # One pipeline: nothing to choose.
            self.fields["pipeline"].widget = forms.HiddenInput()
        self.fields["currency"].initial = settings.SALESFLOW_DEFAULT_CURRENCY
        self.fields["currency"].required = False

    def clean_currency(self) -> str:
        return (self.cleaned_data.get("currency") or settings.SALESFLOW_DEFAULT_CURRENCY).upper()


# The records an activity may hang on, each a search-as-you-type picker (search:pick).
LINKS = ("deal", "lead", "contact", "account")


class QuickActivityForm(RequiredCustomFieldsMixin, ServiceForm):
    custom_kind = "activity"
    fieldsets = [
        ("", ["type", "subject", "due_at"]),
        ("Related record (at least one)", list(LINKS)),
    ]

    class Meta:
        model = Activity
        fields = ["type", "subject", "due_at", *LINKS]
        widgets = {"due_at": DateTimeInput()}
        labels = {"due_at": "Due"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An invitation needs a reason: the full activity form asks for it.
        self.fields["type"].choices = [("", "Choose a type")] + [
            choice for choice in ActivityType.choices if choice[0] != ActivityType.INVITATION
        ]
        user = self.user
        visible = {
            "deal": deals_visible_to(user),
            "lead": leads_visible_to(user),
            "contact": contacts_visible_to(user),
            "account": accounts_visible_to(user),
        }
        for name in LINKS:
            field = self.fields[name]
            field.queryset = visible[name]
            field.empty_label = "—"
            field.help_text = ""
            use_picker(field, name)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(name) for name in LINKS) and not any(
            name in self.errors for name in LINKS
        ):
            self.add_error("deal", "Choose the deal, lead, contact or account it belongs to.")
        return data


QUICK_FORMS: dict[str, type[ServiceForm]] = {
    "lead": QuickLeadForm,
    "contact": QuickContactForm,
    "account": QuickAccountForm,
    "deal": QuickDealForm,
    "activity": QuickActivityForm,
}
