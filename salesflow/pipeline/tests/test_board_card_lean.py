"""The board's lean card (issue #10 point 4, session 13): every value comes ready from the view
(`BoardCard`). What each card shows, for each role, asserted by content: the name and its link,
account, amount, owner, age, the badges and warnings, the Move form (the keyboard's and the
phone's way to move a card) and the data attributes board.js reads to move a dragged card."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
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
CARD = re.compile(r'<li class="board-card.*?\n</li>', re.S)


class Node:
    """An element of a card: its tag, attributes, children and text (a tiny DOM)."""

    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag, self.attrs, self.children, self.parts = tag, attrs, [], []

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def all(self, tag: str = "", cls: str = "", **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            if (
                (not tag or child.tag == tag)
                and (not cls or cls in child.classes())
                and all(child.attrs.get(name.replace("_", "-")) == v for name, v in attrs.items())
            ):
                found.append(child)
            found.extend(child.all(tag, cls, **attrs))
        return found

    def one(self, tag: str = "", cls: str = "", **attrs: str) -> Node:
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, (tag, cls, attrs, len(found))
        return found[0]


class _Parser(HTMLParser):
    VOID = {"input", "br", "img", "meta", "link", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.open[-1].children.append(node)
        if tag not in self.VOID:
            self.open.append(node)

    def handle_endtag(self, tag: str) -> None:
        while len(self.open) > 1:
            if self.open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for node in self.open[1:]:
            node.parts.append(data)


def parse(html: str) -> Node:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.root.children[0]


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


def _cards(content: str) -> dict[str, Node]:
    """The drawn cards by deal name."""
    cards = {}
    for html in CARD.findall(content):
        card = parse(html)
        cards[card.one("a", "board-card__name").text] = card
    return cards


@pytest.mark.parametrize("persona", ["rep", "manager", "admin_user"])
def test_every_card_shows_its_deal(persona, request, every_kind_of_card):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(BOARD)
    assert response.status_code == 200
    content = response.content.decode()
    cards = _cards(content)
    deals = {deal.name: deal for deal in Deal.objects.select_related("stage", "owner", "account")}
    assert set(cards) <= set(deals) and len(cards) >= 9
    stages = [stage for stage in stages_active(default_pipeline()) if stage.kind != "lost"]
    now = timezone.now()
    for name, card in cards.items():
        deal = deals[name]
        url, move_url = deal.get_absolute_url(), reverse("board:move", args=[deal.pk])
        # What board.js reads to move a dragged card, and the card's address.
        assert card.attrs["id"] == f"deal-card-{deal.pk}"
        assert card.attrs["data-deal"] == str(deal.pk)
        assert card.attrs["data-stage"] == str(deal.stage_id)
        assert card.attrs["data-version"] == str(deal.version)
        assert card.attrs["data-move-url"] == move_url
        can_move = policy.can_write(user, deal)
        assert ("data-movable" in card.attrs) is can_move, name
        # Text, amount, owner, age.
        assert card.one("a", "board-card__name").attrs["href"] == url
        account = deal.account.name if deal.account else "No account yet"
        assert card.one("p", "board-card__account").text == account
        amount = "EUR 12,346" if deal.amount == 12345.5 else f"EUR {deal.amount:,.0f}"
        assert card.one("span", "board-card__amount").text == amount
        owner = str(deal.owner) if deal.owner else "Nobody"
        assert card.one("span", "board-card__owner").text == f"Owner: {owner}"
        age = card.one("span", "board-card__age")
        if deal.is_closed:
            label = deal.get_outcome_display()
            assert card.one("span", f"badge--{deal.outcome}").text == label
            closed = timezone.localtime(deal.closed_at)
            assert age.text == f"{label} {closed.day} {closed:%b}"
            assert age.one("time").attrs["datetime"] == closed.isoformat()
        else:
            days = (now - deal.stage_entered_at).days
            assert age.text == f"{days} day{'' if days == 1 else 's'} in stage"
        # The move form: the stages but the card's own and Lost, the next one chosen.
        if not can_move:
            assert card.all("details") == [] and card.all("form") == []
            continue
        move = card.one("details", "board-card__move")
        assert move.one("summary").text == f"Move {deal.name}"
        form = move.one("form")
        assert form.attrs["action"] == form.attrs["hx-post"] == move_url
        assert (form.attrs["hx-target"], form.attrs["hx-swap"], form.attrs["hx-include"]) == (
            "closest .board-card",
            "outerHTML",
            "#board-state",
        )
        assert form.one("input", name="version").attrs["value"] == str(deal.version)
        assert form.one("input", name="next").attrs["value"] == response.context["board_url"]
        select = form.one("select", name="stage")
        assert form.one("label", **{"for": select.attrs["id"]}).text == "Move to stage"
        offered = [(int(o.attrs["value"]), "selected" in o.attrs) for o in select.all("option")]
        assert [pk for pk, _ in offered] == [s.pk for s in stages if s.pk != deal.stage_id]
        opened = [s.pk for s in stages if s.kind == "open"]
        later = [s.pk for s in stages if s.position > deal.stage.position]
        # Forward one stage; a closed deal's form offers to reopen it in the last open stage.
        chosen = opened[-1:] if deal.is_closed else later[:1]
        assert [pk for pk, selected in offered if selected] == chosen, name
        overrides = form.all("input", name="override_reason")
        assert len(overrides) == (persona != "rep")
        assert form.one("button", type="submit").text == "Move"
        assert move.one("a").attrs["href"] == url  # "Close it on the deal page"

    # The warnings and badges a user notices.
    stale = cards["Stale demo"]
    assert stale.one("span", "board-card__rotting").text == "Rotting"
    assert stale.one("span", "board-card__rotting").attrs["title"] == (
        "Idle longer than 21 days in Presentation / demo"
    )
    assert "is-rotting" in stale.classes()
    warning = stale.one("span", "board-card__warning", data_warning="no_decision_maker")
    assert warning.text == "No decision maker" and warning.attrs["title"]
    assert stale.one("span", "next-step-badge").text == "No next step"
    fresh = cards["Fresh demo"]
    assert fresh.all("span", "board-card__warning") == [] and fresh.all("span", "is-rotting") == []
    assert "is-rotting" not in fresh.classes()
    overdue = cards["Overdue step"].one("span", "next-step-badge", data_next_step="overdue")
    assert overdue.text == "Next step overdue" and overdue.attrs["title"].startswith(
        "The next activity was due "
    )
    assert cards["Planned step"].all("span", "next-step-badge") == []
    assert cards["Closed won"].all("span", "next-step-badge") == []
    assert cards["Teammate <b>deal</b>"].one("a", "board-card__name").text == "Teammate <b>deal</b>"
    assert "Teammate &lt;b&gt;deal&lt;/b&gt;" in content and "<b>deal</b>" not in content
    assert ("data-movable" in cards["Shared south deal"].attrs) == (persona == "admin_user")
    assert "data-movable" in cards["Teammate <b>deal</b>"].attrs  # the team's, shared with it
    opened = cards["Teammate's open deal"]
    assert opened.one("span", "board-card__age").text == "1 day in stage"
    assert ("data-movable" in opened.attrs) == (persona != "rep")  # shared, not the team's


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
