from __future__ import annotations

from typing import Any

from django import forms

from salesflow.core.forms import (
    ContactFieldsMixin,
    ListFilterForm,
    VersionedServiceForm,
    owner_filter,
    with_blank,
)
from salesflow.leads.models import Campaign, Channel, Lead, LeadStatus, Source


class LeadForm(ContactFieldsMixin, VersionedServiceForm):
    website = forms.URLField(required=False, max_length=200, assume_scheme="https")

    fieldsets = [
        ("Person", ["first_name", "last_name", "title", "email", "phone"]),
        ("Company", ["company", "industry", "size_band", "region", "website"]),
        ("Origin and status", ["source", "channel", "campaign", "status"]),
        ("Owner and sharing", ["owner", "visibility"]),
        ("Notes", ["notes"]),
    ]

    class Meta:
        model = Lead
        fields = [
            "first_name", "last_name", "title", "email", "phone", "company", "industry",
            "size_band", "region", "website", "source", "channel", "campaign", "status", "owner",
            "visibility", "notes",
        ]  # fmt: skip
        widgets = {"phone": forms.TelInput(), "notes": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"phone": "With country code, e.g. +49 30 1234567."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Campaigns are shared configuration: every active one, plus the lead's own.
        self.limit_choices("campaign", Campaign.objects.filter(is_active=True))
        self.fields["campaign"].empty_label = "No campaign"
        if self.record is None:
            # A new lead's channel follows its source unless the user says otherwise.
            self.fields["channel"].required = False
            self.fields["channel"].choices = with_blank(Channel.choices, "Follow the source")
        if self.current.get("status") != LeadStatus.CONVERTED:
            # Converting is its own action; the form cannot set it.
            self.fields["status"].choices = [
                choice for choice in LeadStatus.choices if choice[0] != LeadStatus.CONVERTED
            ]


class LeadFilterForm(ListFilterForm):
    status = forms.ChoiceField(required=False, choices=with_blank(LeadStatus.choices, "Any status"))
    source = forms.ChoiceField(required=False, choices=with_blank(Source.choices, "Any source"))
    channel = forms.ChoiceField(required=False, choices=with_blank(Channel.choices, "Any channel"))
    owner = owner_filter()
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.all(), required=False, empty_label="Any campaign"
    )
