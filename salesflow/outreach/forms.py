"""Forms of the outreach pages: they validate and shape input; the services write."""

from __future__ import annotations

from typing import Any

from django import forms

from salesflow.core.forms import ActionForm
from salesflow.customers.models import SizeBand, Tier
from salesflow.outreach.models import MailingKind
from salesflow.outreach.selectors import segments_visible_to, templates_visible_to
from salesflow.users import policy
from salesflow.users.models import Visibility

CONSENT_CHOICES = [("", "Any"), ("yes", "Has consent"), ("no", "No consent")]


def _words(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class SegmentForm(ActionForm):
    fieldsets = [
        ("Segment", ["name", "description", "visibility"]),
        ("Contacts whose account…", ["industry", "region", "size_band", "tier"]),
        ("Contacts that…", ["owner", "has_consent"]),
    ]
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.TEAM)
    industry = forms.CharField(
        required=False, help_text="One or more industries, separated by commas."
    )
    region = forms.CharField(required=False, help_text="One or more regions, separated by commas.")
    size_band = forms.MultipleChoiceField(
        choices=SizeBand.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    tier = forms.MultipleChoiceField(
        choices=Tier.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    owner = forms.ModelChoiceField(queryset=None, required=False, label="Owned by")
    has_consent = forms.ChoiceField(choices=CONSENT_CHOICES, required=False, label="Consent")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = policy.users_visible_to(user).order_by("username")

    @staticmethod
    def initial_of(segment: Any) -> dict[str, Any]:
        """The form's fields filled from a saved segment (its edit page)."""
        filters = segment.filters or {}
        consent = filters.get("has_consent")
        return {
            "name": segment.name,
            "description": segment.description,
            "visibility": segment.visibility,
            "industry": ", ".join(filters.get("industry") or []),
            "region": ", ".join(filters.get("region") or []),
            "size_band": filters.get("size_band") or [],
            "tier": filters.get("tier") or [],
            "owner": filters.get("owner_id"),
            "has_consent": "" if consent is None else ("yes" if consent else "no"),
        }

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        filters: dict[str, Any] = {
            "industry": _words(data["industry"]),
            "region": _words(data["region"]),
            "size_band": data["size_band"],
            "tier": data["tier"],
        }
        if data["owner"] is not None:
            filters["owner_id"] = data["owner"].pk
        if data["has_consent"]:
            filters["has_consent"] = data["has_consent"] == "yes"
        return {
            "name": data["name"],
            "description": data["description"],
            "visibility": data["visibility"],
            "filters": filters,
        }


class TemplateForm(ActionForm):
    wide_fields = ("body_text", "body_html")
    name = forms.CharField(max_length=200)
    subject = forms.CharField(max_length=200)
    body_text = forms.CharField(
        label="Text body",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Merge fields: {{ first_name }}, {{ last_name }}, {{ full_name }}, "
        "{{ company }}, {{ owner_name }}, {{ owner_email }}, {{ sender_name }}, "
        "{{ unsubscribe_url }}.",
    )
    body_html = forms.CharField(
        label="HTML body (optional)", widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.TEAM)

    @staticmethod
    def initial_of(template: Any) -> dict[str, Any]:
        fields = ("name", "subject", "body_text", "body_html", "visibility")
        return {field: getattr(template, field) for field in fields}

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class MailingForm(ActionForm):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=MailingKind.choices)
    template = forms.ModelChoiceField(queryset=None)
    segment = forms.ModelChoiceField(queryset=None)
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.TEAM)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates_visible_to(user)
        self.fields["segment"].queryset = segments_visible_to(user)

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class RecipientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj} <{obj.email}>" if obj.email else f"{obj} (no email address)"
        return f"{label} (do not contact)" if obj.do_not_contact else label


class EmailForm(ActionForm):
    """One email to one contact: what the rep typed is sent; a template fills the subject and
    body ("Use template" shows them in the form first; an empty field is filled on sending)."""

    wide_fields = ("body",)
    contact = RecipientChoiceField(queryset=None, required=True, empty_label=None, label="To")
    template = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="Press \u201cUse template\u201d to fill in its subject and message, then "
        "change them as you like. Leave empty to write your own.",
    )
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), required=False)

    def __init__(self, *args: Any, user: Any, contacts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts
        self.fields["template"].queryset = templates_visible_to(user)
        if contacts.count() == 1:
            self.fields["contact"].widget = forms.HiddenInput()
            self.fields["contact"].initial = contacts.first().pk

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("template"):
            if not (data.get("subject") or "").strip():
                self.add_error("subject", "Write a subject, or choose a template.")
            if not (data.get("body") or "").strip():
                self.add_error("body", "Write a message, or choose a template.")
        return data


class BounceForm(ActionForm):
    emails = forms.CharField(
        label="Bounced addresses",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or more addresses, separated by commas, spaces or new lines.",
    )

    def addresses(self) -> list[str]:
        return self.cleaned_data["emails"].replace(",", " ").split()
