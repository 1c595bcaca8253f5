""" "Add to segment" on the contact and account lists: outreach sits above customers, so it adds
its action to the lists' bulk registries (`customers.views_bulk`) from OutreachConfig.ready().

A segment is a saved filter; the action adds the selected contacts (`contact_ids`) or accounts
(`account_ids`: their contacts) as explicit members of its filter, through `segment_update`.
"""

from __future__ import annotations

from typing import Any

from django import forms

from salesflow.customers.views_bulk import account_bulk_actions, contact_bulk_actions
from salesflow.listviews.bulk import BulkAction
from salesflow.outreach.models import Segment
from salesflow.outreach.services import segment_update
from salesflow.users import policy


class BulkSegmentForm(forms.Form):
    segment = forms.ModelChoiceField(queryset=None, label="Segment")

    def __init__(self, data: Any = None, *, user: Any) -> None:
        super().__init__(data, label_suffix="")
        self.fields["segment"].queryset = Segment.objects.filter(policy.writable_q(user))
        self.fields["segment"].help_text = "Segments you may change."


def _adder(key: str) -> Any:
    def run(record: Any, *, user: Any, data: dict[str, Any], version: int | None) -> None:
        segment = Segment.objects.get(pk=data["segment"].pk)  # as it is now, not as read
        filters = dict(segment.filters)
        ids = list(filters.get(key, []))
        if record.pk not in ids:
            filters[key] = [*ids, record.pk]
            segment_update(segment, acting_user=user, filters=filters)

    return run


def register() -> None:
    contact_bulk_actions.register(
        BulkAction(
            "segment",
            "Add to segment",
            "added",
            run=_adder("contact_ids"),
            form=BulkSegmentForm,
            order=40,
        )
    )
    account_bulk_actions.register(
        BulkAction(
            "segment",
            "Add to segment (their contacts)",
            "added",
            run=_adder("account_ids"),
            form=BulkSegmentForm,
            order=40,
        )
    )
