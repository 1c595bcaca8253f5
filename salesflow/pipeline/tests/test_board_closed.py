"""Which won and lost deals the board shows: this month by default (the site's choice), this
quarter, a period or all, chosen per person and remembered; errors named on their field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.core.selectors import site_settings
from salesflow.pipeline.models import Deal, Outcome
from salesflow.users.models import Visibility
from tests.factories import DealFactory, lost_reason, stage_named

pytestmark = pytest.mark.django_db

BOARD = reverse("board:board")
TODAY = dt.date(2026, 5, 20)


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(timezone.make_aware(dt.datetime.combine(TODAY, dt.time(15))))


def close(deal: Deal, day: dt.date, *, outcome: str = Outcome.WON, on: bool = True) -> Deal:
    """Closed on `day`; `on=False`: an old row with only the moment it was recorded."""
    fields = {
        "outcome": outcome,
        "closed_at": timezone.make_aware(dt.datetime.combine(day, dt.time(9))),
    }
    if outcome == Outcome.LOST:
        fields |= {"stage": stage_named("Lost"), "lost_reason": lost_reason()}
    else:
        fields["stage"] = stage_named("Won")
    Deal.objects.filter(pk=deal.pk).update(closed_on=day if on else None, **fields)
    return deal


@pytest.fixture
def closed_deals(rep, outsider):
    DealFactory(owner=rep, name="Open one")
    close(DealFactory(owner=rep, name="Won in May"), dt.date(2026, 5, 4))
    close(DealFactory(owner=rep, name="Lost in May"), dt.date(2026, 5, 1), outcome=Outcome.LOST)
    close(DealFactory(owner=rep, name="Won in April"), dt.date(2026, 4, 1), on=False)
    close(DealFactory(owner=rep, name="Won in March"), dt.date(2026, 3, 31))
    close(DealFactory(owner=rep, name="Won in 2024"), dt.date(2024, 11, 2))
    hidden = DealFactory(owner=outsider, name="South secret", visibility=Visibility.PRIVATE)
    close(hidden, dt.date(2026, 5, 5))


def cards(response) -> set[str]:
    assert response.status_code == 200
    return {card.deal.name for column in response.context["columns"] for card in column.cards}


def closed_cards(response) -> set[str]:
    return cards(response) - {"Open one"}


def test_the_board_shows_deals_closed_this_month_by_default(rep_client, closed_deals):
    response = rep_client.get(BOARD)
    assert closed_cards(response) == {"Won in May", "Lost in May"}
    assert "Open one" in cards(response)
    assert "Closed this month" in response.content.decode()


def test_this_quarter_starts_on_the_quarters_first_day(rep_client, closed_deals):
    response = rep_client.get(BOARD, {"closed": "quarter"})
    assert closed_cards(response) == {"Won in May", "Lost in May", "Won in April"}
    assert "Closed this quarter" in response.content.decode()


def test_all_shows_every_closed_deal_one_may_read(rep_client, closed_deals):
    assert closed_cards(rep_client.get(BOARD, {"closed": "all"})) == {
        "Won in May", "Lost in May", "Won in April", "Won in March", "Won in 2024",
    }  # fmt: skip


def test_a_period_shows_deals_closed_on_those_days(rep_client, closed_deals):
    query = {"closed": "period", "closed_from": "2026-03-31", "closed_to": "2026-04-01"}
    response = rep_client.get(BOARD, query)
    assert closed_cards(response) == {"Won in March", "Won in April"}
    assert "Closed 31 Mar 2026 to 1 Apr 2026" in response.content.decode()


def test_the_column_totals_follow_the_choice(rep_client, closed_deals):
    def won_count(response) -> int:
        return next(c.totals.count for c in response.context["columns"] if c.stage.kind == "won")

    assert won_count(rep_client.get(BOARD)) == 1
    assert won_count(rep_client.get(BOARD, {"closed": "all"})) == 4


def test_the_choice_is_remembered_for_the_person(rep_client, rep, teammate, closed_deals):
    rep_client.get(BOARD, {"closed": "quarter"})
    assert "Won in April" in cards(rep_client.get(BOARD))
    # Another person still sees the default.
    assert "Won in April" not in cards(client_for(teammate).get(BOARD))


def test_the_site_default_applies_until_a_person_chooses(rep_client, closed_deals):
    settings_row = site_settings()
    settings_row.board_closed_period = "all"
    settings_row.save()
    assert "Won in 2024" in cards(rep_client.get(BOARD))
    assert "Won in 2024" not in cards(rep_client.get(BOARD, {"closed": "month"}))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"closed_from": "01/04/2026"}, "Enter a date as YYYY-MM-DD."),
        (
            {"closed_from": "2026-04-02", "closed_to": "2026-04-01"},
            "Must be on or before closed to (2026-04-01).",
        ),
        ({}, "Give the first day, the last day or both."),
    ],
)  # fmt: skip
def test_a_bad_period_is_named_and_the_last_choice_stays(rep_client, closed_deals, query, message):
    response = rep_client.get(BOARD, {"closed": "period", **query})
    assert response.context["closed_form"].errors["closed_from"] == [message]
    assert message in response.content.decode()
    assert closed_cards(response) == {"Won in May", "Lost in May"}
    # Not remembered either.
    assert closed_cards(rep_client.get(BOARD)) == {"Won in May", "Lost in May"}


def test_an_unknown_choice_is_an_error(rep_client, closed_deals):
    response = rep_client.get(BOARD, {"closed": "decade"})
    assert "closed" in response.context["closed_form"].errors
    assert closed_cards(response) == {"Won in May", "Lost in May"}


def test_load_more_keeps_the_choice(rep_client, rep):
    for n in range(22):
        close(DealFactory(owner=rep, name=f"Won {n}"), dt.date(2026, 1, 5))
    won = stage_named("Won")
    column = reverse("board:column")
    response = rep_client.get(BOARD, {"closed": "all"})
    assert "closed=all" in response.context["filter_query"]
    more = rep_client.get(column, {"stage": won.pk, "offset": 20, "closed": "all"})
    assert {card.deal.name for card in more.context["column"].cards} == {"Won 0", "Won 1"}
    assert (
        rep_client.get(column, {"stage": won.pk, "offset": 0, "closed": "month"})
        .context["column"]
        .cards
        == []
    )


@pytest.mark.parametrize(
    ("closed", "count", "label"),
    [("all", 3, "All closed deals"), ("month", 2, "Closed this month")],
)
def test_a_move_answers_column_headers_of_the_choice(rep_client, rep, closed_deals, closed,
                                                      count, label):  # fmt: skip
    close(DealFactory(owner=rep, name="Lost in 2025"), dt.date(2025, 2, 1), outcome=Outcome.LOST)
    deal = DealFactory(owner=rep, name="Mover")
    lost = stage_named("Lost")
    response = rep_client.post(
        reverse("board:move", args=[deal.pk]),
        {"stage": lost.pk, "lost_reason": lost_reason().pk, "version": deal.version,
         "closed": closed},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    content = response.content.decode()
    head = content.split(f'id="board-head-{lost.pk}"')[1].split("</header>")[0]
    # Lost in May and the mover; the 2025 loss only with "all".
    assert f'<span class="visually-hidden">Deals: </span>{count}</span>' in head
    assert label in head
