"""The deal list a manager narrows: by team (sub-teams included), created and closed days, and
the account's industry; on the page and in its CSV export. Filters never widen what a person
may read, and a bad filter is named next to its field."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.pipeline.models import Deal, Outcome
from salesflow.users.models import Role, Visibility
from salesflow.users.services import team_parent_set
from tests.factories import AccountFactory, DealFactory, TeamFactory, UserFactory, stage_named

pytestmark = pytest.mark.django_db

LIST = reverse("pipeline:deal-list")


def moment(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def created_on(deal: Deal, day: dt.date, hour: int = 12) -> Deal:
    Deal.objects.filter(pk=deal.pk).update(created_at=moment(day, hour))
    return deal


def closed(deal: Deal, *, on: dt.date | None, at: dt.datetime) -> Deal:
    """Closed as won: `on` the day the customer decided, `at` the moment it was recorded
    (rows closed before `closed_on` existed have only `at`)."""
    Deal.objects.filter(pk=deal.pk).update(
        outcome=Outcome.WON, stage=stage_named("Won"), closed_at=at, closed_on=on
    )
    return deal


def shown(response) -> set[str]:
    assert response.status_code == 200
    return {deal.name for deal in response.context["page_obj"]}


def exported(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:300]
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


@pytest.fixture
def inbound(north, admin_user):
    """North inbound: a desk below North."""
    desk = TeamFactory(name="North inbound")
    team_parent_set(desk, parent=north, acting_user=admin_user)
    return desk


@pytest.fixture
def desk_rep(inbound):
    return UserFactory(username="desk-rep", role=Role.REP, team=inbound)


@pytest.fixture
def by_team(rep, desk_rep, outsider):
    """A deal of North, one of its desk, a private one of South and one South shares."""
    DealFactory(owner=rep, name="North deal")
    DealFactory(owner=desk_rep, name="Desk deal", visibility=Visibility.PRIVATE)
    DealFactory(owner=outsider, name="South private", visibility=Visibility.PRIVATE)
    DealFactory(owner=outsider, name="South shared", visibility=Visibility.EVERYONE)


# Team


def test_manager_filters_by_a_parent_team_and_sees_its_sub_teams(manager, north, by_team):
    response = client_for(manager).get(LIST, {"team": north.pk})
    assert shown(response) == {"North deal", "Desk deal"}


def test_manager_filters_by_a_sub_team_alone(manager, inbound, by_team):
    assert shown(client_for(manager).get(LIST, {"team": inbound.pk})) == {"Desk deal"}


def test_a_team_filter_never_widens_what_one_may_read(manager, south, by_team):
    """South's private deal stays hidden from North's manager, and from a North rep."""
    assert shown(client_for(manager).get(LIST, {"team": south.pk})) == {"South shared"}


def test_rep_filtering_by_their_team_sees_only_what_they_may_read(rep_client, north, by_team):
    # The desk's private deal is its owner's and the managers'; the rep's own deal shows.
    assert shown(rep_client.get(LIST, {"team": north.pk})) == {"North deal"}


def test_an_unknown_team_is_an_error_on_the_team_field(rep_client, by_team):
    response = rep_client.get(LIST, {"team": 999999})
    assert response.status_code == 200
    assert response.context["form"].errors["team"] == ["There is no team 999999."]
    assert "There is no team 999999." in response.content.decode()


# Created and closed days


def test_created_range_includes_both_days_in_the_site_time_zone(rep_client, rep, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    with timezone.override("Europe/Berlin"):
        day = dt.date(2026, 3, 10)
        created_on(DealFactory(owner=rep, name="Before"), day - dt.timedelta(days=1), hour=23)
        created_on(DealFactory(owner=rep, name="First day, early"), day, hour=0)
        created_on(DealFactory(owner=rep, name="Last day, late"), dt.date(2026, 3, 12), hour=23)
        created_on(DealFactory(owner=rep, name="After"), dt.date(2026, 3, 13), hour=0)
        query = {"created_from": "2026-03-10", "created_to": "2026-03-12"}
        assert shown(rep_client.get(LIST, query)) == {"First day, early", "Last day, late"}


def test_created_from_alone_is_open_ended(rep_client, rep):
    created_on(DealFactory(owner=rep, name="Old"), dt.date(2025, 1, 5))
    created_on(DealFactory(owner=rep, name="New"), dt.date(2026, 2, 1))
    assert shown(rep_client.get(LIST, {"created_from": "2026-01-01"})) == {"New"}
    assert shown(rep_client.get(LIST, {"created_to": "2025-12-31"})) == {"Old"}


def test_closed_range_counts_the_close_day_not_the_moment_recorded(rep_client, rep):
    """A deal won on 28 Feb but recorded on 2 March counts for February."""
    closed(
        DealFactory(owner=rep, name="Won in Feb"),
        on=dt.date(2026, 2, 28),
        at=moment(dt.date(2026, 3, 2)),
    )
    closed(
        DealFactory(owner=rep, name="Won in March"),
        on=dt.date(2026, 3, 5),
        at=moment(dt.date(2026, 3, 5)),
    )
    DealFactory(owner=rep, name="Still open")
    response = rep_client.get(LIST, {"closed_from": "2026-02-01", "closed_to": "2026-02-28"})
    assert shown(response) == {"Won in Feb"}


def test_closed_range_falls_back_to_the_close_moment_without_a_close_day(rep_client, rep):
    closed(DealFactory(owner=rep, name="Old close"), on=None, at=moment(dt.date(2026, 2, 14)))
    closed(DealFactory(owner=rep, name="Later close"), on=None, at=moment(dt.date(2026, 4, 1)))
    response = rep_client.get(LIST, {"closed_from": "2026-02-01", "closed_to": "2026-02-28"})
    assert shown(response) == {"Old close"}


def test_open_deals_never_match_a_closed_range(rep_client, rep):
    DealFactory(owner=rep, name="Open")
    assert shown(rep_client.get(LIST, {"closed_from": "2000-01-01"})) == set()


@pytest.mark.parametrize("value", ["10/03/2026", "2026-13-01", "yesterday"])
def test_a_date_not_written_as_iso_is_an_error_naming_the_field(rep_client, rep, value):
    DealFactory(owner=rep, name="Any")
    response = rep_client.get(LIST, {"created_from": value})
    assert response.context["form"].errors["created_from"] == ["Enter a date as YYYY-MM-DD."]


def test_from_after_to_is_an_error_and_the_range_is_left_out(rep_client, rep):
    created_on(DealFactory(owner=rep, name="In March"), dt.date(2026, 3, 5))
    response = rep_client.get(LIST, {"closed_from": "2026-03-10", "closed_to": "2026-03-01"})
    assert response.context["form"].errors["closed_from"] == [
        "Must be on or before closed to (2026-03-01)."
    ]
    assert shown(response) == {"In March"}


# Industry


def test_industry_filters_on_the_account_ignoring_capitals(rep_client, rep):
    DealFactory(owner=rep, name="Bank deal", account=AccountFactory(owner=rep, industry="Banking"))
    DealFactory(owner=rep, name="Soft deal", account=AccountFactory(owner=rep, industry="Software"))
    DealFactory(owner=rep, name="No account", account=None)
    assert shown(rep_client.get(LIST, {"industry": " banking "})) == {"Bank deal"}


# CSV


def test_csv_export_keeps_the_filters_and_carries_external_id_and_industry(manager, north, by_team):
    Deal.objects.filter(name="Desk deal").update(external_id="crm:42")
    rows = exported(client_for(manager).get(LIST, {"team": north.pk, "format": "csv"}))
    assert {row["name"]: row["external_id"] for row in rows} == {
        "North deal": "",
        "Desk deal": "crm:42",
    }
    assert {row["industry"] for row in rows} == {"Software"}
    assert {row["team"] for row in rows} == {"North", "North inbound"}


def test_csv_export_with_a_bad_filter_shows_the_error_instead_of_a_file(rep_client, rep):
    DealFactory(owner=rep, name="Any")
    response = rep_client.get(LIST, {"created_to": "31.12.2026", "format": "csv"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Enter a date as YYYY-MM-DD." in response.content.decode()


def test_filters_combine(manager, north, rep, desk_rep):
    keep = DealFactory(owner=desk_rep, name="Desk bank", account=AccountFactory(industry="Banking"))
    created_on(keep, dt.date(2026, 5, 2))
    created_on(
        DealFactory(
            owner=desk_rep, name="Desk bank old", account=AccountFactory(industry="Banking")
        ),
        dt.date(2025, 5, 2),
    )
    created_on(DealFactory(owner=rep, name="North soft"), dt.date(2026, 5, 2))
    query = {"team": north.pk, "industry": "banking", "created_from": "2026-01-01"}
    assert shown(client_for(manager).get(LIST, query)) == {"Desk bank"}
