"""The inputs of the bulk actions every owned list shares: a new owner, a new visibility."""

from __future__ import annotations

from typing import Any

from django import forms

from salesflow.users.models import Visibility
from salesflow.users.policy import users_visible_to


class BulkOwnerForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=None, label="New owner")

    def __init__(self, data: Any = None, *, user: Any) -> None:
        super().__init__(data, label_suffix="")
        self.fields["owner"].queryset = users_visible_to(user).order_by("username")


class BulkVisibilityForm(forms.Form):
    visibility = forms.ChoiceField(choices=Visibility.choices, label="Who sees them")

    def __init__(self, data: Any = None, *, user: Any) -> None:
        super().__init__(data, label_suffix="")
