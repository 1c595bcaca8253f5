from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from salesflow.core.errors import AccessDenied, ConflictError, DomainError
from salesflow.quotes.models import Product, Quote, QuoteLine, QuoteStatus
from salesflow.quotes.selectors import quote_settings
from salesflow.quotes.services import (
    product_create,
    product_update,
    quote_accept,
    quote_approval_decline,
    quote_approve,
    quote_create,
    quote_line_add,
    quote_line_delete,
    quote_line_update,
    quote_reject,
    quote_revise,
    quote_send,
    quote_settings_update,
    quote_submit_for_approval,
    quote_update,
)
from salesflow.quotes.tests.factories import ProductFactory, quote_with_lines
from tests.factories import DealFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
UTC = dt.UTC


# Products -----------------------------------------------------------------------------------


def test_admin_adds_a_product_to_the_catalogue(admin_user):
    product = product_create(
        acting_user=admin_user, name="Tracker", sku="TR-1", unit_price=D("49.90"), tax_rate=19
    )
    assert product.currency == "EUR" and product.is_active


def test_a_rep_cannot_change_the_catalogue(rep):
    with pytest.raises(AccessDenied):
        product_create(acting_user=rep, name="Tracker", sku="TR-1", unit_price=1)
    with pytest.raises(AccessDenied):
        product_update(ProductFactory(), acting_user=rep, unit_price=0)


def test_product_with_negative_price_or_taken_sku_is_refused(admin_user):
    ProductFactory(sku="TR-1")
    with pytest.raises(ValidationError) as exc:
        product_create(acting_user=admin_user, name="Tracker", sku="TR-1", unit_price=-1)
    assert {"unit_price", "sku"} <= set(exc.value.message_dict)
    assert Product.objects.count() == 1


def test_product_update_with_a_stale_version_is_refused(admin_user):
    product = ProductFactory()
    product_update(product, acting_user=admin_user, unit_price=D("90"))
    stale = Product.objects.get(pk=product.pk)
    stale.version = 1
    with pytest.raises(ConflictError):
        product_update(stale, acting_user=admin_user, expected_version=1, unit_price=D("80"))


# Quotes and lines ---------------------------------------------------------------------------


def test_quotes_are_numbered_per_year(rep):
    deal = DealFactory(owner=rep)
    with time_machine.travel(dt.datetime(2026, 12, 31, 12, tzinfo=UTC)):
        first = quote_create(deal, acting_user=rep)
        second = quote_create(deal, acting_user=rep)
    with time_machine.travel(dt.datetime(2027, 1, 2, 12, tzinfo=UTC)):
        next_year = quote_create(deal, acting_user=rep)
    assert [first.number, second.number, next_year.number] == [
        "Q-2026-0001",
        "Q-2026-0002",
        "Q-2027-0001",
    ]
    assert str(first) == "Q-2026-0001 v1"


def test_numbering_continues_past_9999(rep):
    deal = DealFactory(owner=rep)
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=UTC)):
        Quote.objects.create(deal=deal, number="Q-2026-9999")
        assert quote_create(deal, acting_user=rep).number == "Q-2026-10000"
        assert quote_create(deal, acting_user=rep).number == "Q-2026-10001"


def test_new_quote_takes_the_deals_currency_and_default_validity(rep):
    deal = DealFactory(owner=rep, currency="USD")
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=UTC)):
        quote = quote_create(deal, acting_user=rep)
    assert quote.currency == "USD"
    assert quote.valid_until == dt.date(2026, 3, 31)
    assert quote.status == QuoteStatus.DRAFT and quote.created_by == rep


def test_a_line_from_a_product_takes_its_name_price_and_tax(rep):
    quote = quote_create(DealFactory(owner=rep), acting_user=rep)
    product = ProductFactory(name="Tracker", unit_price=D("49.90"), tax_rate=D("19"))

    line = quote_line_add(quote, acting_user=rep, product=product, quantity=D("2"))

    assert (line.description, line.unit_price, line.tax_rate) == ("Tracker", D("49.90"), D("19"))
    quote.refresh_from_db()
    assert quote.version == 2  # a line change is a change of the quote


