from __future__ import annotations

from django import forms
from django.contrib import admin

from salesflow.core.admin import (
    OWNERSHIP_FIELDSET,
    RECORD_FIELDSET,
    VersionedAdmin,
    owned_list_filters,
)
from salesflow.core.normalize import normalize_email, normalize_phone
from salesflow.customers.models import Account, Contact


@admin.register(Account)
class AccountAdmin(VersionedAdmin):
    list_display = ("name", "industry", "size_band", "region", "tier", "owner", "team")
    list_display += ("visibility", "updated_at")
    list_filter = owned_list_filters("tier", "size_band", "region", "industry")
    list_select_related = ("owner", "team")
    search_fields = ("name", "website")
    autocomplete_fields = ("owner", "team")
    fieldsets = (
        (None, {"fields": ("name", "industry", "size_band", "region", "website", "tier", "notes")}),
        OWNERSHIP_FIELDSET,
        RECORD_FIELDSET,
    )


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
