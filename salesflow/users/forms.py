"""Form pieces for records that have an owner: who may be picked as owner or filtered on."""

from __future__ import annotations

from typing import Any

from django import forms

from salesflow.users.models import User
from salesflow.users.policy import users_visible_to


class OwnerFieldMixin:
    """For a `ServiceForm` of an owned record: the `owner` field is required, offers the people
    the user may see (plus the record's current owner), and a new record defaults to the user.

    Put it before the form base: `class DealForm(OwnerFieldMixin, VersionedServiceForm)`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            owner = self.fields["owner"]
            owner.required = True
            owner.empty_label = None
            self.limit_choices("owner", users_visible_to(self.user))
            owner.initial = self.initial.get("owner", self.user.pk)


class VisibleUserChoiceField(forms.ModelChoiceField):
    """A person the viewer may see; `ListFilterForm` calls `for_viewer` with the signed-in user."""

    def for_viewer(self, user: Any) -> None:
        self.queryset = users_visible_to(user)


def owner_filter() -> VisibleUserChoiceField:
    return VisibleUserChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