def test_a_product_priced_in_another_currency_needs_a_price(rep):
    quote = quote_create(DealFactory(owner=rep), acting_user=rep)
    product = ProductFactory(currency="USD")
    with pytest.raises(ValidationError) as exc:
        quote_line_add(quote, acting_user=rep, product=product)
    assert "unit_price" in exc.value.message_dict
    line = quote_line_add(quote, acting_user=rep, product=product, unit_price=D("92"))
    assert line.unit_price == D("92")


def test_a_retired_product_cannot_be_quoted(rep):
    quote = quote_create(DealFactory(owner=rep), acting_user=rep)
    with pytest.raises(ValidationError) as exc:
        quote_line_add(quote, acting_user=rep, product=ProductFactory(is_active=False))
    assert "product" in exc.value.message_dict


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quantity", D("-1")),
        ("quantity", D("0")),
        ("discount_percent", D("100.01")),
        ("discount_percent", D("-5")),
        ("unit_price", D("-0.01")),
        ("tax_rate", D("101")),
    ],
)
def test_bad_line_input_is_refused_naming_the_field_and_nothing_is_saved(rep, field, value):
    quote = quote_create(DealFactory(owner=rep), acting_user=rep)
    line = {"description": "Tracker", "quantity": D("1"), "unit_price": D("10"), field: value}

    with pytest.raises(ValidationError) as exc:
        quote_line_add(quote, acting_user=rep, **line)

    assert list(exc.value.message_dict) == [field]
    assert not QuoteLine.objects.exists()
    quote.refresh_from_db()
    assert quote.version == 1


def test_changing_a_line_to_a_negative_quantity_is_refused(rep):
    quote = quote_with_lines(DealFactory(owner=rep), acting_user=rep, lines=[{"unit_price": 10}])
    line = quote.lines.get()
    with pytest.raises(ValidationError) as exc:
        quote_line_update(line, acting_user=rep, quantity=D("-2"))
    assert "quantity" in exc.value.message_dict
    line.refresh_from_db()
    assert line.quantity == 1


def test_quote_discount_over_100_percent_is_refused(rep):
    quote = quote_create(DealFactory(owner=rep), acting_user=rep)
    with pytest.raises(ValidationError) as exc:
        quote_update(quote, acting_user=rep, discount_percent=D("120"))
    assert "discount_percent" in exc.value.message_dict


def test_a_teammate_may_add_lines_an_outsider_may_not(rep, teammate, outsider):
    quote = quote_create(DealFactory(owner=rep), acting_user=rep)

    quote_line_add(quote, acting_user=teammate, description="Setup", unit_price=D("500"))
    with pytest.raises(AccessDenied):
        quote_line_add(quote, acting_user=outsider, description="Setup", unit_price=D("1"))

    assert quote.lines.count() == 1


def test_an_outsider_cannot_start_a_quote_on_someone_elses_deal(rep, outsider):
    with pytest.raises(AccessDenied):
        quote_create(DealFactory(owner=rep), acting_user=outsider)
    assert not Quote.objects.exists()


def test_a_stale_edit_of_the_lines_is_refused(rep, teammate):
    quote = quote_create(DealFactory(owner=rep), acting_user=rep)
    read_version = quote.version
    quote_line_add(
        quote, acting_user=teammate, expected_version=read_version, description="A", unit_price=1
    )
    stale = Quote.objects.get(pk=quote.pk)
    stale.version = read_version
    with pytest.raises(ConflictError):
        quote_line_add(
            stale, acting_user=rep, expected_version=read_version, description="B", unit_price=1
        )
    assert quote.lines.count() == 1


def test_lines_can_be_changed_only_while_the_quote_is_a_draft(rep):
    quote = quote_with_lines(DealFactory(owner=rep), acting_user=rep, lines=[{"unit_price": 10}])
    quote_send(quote, acting_user=rep)
    line = quote.lines.get()

    with pytest.raises(DomainError):
        quote_line_add(quote, acting_user=rep, description="Extra", unit_price=1)
    with pytest.raises(DomainError):
        quote_line_update(line, acting_user=rep, unit_price=D("5"))
    with pytest.raises(DomainError):
        quote_line_delete(line, acting_user=rep)
    with pytest.raises(DomainError):
        quote_update(quote, acting_user=rep, notes="Changed after sending")
    assert quote.lines.get().unit_price == D("10")


# Approval, sending, decisions ---------------------------------------------------------------


@pytest.fixture
def discounted_quote(rep):
    """A draft with a 20% discount: above the default 15% threshold."""
    return quote_with_lines(
        DealFactory(owner=rep),
        acting_user=rep,
        lines=[{"unit_price": D("1000"), "discount_percent": D("20")}],
    )


