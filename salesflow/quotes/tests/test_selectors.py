from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from salesflow.core.errors import AccessDenied
from salesflow.quotes.models import QuoteStatus
from salesflow.quotes.selectors import (
    deal_quotes,
    quote_get_for_user,
    quote_needs_approval,
    quote_sent_missing,
    quote_totals,
    quotes_visible_to,
)
from salesflow.quotes.services import quote_create, quote_revise, quote_send, quote_update
from salesflow.quotes.tests.factories import quote_with_lines
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db

D = Decimal


def line(quantity: str, unit_price: str, *, discount: str = "0", tax: str = "0") -> dict:
    return {
        "quantity": D(quantity),
        "unit_price": D(unit_price),
        "discount_percent": D(discount),
        "tax_rate": D(tax),
    }


def test_totals_apply_discounts_then_tax_and_round_each_line_half_up(rep):
    quote = quote_with_lines(
        DealFactory(owner=rep),
        acting_user=rep,
        lines=[
            # 59.97 gross, 5.997 -> 6.00 off, 53.97, tax 10.2543 -> 10.25
            line("3", "19.99", discount="10", tax="19"),
            # tax 0.125 -> 0.13 (half up, where banker's rounding would give 0.12)
            line("1", "2.50", tax="5"),
            # 200.00 gross, 25.00 off, no tax
            line("2", "100", discount="12.5"),
        ],
    )

    totals = quote_totals(quote)

    assert [a.amount for a in totals.lines] == [D("53.97"), D("2.50"), D("175.00")]
    assert [a.tax for a in totals.lines] == [D("10.25"), D("0.13"), D("0.00")]
    assert totals.subtotal == D("262.47")
    assert totals.discount_total == D("31.00")
    assert totals.net_total == D("231.47")
    assert totals.tax_total == D("10.38")
    assert totals.grand_total == D("241.85")
    assert totals.currency == "EUR"


def test_quote_wide_discount_comes_after_line_discount_and_before_tax(rep):
    quote = quote_with_lines(
        DealFactory(owner=rep),
        acting_user=rep,
        lines=[{"quantity": 3, "unit_price": D("19.99"), "discount_percent": 10, "tax_rate": 19}],
    )
    quote_update(quote, acting_user=rep, discount_percent=D("5"))

    totals = quote_totals(quote)

    # 53.97 after the line discount; 5% of it is 2.6985 -> 2.70; tax 19% of 51.27 = 9.7413
    assert totals.quote_discount_total == D("2.70")
    assert totals.discount_total == D("8.70")
    assert totals.net_total == D("51.27")
    assert totals.tax_total == D("9.74")
    assert totals.grand_total == D("61.01")


def test_totals_of_a_quote_without_lines_are_zero(rep):
    quote = quote_create(DealFactory(owner=rep), acting_user=rep)
    totals = quote_totals(quote)
    assert totals.grand_total == D("0.00") and totals.discount_percent == 0


def test_overall_discount_above_threshold_needs_approval_though_no_single_discount_is(rep):
    quote = quote_with_lines(
        DealFactory(owner=rep), acting_user=rep, lines=[{"unit_price": 100, "discount_percent": 10}]
    )
    assert not quote_needs_approval(quote)
    quote_update(quote, acting_user=rep, discount_percent=10)
    # 10% then another 10% of the rest: 19% off overall, above the default 15%.
    assert quote_needs_approval(quote)


def test_deal_quotes_with_their_totals_take_two_queries(rep, django_assert_num_queries):
    deal = DealFactory(owner=rep)
    for _ in range(3):
        quote_with_lines(deal, acting_user=rep, lines=[{"unit_price": 10}, {"unit_price": 20}])

    with django_assert_num_queries(2):
        grand_totals = [quote_totals(quote).grand_total for quote in deal_quotes(deal)]

    assert grand_totals == [D("30.00")] * 3


def test_a_quote_follows_its_deals_access(rep, teammate, outsider, manager, admin_user):
    quote = quote_create(DealFactory(owner=rep), acting_user=rep)

    for user in (rep, teammate, manager, admin_user):
        assert quote_get_for_user(user, quote.pk, write=True) == quote
    assert list(quotes_visible_to(outsider)) == []
    with pytest.raises(Http404):
        quote_get_for_user(outsider, quote.pk)


def test_a_quote_of_a_deal_shared_with_everyone_is_read_only_for_outsiders(rep, outsider):
    quote = quote_create(DealFactory(owner=rep, visibility="everyone"), acting_user=rep)

    assert quote_get_for_user(outsider, quote.pk) == quote
    with pytest.raises(AccessDenied):
        quote_get_for_user(outsider, quote.pk, write=True)


def test_quote_sent_criterion_is_missing_until_a_quote_is_sent(rep):
    deal = DealFactory(owner=rep)
    missing = [{"code": "quote_sent", "message": "Send a quote to the customer."}]
    assert quote_sent_missing(deal) == missing

    quote = quote_with_lines(deal, acting_user=rep, lines=[{"unit_price": 10}])
    assert quote_sent_missing(deal) == missing

    quote_send(quote, acting_user=rep)
    assert quote_sent_missing(deal) == []


def test_quote_sent_criterion_is_missing_again_while_the_revision_is_a_draft(rep):
    deal = DealFactory(owner=rep)
    quote = quote_with_lines(deal, acting_user=rep, lines=[{"unit_price": 10}])
    quote_send(quote, acting_user=rep)

    revision = quote_revise(quote, acting_user=rep, note="Customer wants a longer term.")

    assert quote_sent_missing(deal)[0]["code"] == "quote_sent"
    quote_send(revision, acting_user=rep)
    assert quote_sent_missing(deal) == []
    assert deal.quotes.get(revision=1).status == QuoteStatus.SUPERSEDED
