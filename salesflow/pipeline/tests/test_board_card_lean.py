"""The board's lean card (issue #10 point 4, session 13): every value comes ready from the view
(`BoardCard`), and the board shows what it showed before, card by card, for each role.

The reference is the card partial as it was (`board_card_before.html`: `card.deal`, an include
of the next-step badge, `{% url %}` per link, a loop over the stages), drawn for the same cards."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.pipeline.models import Deal, Outcome
from salesflow.pipeline.selectors import board_column_totals, board_deals, stages_active
from salesflow.pipeline.tests.factories import StakeholderFactory
from salesflow.users import policy
from salesflow.users.models import Visibility
from tests.factories import (
    ActivityFactory,
    DealFactory,
    default_pipeline,
    lost_reason,
    stage_named,
)

pytestmark = pytest.mark.django_db

BOARD = reverse("board:board")
BEFORE = Path(__file__).with_name("board_card_before.html").read_text()
CARD = re.compile(r'<li class="board-card.*?\n</li>', re.S)


def _normal(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


@pytest.fixture
def every_kind_of_card(rep, teammate, outsider, manager):
    """Cards of every look: rotting, no decision maker, next step none / overdue / planned,
    won and lost this month, no account, nobody owning it, a teammate's, another team's
    shared one (read-only for a rep), a name to escape."""
    now = timezone.now()
    presentation = stage_named("Presentation / demo")
    DealFactory(owner=rep, name="Stale demo", stage=presentation,
                stage_entered_at=now - dt.timedelta(days=30))  # fmt: skip
    decided = DealFactory(owner=rep, name="Fresh demo", stage=presentation)
    StakeholderFactory(deal=decided)
    overdue = DealFactory(owner=rep, name="Overdue step", stage=stage_named("Qualification"))
    ActivityFactory(owner=rep, deal=overdue, due_at=now - dt.timedelta(days=2))
    planned = DealFactory(owner=rep, name="Planned step", stage=stage_named("Qualification"))
    ActivityFactory(owner=rep, deal=planned, due_at=now + dt.timedelta(days=2))
    DealFactory(owner=rep, name="Nobody's account", account=None)
    DealFactory(owner=None, team=rep.teams.get(), visibility=Visibility.TEAM, name="Queue deal")
    DealFactory(owner=teammate, visibility=Visibility.TEAM, name="Teammate <b>deal</b>",
                stage=stage_named("Proposal and objections"), amount="12345.50")  # fmt: skip
    DealFactory(owner=outsider, visibility=Visibility.EVERYONE, name="Shared south deal")
    DealFactory(owner=teammate, visibility=Visibility.EVERYONE, name="Teammate's open deal",
                stage_entered_at=now - dt.timedelta(days=1, hours=1))  # fmt: skip
    for outcome, kind in ((Outcome.WON, "won"), (Outcome.LOST, "lost")):
        reason = lost_reason() if outcome == Outcome.LOST else None
        DealFactory(owner=rep, name=f"Closed {kind}", outcome=outcome, closed_at=now,
                    closed_on=timezone.localdate(), lost_reason=reason,
                    stage=default_pipeline().stages.get(kind=kind))  # fmt: skip


@pytest.mark.parametrize("persona", ["rep", "manager", "admin_user"])
def test_every_card_draws_as_the_card_before(persona, request, every_kind_of_card):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(BOARD)
    assert response.status_code == 200
    content = response.content.decode()
    drawn = {re.search(r'data-deal="(\d+)"', card)[1]: card for card in CARD.findall(content)}
    before = engines["django"].from_string(BEFORE)
    stages = response.context["stages"]
    cards = [card for column in response.context["columns"] for card in column.cards]
    assert len(cards) == len(drawn) >= 9
    for card in cards:
        old = SimpleNamespace(
            deal=card.deal,
            days_in_stage=card.days_in_stage,
            can_move=policy.can_write(user, card.deal),  # asked per card, as before
            next_stage_id=card.next_stage_id,
            is_rotting=any(warning.code == "rotting" for warning in card.warnings),
            other_warnings=[warning for warning in card.warnings if warning.code != "rotting"],
        )
        context = {"card": old, "stages": stages, "board_url": response.context["board_url"]}
        reference = before.render(context, response.wsgi_request)
        assert _normal(drawn[str(card.deal.pk)]) == _normal(reference), card.deal.name
    # What a user notices, named once more: warnings, badges, links, the read-only card.
    assert "Rotting" in drawn[_pk("Stale demo")] and "No decision maker" in drawn[_pk("Stale demo")]
    assert "No decision maker" not in drawn[_pk("Fresh demo")]
    assert 'data-next-step="overdue"' in drawn[_pk("Overdue step")]
    assert "data-next-step" not in drawn[_pk("Planned step")]
    assert "No account yet" in drawn[_pk("Nobody's account")]
    assert "Teammate &lt;b&gt;deal&lt;/b&gt;" in content and "EUR 12,346" in content
    assert "Closed won" in content and "badge--lost" in content
    shared = drawn[_pk("Shared south deal")]
    assert ("data-movable" in shared) == (persona == "admin_user")
    assert "data-movable" in drawn[_pk("Teammate <b>deal</b>")]  # the team's, shared with it
    opened = drawn[_pk("Teammate's open deal")]
    assert "1 day in stage" in opened
    assert ("data-movable" in opened) == (persona != "rep")  # shared, not the team's to edit


def _pk(name: str) -> str:
    return str(Deal.objects.get(name=name).pk)


def test_the_move_form_offers_every_other_stage_but_lost(rep, every_kind_of_card):
    content = client_for(rep).get(BOARD).content.decode()
    deal = Deal.objects.get(name="Overdue step")
    card = next(card for card in CARD.findall(content) if f'data-deal="{deal.pk}"' in card)
    offered = re.findall(r'<option value="(\d+)"( selected)?>', card)
    stages = [stage for stage in stages_active(default_pipeline()) if stage.kind != "lost"]
    assert [int(pk) for pk, _ in offered] == [s.pk for s in stages if s.pk != deal.stage_id]
    later = [stage for stage in stages if stage.position > deal.stage.position]
    assert [int(pk) for pk, chosen in offered if chosen] == [later[0].pk]


def test_closed_totals_by_close_day_equal_the_totals_of_the_chosen_deals(rep):
    """The Won and Lost columns read by close day (two parts, one query) count what the
    board's deals hold: this month's closes, the older ones with only `closed_at` included,
    last month's left out."""
    now = timezone.now()
    today = timezone.localdate()
    won = default_pipeline().stages.get(kind="won")
    for days, amount in ((0, 1000), (1, 2000), (40, 4000)):
        closed_at = now - dt.timedelta(days=days)
        DealFactory(owner=rep, stage=won, outcome=Outcome.WON, amount=amount, closed_at=closed_at,
                    closed_on=closed_at.date())  # fmt: skip
    DealFactory(owner=rep, stage=won, outcome=Outcome.WON, amount=8000, closed_at=now,
                closed_on=None)  # fmt: skip
    Deal.objects.filter(amount=8000).update(closed_on=None)  # a deal closed before closed_on
    stages = list(stages_active(default_pipeline()))
    start = today.replace(day=1) if today.day > 1 else today
    deals = board_deals(rep, pipeline=default_pipeline(), closed_from=start)
    by_day = board_column_totals(deals, stages, closed_from=start)
    together = board_column_totals(deals, stages)
    assert by_day == together
    expected = sum(
        deal.amount for deal in deals.filter(stage=won) if deal.closed_at >= now - dt.timedelta(1)
    )
    assert by_day[won.pk].amounts[0].total == expected
    assert by_day[won.pk].count == deals.filter(stage=won).count() >= 2


def test_the_board_reads_the_same_queries_with_more_closed_deals(rep):
    won = default_pipeline().stages.get(kind="won")

    client = client_for(rep)
    client.get(BOARD)  # the session's first request writes the closed-deals choice

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(BOARD).status_code == 200
        return len(captured)

    DealFactory(owner=rep, stage=stage_named("Qualification"))
    few = queries()
    for n in range(12):
        DealFactory(owner=rep, stage=won, outcome=Outcome.WON, closed_at=timezone.now(),
                    closed_on=timezone.localdate() if n % 2 else None)  # fmt: skip
    assert queries() == few <= 13
