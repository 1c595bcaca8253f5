from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from salesflow.core.forms import (
    ContactFieldsMixin,
    DateInput,
    ListFilterForm,
    VersionedServiceForm,
    with_blank,
)
from salesflow.core.normalize import name_key
from salesflow.core.widgets import use_picker
from salesflow.customers.models import Account, Contact, TierLevel, active_tiers
from salesflow.customers.selectors import accounts_visible_to
from salesflow.customers.services import account_company_check, account_name_check
from salesflow.customfields.forms import CustomFieldsFormMixin
from salesflow.customfields.lists import CustomFilterFormMixin
from salesflow.users.forms import OwnerFieldMixin, owner_filter

OWNERSHIP = ("Owner and sharing", ["owner", "visibility"])


BY_RULES = "By the tier rules"


def tier_choices(current: str = "") -> list[tuple[str, str]]:
    """The active tiers, plus the record's own retired tier so saving keeps it."""
    choices = active_tiers.choices
    if current and current not in dict(choices):
        name = TierLevel.objects.filter(code=current).values_list("name", flat=True).first()
        choices.append((current, f"{name or current} (retired)"))
    return choices


class AccountForm(CustomFieldsFormMixin, OwnerFieldMixin, VersionedServiceForm):
    custom_kind = "account"
    website = forms.URLField(required=False, max_length=200, assume_scheme="https")
    tier = forms.ChoiceField(
        required=False,
        help_text=(
            "Choose a tier to set it by hand: the tier rules never change it then. "
            f"“{BY_RULES}” hands it back to the rules (an account they don't place gets the "
            "lowest tier)."
        ),
    )

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
        use_picker(
            self.fields["parent"],
            "account",
            params={"exclude": self.record.pk if self.record is not None else None},
            prefer_owner=self.user.pk,
        )
        self.fields["parent"].empty_label = "No parent account"
        self.fields["currency"].required = False
        current = self.record.tier if self.record is not None else ""
        rules_label = BY_RULES
        if self.record is not None and not self.record.tier_by_hand:
            rules_label = f"{BY_RULES} (now {self.record.tier})"
            self.initial["tier"] = ""
        self.fields["tier"].choices = [("", rules_label), *tier_choices(current)]

    def _tier_data(self, data: dict[str, Any]) -> dict[str, Any]:
        """A chosen tier is set by hand; "by the rules" hands the tier back to them."""
        if "tier" in data:
            tier = data.pop("tier")
            data["tier_by_hand"] = bool(tier)
            if tier:
                data["tier"] = tier
        return data

    def values(self) -> dict[str, Any]:
        return self._tier_data(super().values())

    def changes(self) -> dict[str, Any]:
        return self._tier_data(super().changes())

    def clean(self) -> dict[str, Any]:
        """The service's company rules (year founded, parent) and the same-name check, now, so
        their errors show with a bad website or revenue at once, not on the next save."""
        data = super().clean()
        account = self.record_as_typed()
        self.service_check(lambda: account_company_check(account))
        if "name" in data and (self.record is None or "name" in self.changed_data):
            account.name_key = name_key(account.name)
            self.service_check(lambda: account_name_check(account, self.user))
        return data

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
        ("Personal profile", [*PROFILE, "topics"]),
        OWNERSHIP,
        ("Notes", ["notes"]),
    ]

    class Meta:
        model = Contact
        fields = [
            "first_name", "last_name", "position", "account", "email", "phone", "has_consent",
            "do_not_contact", *PROFILE, "topics", "owner", "visibility", "notes",
        ]  # fmt: skip
        widgets = {
            **{name: forms.Textarea(attrs={"rows": 2}) for name in PROFILE},
            "topics": forms.Textarea(attrs={"rows": 3}),
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
        use_picker(self.fields["account"], "account", prefer_owner=self.user.pk)
        self.fields["account"].empty_label = "No account"


class AccountFilterForm(CustomFilterFormMixin, ListFilterForm):
    custom_kind = "account"
    tier = forms.ChoiceField(required=False)
    industry = forms.ChoiceField(required=False)
    region = forms.ChoiceField(required=False)
    owner = owner_filter()
    contact = forms.ChoiceField(
        required=False,
        label="Contact due",
        choices=[
            ("", "Any"),
            ("overdue", "Overdue for contact"),
            ("week", "Due within 7 days"),
        ],
    )

    def __init__(self, data: Any, *, user: Any, industries: list[str], regions: list[str]) -> None:
        super().__init__(data, user=user)
        every_tier = TierLevel.objects.order_by("position", "code").values_list("code", "name")
        self.fields["tier"].choices = with_blank(list(every_tier), "Any tier")
        self.fields["industry"].choices = with_blank([(i, i) for i in industries], "Any industry")
        self.fields["region"].choices = with_blank([(r, r) for r in regions], "Any region")

    def filters(self) -> dict[str, Any]:
        """The list's filters; "contact due" as a lookup on the next contact due day."""
        filters = super().filters()
        contact = filters.pop("contact", "")
        today = timezone.localdate()
        if contact == "overdue":
            filters["next_contact_due_on__lt"] = today
        elif contact == "week":
            filters["next_contact_due_on__lte"] = today + dt.timedelta(days=7)
        return filters


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
