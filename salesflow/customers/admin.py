from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from salesflow.core.admin import (
    OWNERSHIP_FIELDSET,
    RECORD_FIELDSET,
    VersionedAdmin,
    owned_list_filters,
)
from salesflow.core.normalize import (
    name_key,
    normalize_email,
    normalize_phone,
    person_name_key,
)
from salesflow.customers.models import Account, Contact, TierLevel, active_tiers
from salesflow.customers.services import account_contact_due_refresh, accounts_contact_due_refresh


class AccountAdminForm(forms.ModelForm):
    """The tier is one of the tiers admins defined (the account keeps a retired one)."""

    tier = forms.ChoiceField(choices=())

    class Meta:
        model = Account
        fields = "__all__"  # noqa: DJ007 (the admin's fieldsets choose what is shown)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = active_tiers.choices
        current = self.instance.tier if self.instance.pk else ""
        if current and current not in dict(choices):
            choices.append((current, f"{current} (retired)"))
        self.fields["tier"].choices = choices


@admin.register(TierLevel)
class TierLevelAdmin(VersionedAdmin):
    list_display = ("code", "name", "position", "contact_every_days", "channel", "is_active")
    list_filter = ("is_active", "channel")
    ordering = ("position", "code")

    def save_model(self, request: Any, obj: TierLevel, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        accounts_contact_due_refresh(tiers=[obj.code])  # as tier_update does


@admin.register(Account)
class AccountAdmin(VersionedAdmin):
    form = AccountAdminForm
    list_display = ("name", "industry", "size_band", "region", "tier", "owner", "team")
    list_display += ("next_contact_due_on", "visibility", "updated_at")
    list_filter = owned_list_filters("tier", "tier_by_hand", "size_band", "region", "industry")
    list_select_related = ("owner", "team")
    search_fields = ("name", "website")
    autocomplete_fields = ("owner", "team")
    fieldsets = (
        (None, {"fields": ("name", "industry", "size_band", "region", "website", "notes")}),
        ("Tier and contact", {"fields": ("tier", "tier_by_hand")}),
        OWNERSHIP_FIELDSET,
        RECORD_FIELDSET,
    )

    def save_model(self, request: Any, obj: Account, form: Any, change: bool) -> None:
        obj.name_key = name_key(obj.name)  # as account_create/account_update do
        super().save_model(request, obj, form, change)
        account_contact_due_refresh(obj)


class ContactAdminForm(forms.ModelForm):
    """The same normalisation as the app: lower-case email, E.164 phone."""

    class Meta:
        model = Contact
        fields = "__all__"  # noqa: DJ007 (the admin's fieldsets choose what is shown)

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data.get("email"))

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data.get("phone"))


@admin.register(Contact)
class ContactAdmin(VersionedAdmin):
    form = ContactAdminForm
    list_display = ("__str__", "account", "position", "email", "phone", "owner", "team")
    list_display += ("do_not_contact", "has_consent")
    list_filter = owned_list_filters("do_not_contact", "has_consent")
    list_select_related = ("account", "owner", "team")
    search_fields = ("first_name", "last_name", "email", "phone", "account__name")
    autocomplete_fields = ("account", "owner", "team")
    fieldsets = (
        (None, {"fields": ("account", "first_name", "last_name", "position", "email", "phone")}),
        (
            "Personal profile",
            {
                "classes": ("collapse",),
                "fields": (
                    "birthday",
                    "family",
                    "hobbies",
                    "education",
                    "achievements",
                    "places_visited",
                    "cultural_background",
                    "notes",
                ),
            },
        ),
        ("Consent", {"fields": ("has_consent", "consent_at", "do_not_contact")}),
        OWNERSHIP_FIELDSET,
        RECORD_FIELDSET,
    )

    def save_model(self, request: Any, obj: Contact, form: Any, change: bool) -> None:
        obj.name_key = person_name_key(obj.first_name, obj.last_name)  # as the services do
        super().save_model(request, obj, form, change)
