"""A report's filter that cannot be applied is said once, next to its filter (or above the bar
naming it), in the parser's words only: not again in the results, not beside Django's."""

from __future__ import annotations

import pytest

from conftest import client_for

pytestmark = pytest.mark.django_db


def errors_of(response) -> str:
    assert response.status_code == 400
    return response.content.decode()


def test_the_backtest_says_a_reversed_period_once(admin_user):
    page = errors_of(
        client_for(admin_user).get("/analytics/forecast-backtest/?from=2026-05-01&to=2026-01-01")
    )

    assert page.count("is before") == 1
    assert "Period: &#x27;to&#x27; (2026-01-01) is before &#x27;from&#x27; (2026-05-01)." in page
    assert "No report for these filters" in page


def test_a_report_says_a_reversed_period_once_next_to_the_field(manager):
    page = errors_of(client_for(manager).get("/analytics/funnel/?from=2026-05-01&to=2026-01-01"))

    assert page.count("is before") == 1
    assert 'id="id_to_error"' in page


def test_a_foreign_team_is_one_message_naming_the_team(manager, south):
    page = errors_of(client_for(manager).get(f"/analytics/overview/?team={south.pk}"))

    assert page.count(f"There is no team {south.pk} you may report on.") == 1
    assert "Select a valid choice" not in page


@pytest.mark.parametrize(
    ("query", "ours", "djangos"),
    [
        ("from=someday", "is not a date; write it as YYYY-MM-DD.", "Enter a valid date."),
        ("owner=999999", "There is no user 999999 you may report on.", "Select a valid choice"),
        ("source=zz", "&#x27;zz&#x27; is not a source", "Select a valid choice"),
        ("channel=zz", "&#x27;zz&#x27; is not a channel", "Select a valid choice"),
    ],
)
def test_every_bad_filter_is_one_message(manager, query, ours, djangos):
    page = errors_of(client_for(manager).get(f"/analytics/funnel/?{query}"))

    assert page.count(ours) == 1, ours
    assert djangos not in page
