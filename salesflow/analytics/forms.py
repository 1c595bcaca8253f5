"""The filter bar above every report: the shared filters, then the report's own options.

Only draws the choices; `filters.filters_parse` checks what comes back, so the page, the CSV
and the API refuse the same input with the same words.
"""

from __future__ import annotations

from typing import Any

from django import forms

from salesflow.analytics.registry import ReportSpec
from salesflow.customfields.models import FieldType, RecordKind
from salesflow.customfields.selectors import PREFIX, custom_fields_of
from salesflow.leads.models import Channel, Source
from salesflow.pipeline.models import Pipeline
from salesflow.users.models import Team
from salesflow.users.policy import managed_team_ids, users_visible_to


class ReportFilterForm(forms.Form):
    def __init__(self, *args: Any, viewer: Any, spec: ReportSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if spec.period_means != "not applicable":
            # "Closed from", "Created from", "Expected close from": the date the period applies to.
            self.fields["from"] = forms.DateField(
                required=False,
                label=f"{spec.period_means.capitalize()} from",
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.fields["to"] = forms.DateField(
                required=False, label="to", widget=forms.DateInput(attrs={"type": "date"})
            )
        self.fields["pipeline"] = forms.ChoiceField(
            required=False,
            choices=[("", "All pipelines"), *Pipeline.objects.values_list("pk", "name")],
        )
        teams = Team.objects.order_by("name")
        if not viewer.is_admin:
            teams = teams.filter(pk__in=managed_team_ids(viewer) if viewer.is_manager else [])
        team_choices = list(teams.values_list("pk", "name"))
        if team_choices:
            self.fields["team"] = forms.ChoiceField(
                required=False, choices=[("", "All teams"), *team_choices]
            )
        if viewer.is_admin or viewer.is_manager:
            people = (
                users_visible_to(viewer).filter(is_active=True).order_by("first_name", "username")
            )
            self.fields["owner"] = forms.ChoiceField(
                required=False,
                label="Rep",
                choices=[
                    ("", "Everyone"),
                    *((u.pk, u.get_full_name() or u.username) for u in people),
                ],
            )
        self.fields["channel"] = forms.ChoiceField(
            required=False, choices=[("", "All channels"), *Channel.choices]
        )
        self.fields["source"] = forms.ChoiceField(
            required=False, choices=[("", "All sources"), *Source.choices]
        )
        # One-choice and yes/no custom fields of deals filter every deal report.
        for custom in custom_fields_of(RecordKind.DEAL):
            if custom.type == FieldType.CHOICE:
                choices = [(c["key"], c["label"]) for c in custom.choices]
            elif custom.type == FieldType.YES_NO:
                choices = [("true", "Yes"), ("false", "No")]
            else:
                continue
            self.fields[f"{PREFIX}{custom.key}"] = forms.ChoiceField(
                required=False, label=custom.label, choices=[("", "Any"), *choices]
            )
        for option in spec.options:
            self.fields[option.name] = forms.ChoiceField(
                required=False,
                label=option.label,
                choices=option.all_choices(),
                initial=option.default,
            )
