from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from salesflow.core.forms import ActionForm, DateInput
from salesflow.core.widgets import use_picker
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to


class ReferralForm(ActionForm):
    """Who referred the record on this page: a contact, an account, or both."""

    referrer_contact = forms.ModelChoiceField(
        queryset=None, required=False, label="Referred by (contact)", empty_label="Nobody"
    )
    referrer_account = forms.ModelChoiceField(
        queryset=None, required=False, label="Referred by (account)", empty_label="No account"
    )
    referred_on = forms.DateField(widget=DateInput(), required=False, label="Referred on")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_referral_%s")
        kwargs.setdefault("initial", {"referred_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        contacts = contacts_visible_to(user).select_related("account")
        self.fields["referrer_contact"].queryset = contacts.order_by("last_name", "first_name")
        self.fields["referrer_contact"].label_from_instance = _contact_label
        self.fields["referrer_account"].queryset = accounts_visible_to(user).order_by("name")
        use_picker(self.fields["referrer_contact"], "contact", prefer_owner=user.pk)
        use_picker(self.fields["referrer_account"], "account", prefer_owner=user.pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("referrer_contact") or data.get("referrer_account")):
            raise forms.ValidationError("Name who referred it: a contact or an account.")
        return data


def _contact_label(contact: Any) -> str:
    return f"{contact.full_name} ({contact.account})" if contact.account_id else contact.full_name
