"""The board on any screen, server side: one amount format everywhere on the board, and the
stage switcher that a phone uses (its options name each stage with its count and amount; without
JavaScript it opens the stage's own page)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from salesflow.pipeline.templatetags.board_amounts import money_whole
from tests.factories import DealFactory, stage_named

pytestmark = pytest.mark.django_db

BOARD = reverse("board:board")
AMOUNT = re.compile(r"EUR [0-9][0-9,.]*[0-9]")


def test_every_amount_on_the_board_has_the_same_format(rep_client, rep):
    # 13,345.50 at 45 % weighs 6,005.48: cents on a card and on a weighted total used to show
    # next to whole amounts elsewhere on the board.
    presentation = stage_named("Presentation / demo")
    DealFactory(owner=rep, stage=presentation, amount=Decimal("12345.50"), name="Odd amount")
    DealFactory(owner=rep, stage=presentation, amount=Decimal("1000.00"), name="Round amount")

    content = rep_client.get(BOARD).content.decode()

    amounts = AMOUNT.findall(content)
    assert amounts, "the board shows amounts"
    assert all(re.fullmatch(r"EUR \d{1,3}(,\d{3})*", amount) for amount in amounts), amounts
    card = content.split('class="board-card__name"')[1:]
    odd = next(part for part in card if "Odd amount" in part.split("</a>")[0])
    assert '<span class="board-card__amount">EUR 12,346</span>' in odd
    head = content.split(f'id="board-head-{presentation.pk}"')[1].split("</header>")[0]
    assert "EUR 13,346" in head  # 13,345.50 rounded the same way as the card
    assert "Weighted EUR 6,005" in head  # 6,005.48 before


def test_whole_amounts_round_half_up_and_keep_the_dash_for_none():
    assert money_whole(Decimal("0.50"), "EUR") == "EUR 1"
    assert money_whole(Decimal("1234.49"), "USD") == "USD 1,234"
    assert money_whole(None, "EUR") == "—"


def test_stage_switcher_names_each_stage_with_its_count_and_amount(rep_client, rep):
    qualification = stage_named("Qualification")
    DealFactory(owner=rep, stage=qualification, amount=30000)
    DealFactory(owner=rep, stage=qualification, amount=20000)

    content = rep_client.get(BOARD).content.decode()

    switcher = content.split('class="board-switcher"')[1].split("</form>")[0]
    assert f'action="{reverse("board:column")}"' in switcher
    assert f'<option value="{qualification.pk}">Qualification · 2 deals · EUR 50,000</option>' in (
        switcher
    )
    assert ">Prospecting · 0 deals</option>" in switcher
    # Each column carries the switcher's label, refreshed when a move swaps the header.
    assert 'data-switcher-label="Qualification · 2 deals · EUR 50,000"' in content


def test_stage_switcher_without_javascript_opens_that_stage_alone(rep_client, rep):
    qualification = stage_named("Qualification")
    DealFactory(owner=rep, stage=qualification, name="Fleet renewal")
    DealFactory(owner=rep, stage=stage_named("Prospecting"), name="Printer lease")

    response = rep_client.get(
        reverse("board:column"), {"stage": qualification.pk, "pipeline": qualification.pipeline_id}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Qualification</h1>" in content
    assert "Fleet renewal" in content and "Printer lease" not in content
    assert 'class="board-switcher"' not in content  # one stage already
