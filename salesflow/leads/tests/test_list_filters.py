"""The lead list a manager narrows: by team (sub-teams included), the days leads came in and
were converted or disqualified, and the lead's industry; on the page and in its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.leads.models import Lead, LeadStatus
from salesflow.users.models import Role, Visibility
from salesflow.users.services import team_parent_set
from tests.factories import LeadFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("leads:lead-list")


def moment(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def lead(owner, name: str, **fields) -> Lead:
    """A lead named `name`; `created_at` and other dates set as given."""
    dates = {key: fields.pop(key) for key in list(fields) if key.endswith("_at")}
    record = LeadFactory(owner=owner, last_name=name, **fields)
    if dates:
        Lead.objects.filter(pk=record.pk).update(**dates)
    return record


def shown(response) -> set[str]:
    assert response.status_code == 200
    return {record.last_name for record in response.context["page_obj"]}


@pytest.fixture
def inbound(north, admin_user):
    desk = TeamFactory(name="North inbound")
    team_parent_set(desk, parent=north, acting_user=admin_user)
    return desk


@pytest.fixture
def by_team(rep, inbound, outsider):
    desk_rep = UserFactory(username="desk-rep", role=Role.REP, team=inbound)
    lead(rep, "Northlead")
    lead(desk_rep, "Desklead", visibility=Visibility.PRIVATE)
    lead(outsider, "Southprivate", visibility=Visibility.PRIVATE)
    lead(outsider, "Southshared", visibility=Visibility.EVERYONE)


def test_manager_filters_by_a_parent_team_and_sees_its_sub_teams(manager, north, by_team):
    assert shown(client_for(manager).get(LIST, {"team": north.pk})) == {"Northlead", "Desklead"}


def test_a_team_filter_never_widens_what_one_may_read(manager, rep_client, south, by_team):
    assert shown(client_for(manager).get(LIST, {"team": south.pk})) == {"Southshared"}
    assert shown(rep_client.get(LIST, {"team": south.pk})) == {"Southshared"}


def test_an_unknown_team_is_an_error_on_the_team_field(rep_client, by_team):
    response = rep_client.get(LIST, {"team": "999999"})
    assert response.context["form"].errors["team"] == ["There is no team 999999."]


def test_created_range_includes_both_days(rep_client, rep):
    lead(rep, "Before", created_at=moment(dt.date(2026, 2, 28), 23))
    lead(rep, "Inside", created_at=moment(dt.date(2026, 3, 1), 0))
    lead(rep, "Lastday", created_at=moment(dt.date(2026, 3, 31), 23))
    lead(rep, "After", created_at=moment(dt.date(2026, 4, 1), 0))
    query = {"created_from": "2026-03-01", "created_to": "2026-03-31"}
    assert shown(rep_client.get(LIST, query)) == {"Inside", "Lastday"}


def test_closed_range_is_the_conversion_day_else_the_disqualification_day(rep_client, rep):
    march, may = moment(dt.date(2026, 3, 15)), moment(dt.date(2026, 5, 2))
    lead(rep, "Converted", status=LeadStatus.CONVERTED, converted_at=march)
    lead(rep, "Dropped", status=LeadStatus.DISQUALIFIED, disqualified_at=march)
    # Disqualified in March, then worked again and converted in May: it closed in May.
    lead(rep, "Revived", status=LeadStatus.CONVERTED, disqualified_at=march, converted_at=may)
    lead(rep, "Open", created_at=march)
    query = {"closed_from": "2026-03-01", "closed_to": "2026-03-31"}
    assert shown(rep_client.get(LIST, query)) == {"Converted", "Dropped"}
    assert shown(rep_client.get(LIST, {"closed_from": "2026-05-01"})) == {"Revived"}


def test_bad_dates_are_errors_naming_the_field(rep_client, rep):
    response = rep_client.get(LIST, {"created_to": "March", "closed_from": "2026-03-02",
                                     "closed_to": "2026-03-01"})  # fmt: skip
    errors = response.context["form"].errors
    assert errors["created_to"] == ["Enter a date as YYYY-MM-DD."]
    assert errors["closed_from"] == [
        "Must be on or before converted or disqualified to (2026-03-01)."
    ]


def test_industry_is_the_leads_own_ignoring_capitals(rep_client, rep):
    lead(rep, "Banker", industry="Banking")
    lead(rep, "Coder", industry="Software")
    assert shown(rep_client.get(LIST, {"industry": "BANKING"})) == {"Banker"}


def test_csv_keeps_the_filters_with_external_id_industry_team_and_close_moments(
    manager, north, by_team
):
    Lead.objects.filter(last_name="Desklead").update(
        external_id="crm:7", industry="Banking", status=LeadStatus.CONVERTED,
        converted_at=moment(dt.date(2026, 3, 15)),
    )  # fmt: skip
    response = client_for(manager).get(LIST, {"team": north.pk, "format": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["last_name"]: row for row in csv.DictReader(io.StringIO(content))}
    assert set(rows) == {"Northlead", "Desklead"}
    desk = rows["Desklead"]
    assert (desk["external_id"], desk["industry"], desk["team"]) == (
        "crm:7",
        "Banking",
        "North inbound",
    )
    assert desk["converted_at"].startswith("2026-03-15")


def test_csv_with_a_bad_filter_answers_the_page_with_the_error(rep_client, rep):
    response = rep_client.get(LIST, {"team": "999999", "format": "csv"})
    assert response.status_code == 400
    assert "There is no team 999999." in response.content.decode()
