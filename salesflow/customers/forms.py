from __future__ import annotations

from typing import Any

from django import forms

from salesflow.core.forms import (
    ContactFieldsMixin,
    DateInput,
    ListFilterForm,
    VersionedServiceForm,
    with_blank,
)
from salesflow.customers.models import Account, Contact, Tier
from salesflow.customers.selectors import accounts_visible_to
from salesflow.customfields.forms import CustomFieldsFormMixin
from salesflow.customfields.lists import CustomFilterFormMixin
from salesflow.users.forms import OwnerFieldMixin, owner_filter

OWNERSHIP = ("Owner and sharing", ["owner", "visibility"])


class AccountForm(CustomFieldsFormMixin, OwnerFieldMixin, VersionedServiceForm):
    custom_kind = "account"
    website = forms.URLField(required=False, max_length=200, assume_scheme="https")

    fieldsets = [
        ("Company", ["name", "industry", "size_band", "region", "website", "tier"]),
        ("Facts", ["annual_revenue", "currency", "employee_count", "founded_year", "parent"]),
        OWNERSHIP,
        ("Notes", ["notes"]),
    ]

    class Meta:
        model = Account
        fields = [
            "name", "industry", "size_band", "region", "website", "tier", "annual_revenue",
            "currency", "employee_count", "founded_year", "parent", "owner", "visibility",
            "notes",
        ]  # fmt: skip
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"currency": "ISO code of the annual revenue, e.g. EUR."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = accounts_visible_to(self.user).order_by("name")
        if self.record is not None:
            parents = parents.exclude(pk=self.record.pk)
        self.limit_choices("parent", parents)
        self.fields["parent"].empty_label = "No parent account"
        self.fields["currency"].required = False

    def clean_currency(self) -> str:
        # Left blank, the revenue keeps its currency (a new account: the model's default).
        kept = self.record.currency if self.record is not None else "EUR"
        return (self.cleaned_data.get("currency") or kept).upper()


PROFILE = [
    "birthday", "family", "hobbies", "education", "achievements", "places_visited",
    "cultural_background",
]  # fmt: skip


class ContactForm(CustomFieldsFormMixin, OwnerFieldMixin, ContactFieldsMixin, VersionedServiceForm):
    custom_kind = "contact"
    fieldsets = [
        ("Person", ["first_name", "last_name", "position", "account", "email", "phone"]),
        ("Consent", ["has_consent", "do_not_contact"]),
        ("Personal profile", PROFILE),
        OWNERSHIP,
        ("Notes", ["notes"]),
    ]

    class Meta:
        model = Contact
        fields = [
            "first_name", "last_name", "position", "account", "email", "phone", "has_consent",
            "do_not_contact", *PROFILE, "owner", "visibility", "notes",
        ]  # fmt: skip
        widgets = {
            **{name: forms.Textarea(attrs={"rows": 2}) for name in PROFILE},
            "birthday": DateInput(),
            "phone": forms.TelInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"has_consent": "Agreed to marketing communication"}
        help_texts = {
            "phone": "With country code, e.g. +49 30 1234567.",
            "do_not_contact": "Nobody calls, mails or visits this person.",
            "has_consent": "",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("account", accounts_visible_to(self.user).order_by("name"))
        self.fields["account"].empty_label = "No account"


class AccountFilterForm(CustomFilterFormMixin, ListFilterForm):
    custom_kind = "account"
    tier = forms.ChoiceField(required=False, choices=with_blank(Tier.choices, "Any tier"))
    industry = forms.ChoiceField(required=False)
    region = forms.ChoiceField(required=False)
    owner = owner_filter()

    def __init__(self, data: Any, *, user: Any, industries: list[str], regions: list[str]) -> None:
        super().__init__(data, user=user)
        self.fields["industry"].choices = with_blank([(i, i) for i in industries], "Any industry")
        self.fields["region"].choices = with_blank([(r, r) for r in regions], "Any region")


class ContactFilterForm(CustomFilterFormMixin, ListFilterForm):
    custom_kind = "contact"
    consent = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any"),
            ("yes", "Agreed to marketing"),
            ("no", "No marketing consent"),
            ("dnc", "Do not contact"),
        ],
        label="Consent",
    )
    owner = owner_filter()
