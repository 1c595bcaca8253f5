"""The activity list's saved views (registered from ActivitiesConfig.ready()); the activity
list has no bulk actions."""

from __future__ import annotations

from salesflow.activities.forms import ActivityFilterForm
from salesflow.customfields.selectors import custom_fields_of
from salesflow.listviews.registry import ListSpec, list_register


def register() -> None:
    list_register(
        ListSpec(
            key="activity",
            label="Activities",
            url_name="activities:activity-list",
            form=ActivityFilterForm,
            columns=lambda: [(f.key, f.label, f) for f in custom_fields_of("activity")],
        )
    )
