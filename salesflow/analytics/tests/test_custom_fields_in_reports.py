"""Reports filter by custom fields, and win rates group by a deal's one-choice, yes/no or user
custom field (issue 15 point 4)."""

from __future__ import annotations

import pytest

from conftest import client_for
from salesflow.analytics.filters import FilterError
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.tests.builders import history_deal
from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.customfields.models import FieldType, RecordKind
from salesflow.customfields.services import custom_field_create
from salesflow.pipeline.models import Outcome

pytestmark = pytest.mark.django_db

WON = [("Prospecting", "2026-01-05"), ("Won", "2026-02-01")]
LOST = [("Prospecting", "2026-01-05"), ("Lost", "2026-02-01")]


@pytest.fixture
def segment(admin_user):
    return custom_field_create(
        acting_user=admin_user, kind=RecordKind.DEAL, key="segment", label="Segment",
        type=FieldType.CHOICE, choices=["Public sector", "Retail"],
    )  # fmt: skip


@pytest.fixture
def history(segment, admin_user, rep, teammate):
    public, retail = (choice["key"] for choice in segment.choices)
    renewal = custom_field_create(
        acting_user=admin_user, kind=RecordKind.DEAL, key="renewal", label="Renewal",
        type=FieldType.YES_NO,
    )  # fmt: skip
    history_deal(rep, WON, outcome=Outcome.WON, custom={"segment": public, "renewal": True})
    history_deal(rep, LOST, outcome=Outcome.LOST, custom={"segment": public, "renewal": False})
    history_deal(teammate, WON, outcome=Outcome.WON, custom={"segment": retail})
    history_deal(teammate, WON, outcome=Outcome.WON)
    return {"public": public, "retail": retail, "renewal": renewal}


def run(viewer, slug="win-rates", **query):
    return report_run(report_get(slug), viewer, query)


def test_win_rates_group_by_a_one_choice_custom_field(history, manager):
    rows = {row["label"]: row for row in run(manager, by="custom.segment").rows}
    assert {label: (r["won"], r["lost"]) for label, r in rows.items()} == {
        "Public sector": (1, 1),
        "Retail": (1, 0),
        "Not filled": (1, 0),
    }
    assert rows["Public sector"]["win_rate"] == 0.5


def test_win_rates_group_by_a_yes_no_custom_field(history, manager):
    rows = {
        row["label"]: (row["won"], row["lost"]) for row in run(manager, by="custom.renewal").rows
    }
    assert rows == {"Yes": (1, 0), "No": (0, 1), "Not filled": (2, 0)}


def test_every_report_filters_by_a_custom_field(history, manager):
    public = history["public"]
    overview = run(manager, "overview", **{"custom.segment": public})
    assert (overview.summary["won"], overview.summary["lost"]) == (1, 1)
    assert overview.filters.as_dict()["custom.segment"] == public
    funnel = run(manager, "funnel", **{"custom.segment__isnull": "true"})
    assert funnel.rows[0]["reached"] == 1


def test_an_unknown_custom_field_or_value_is_named(history, manager):
    with pytest.raises(FilterError) as caught:
        run(manager, **{"custom.colour": "red"})
    assert set(caught.value.errors) == {"custom.colour"}
    with pytest.raises(FilterError) as caught:
        run(manager, by="custom.nothing")
    assert set(caught.value.errors) == {"by"}


def test_the_page_offers_the_field_and_the_api_takes_it(history, manager):
    page = client_for(manager).get("/analytics/win-rates/", {"by": "custom.segment"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="custom.segment"' in html and "Public sector" in html
    api = ApiClient(manager)
    answer = api.get("/analytics/win-rates", {"by": "owner", "custom.segment": history["retail"]})
    assert answer.status_code == 200, answer.content
    assert [row["won"] for row in answer.json()["rows"]] == [1]
    assert invalid_fields(api.get("/analytics/overview", {"custom.colour": "red"})) == {
        "custom.colour"
    }