def test_a_discount_above_the_threshold_cannot_be_sent_without_approval(rep, discounted_quote):
    with pytest.raises(DomainError) as exc:
        quote_send(discounted_quote, acting_user=rep)

    assert exc.value.missing[0]["code"] == "quote_approval"
    assert "15%" in exc.value.message
    discounted_quote.refresh_from_db()
    assert discounted_quote.status == QuoteStatus.DRAFT and discounted_quote.sent_at is None


def test_the_teams_manager_approves_and_then_the_rep_sends(rep, manager, discounted_quote):
    quote_submit_for_approval(discounted_quote, acting_user=rep, note="Competitor is 18% lower.")
    with pytest.raises(DomainError):
        quote_send(discounted_quote, acting_user=rep)  # still waiting

    quote_approve(discounted_quote, acting_user=manager)
    quote_send(discounted_quote, acting_user=rep)

    discounted_quote.refresh_from_db()
    assert discounted_quote.status == QuoteStatus.SENT
    assert discounted_quote.approved_by == manager and discounted_quote.sent_at is not None
    moves = [(c.to_status, c.changed_by) for c in discounted_quote.status_changes.all()]
    assert moves == [
        (QuoteStatus.DRAFT, rep),
        (QuoteStatus.PENDING_APPROVAL, rep),
        (QuoteStatus.APPROVED, manager),
        (QuoteStatus.SENT, rep),
    ]


def test_a_rep_cannot_approve_even_their_own_quote(rep, teammate, discounted_quote):
    quote_submit_for_approval(discounted_quote, acting_user=rep)
    for user in (rep, teammate):
        with pytest.raises(AccessDenied):
            quote_approve(discounted_quote, acting_user=user)
    discounted_quote.refresh_from_db()
    assert discounted_quote.status == QuoteStatus.PENDING_APPROVAL


def test_a_manager_of_another_team_cannot_approve(rep, discounted_quote):
    other_manager = UserFactory(role="manager", team=TeamFactory(name="South"))
    quote_submit_for_approval(discounted_quote, acting_user=rep)
    with pytest.raises(AccessDenied):
        quote_approve(discounted_quote, acting_user=other_manager)


def test_a_manager_cannot_approve_the_discount_they_asked_for(manager, north, discounted_quote):
    # The manager's own discount needs another manager of the team or an admin (issue 14).
    quote_submit_for_approval(discounted_quote, acting_user=manager)
    with pytest.raises(AccessDenied, match="You asked for this approval"):
        quote_approve(discounted_quote, acting_user=manager)
    discounted_quote.refresh_from_db()
    assert discounted_quote.status == QuoteStatus.PENDING_APPROVAL
    assert discounted_quote.approved_by is None

    second_manager = UserFactory(role="manager", team=north)
    quote_approve(discounted_quote, acting_user=second_manager)
    assert discounted_quote.status == QuoteStatus.APPROVED


def test_an_admin_may_approve(rep, admin_user, discounted_quote):
    quote_submit_for_approval(discounted_quote, acting_user=rep)
    quote_approve(discounted_quote, acting_user=admin_user)
    assert discounted_quote.status == QuoteStatus.APPROVED


def test_a_declined_approval_returns_the_quote_to_draft_for_changes(rep, manager, discounted_quote):
    quote_submit_for_approval(discounted_quote, acting_user=rep)
    quote_approval_decline(discounted_quote, acting_user=manager, note="10% at most.")
    quote_line_update(discounted_quote.lines.get(), acting_user=rep, discount_percent=D("10"))

    quote_send(discounted_quote, acting_user=rep)

    assert discounted_quote.status == QuoteStatus.SENT
    assert discounted_quote.status_changes.filter(note="10% at most.").exists()


def test_a_discount_within_the_threshold_is_sent_directly(rep):
    quote = quote_with_lines(
        DealFactory(owner=rep),
        acting_user=rep,
        lines=[{"unit_price": D("1000"), "discount_percent": D("15")}],
    )
    quote_send(quote, acting_user=rep)
    assert quote.status == QuoteStatus.SENT and quote.approved_by is None


def test_the_admin_sets_the_threshold(rep, admin_user, discounted_quote):
    with pytest.raises(AccessDenied):
        quote_settings_update(acting_user=rep, approval_discount_threshold=50)
    quote_settings_update(acting_user=admin_user, approval_discount_threshold=D("25"))
    assert quote_settings().approval_discount_threshold == D("25")

    quote_send(discounted_quote, acting_user=rep)
    assert discounted_quote.status == QuoteStatus.SENT


def test_a_quote_without_lines_cannot_be_sent(rep):
    quote = quote_create(DealFactory(owner=rep), acting_user=rep)
    with pytest.raises(DomainError) as exc:
        quote_send(quote, acting_user=rep)
    assert exc.value.missing[0]["code"] == "quote_lines"


def test_a_quote_of_a_closed_deal_cannot_be_sent(rep):
    # Made closed directly: this app does not depend on how the pipeline closes deals.
    deal = DealFactory(owner=rep, outcome="won", closed_at=timezone.now())
    quote = quote_with_lines(deal, acting_user=rep, lines=[{"unit_price": 10}])
    with pytest.raises(DomainError):
        quote_send(quote, acting_user=rep)


def test_the_customer_accepts_a_sent_quote(rep):
    quote = quote_with_lines(DealFactory(owner=rep), acting_user=rep, lines=[{"unit_price": 10}])
    with pytest.raises(DomainError):
        quote_accept(quote, acting_user=rep)  # not sent yet
    quote_send(quote, acting_user=rep)
    quote_accept(quote, acting_user=rep)
    assert quote.status == QuoteStatus.ACCEPTED and quote.decided_at is not None
    with pytest.raises(DomainError):
        quote_revise(quote, acting_user=rep)


def test_an_outsider_cannot_send_or_decide(rep, outsider):
    quote = quote_with_lines(DealFactory(owner=rep), acting_user=rep, lines=[{"unit_price": 10}])
    with pytest.raises(AccessDenied):
        quote_send(quote, acting_user=outsider)
    quote_send(quote, acting_user=rep)
    with pytest.raises(AccessDenied):
        quote_reject(quote, acting_user=outsider)


# Revisions ----------------------------------------------------------------------------------


def test_revising_after_an_objection_makes_v2_and_supersedes_v1(rep):
    v1 = quote_with_lines(
        DealFactory(owner=rep),
        acting_user=rep,
        lines=[
            {"description": "Trackers", "quantity": 10, "unit_price": D("49.90")},
            {"description": "Setup", "unit_price": D("500"), "discount_percent": 5},
        ],
    )
    quote_update(v1, acting_user=rep, notes="Delivery in 4 weeks.")
    quote_send(v1, acting_user=rep)
    quote_reject(v1, acting_user=rep, note="Setup fee too high.")

    v2 = quote_revise(v1, acting_user=rep, note="Setup fee too high.")

    v1.refresh_from_db()
    assert v1.status == QuoteStatus.SUPERSEDED
    assert (v2.number, v2.revision, v2.status) == (v1.number, 2, QuoteStatus.DRAFT)
    assert str(v2) == f"{v1.number} v2"
    assert v2.notes == "Delivery in 4 weeks." and v2.sent_at is None
    assert [(line.description, line.quantity, line.unit_price) for line in v2.lines.all()] == [
        ("Trackers", D("10"), D("49.90")),
        ("Setup", D("1"), D("500")),
    ]
    # v1 keeps what the customer saw; v2 is negotiated on its own.
    quote_line_update(v2.lines.get(description="Setup"), acting_user=rep, unit_price=D("250"))
    assert v1.lines.get(description="Setup").unit_price == D("500")


def test_only_the_current_revision_can_be_revised(rep):
    v1 = quote_with_lines(DealFactory(owner=rep), acting_user=rep, lines=[{"unit_price": 10}])
    quote_send(v1, acting_user=rep)
    v2 = quote_revise(v1, acting_user=rep)

    with pytest.raises(DomainError):
        quote_revise(v1, acting_user=rep)
    assert Quote.objects.filter(number=v1.number).exclude(status="superseded").get() == v2


def test_a_revision_of_an_approved_quote_needs_approval_again(rep, manager, discounted_quote):
    quote_submit_for_approval(discounted_quote, acting_user=rep)
    quote_approve(discounted_quote, acting_user=manager)

    v2 = quote_revise(discounted_quote, acting_user=rep)

    assert v2.approved_by is None
    with pytest.raises(DomainError):
        quote_send(v2, acting_user=rep)
