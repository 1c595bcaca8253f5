from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.quotes.models import Quote
from salesflow.quotes.services import (
    quote_create,
    quote_line_add,
    quote_send,
    quote_settings_update,
    quote_submit_for_approval,
    quote_update,
)
from salesflow.quotes.tests.factories import ProductFactory, quote_with_lines
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, ContactFactory, DealFactory, stage_named

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def quote(rep, admin_user):
    quote_settings_update(
        acting_user=admin_user, company_name="Northwind Trackers GmbH", company_details="Berlin"
    )
    account = AccountFactory(owner=rep, name="Acme Logistics")
    contact = ContactFactory(owner=rep, account=account, first_name="Ada", last_name="Byrne")
    deal = DealFactory(owner=rep, account=account, primary_contact=contact, name="Fleet rollout")
    tracker = ProductFactory(name="GPS tracker unit", sku="TR-1", unit_price=D("1234.50"))
    quote = quote_with_lines(
        deal,
        acting_user=rep,
        lines=[
            {"product": tracker, "quantity": 10, "discount_percent": 10, "tax_rate": 19},
            {"description": "Installation", "unit_price": D("2.50"), "tax_rate": D("5")},
        ],
    )
    quote_update(quote, acting_user=rep, notes="Delivery within four weeks of signing.")
    return quote


def url_of(quote) -> str:
    return reverse("quotes:quote-print", args=[quote.pk])


def test_the_proposal_shows_customer_lines_totals_and_validity(rep, quote):
    response = client_for(rep).get(url_of(quote))

    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Northwind Trackers GmbH",
        "Acme Logistics",
        "Ada Byrne",
        f"{quote.number}",
        "GPS tracker unit",
        "TR-1",
        "Installation",
        # 10 x 1,234.50 = 12,345.00, less 10% = 11,110.50; tax 2,110.995 -> 2,111.00 (+0.13)
        "11,110.50",
        "EUR 12,347.50",  # subtotal
        "EUR 1,234.50",  # discounts
        "EUR 2,111.13",  # tax
        "EUR 13,224.13",  # total
        "Delivery within four weeks of signing.",
        quote.valid_until.strftime("%B %Y"),
    ):
        assert text in page, text
    assert 'class="site-header' in page  # inside the site's layout


def test_the_print_version_stands_alone_with_print_css_and_no_inline_code(rep, quote):
    response = client_for(rep).get(url_of(quote), {"print": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "site-header" not in page
    assert "quotes/print.css" in page and "EUR 13,224.13" in page
    assert "style=" not in page and "<style" not in page
    assert "<script>" not in page and "onclick" not in page


def test_the_print_stylesheet_has_print_rules(rep, quote):
    from django.contrib.staticfiles import finders

    css = open(finders.find("quotes/print.css"), encoding="utf-8").read()  # noqa: SIM115
    assert "@media print" in css


def test_a_teammate_and_the_manager_may_open_the_proposal(teammate, manager, quote):
    for user in (teammate, manager):
        assert client_for(user).get(url_of(quote)).status_code == 200


def test_an_outsider_gets_404(outsider, quote):
    assert client_for(outsider).get(url_of(quote)).status_code == 404
    assert client_for(outsider).get(url_of(quote), {"print": "1"}).status_code == 404


def test_signing_in_is_required(client, quote):
    response = client.get(url_of(quote))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_proposal_page_only_reads(rep, quote):
    assert client_for(rep).post(url_of(quote)).status_code == 405


# The quote page: lines, totals, terms and the status actions --------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}
QUOTE_ACTIONS = [
    "quote-edit",
    "quote-line-add",
    "quote-line-edit",
    "quote-line-remove",
    "quote-submit",
    "quote-approve",
    "quote-decline",
    "quote-send",
    "quote-accept",
    "quote-reject",
    "quote-revise",
]


def page_of(quote) -> str:
    return reverse("quotes:quote-detail", args=[quote.pk])


def act(name: str, quote) -> str:
    return reverse(f"quotes:{name}", args=[quote.pk])


@pytest.fixture
def deal(rep):
    return DealFactory(
        owner=rep, name="Fleet rollout", stage=stage_named("Proposal and objections")
    )


@pytest.fixture
def draft(rep, deal):
    return quote_create(deal, acting_user=rep)


@pytest.fixture
def tracker(db):
    return ProductFactory(name="GPS tracker unit", sku="TR-1", unit_price=D("1234.50"), tax_rate=19)


@pytest.fixture
def public_quote(outsider):
    deal = DealFactory(owner=outsider, visibility=Visibility.EVERYONE)
    return quote_with_lines(deal, acting_user=outsider, lines=[{"unit_price": 10}])


def fresh(quote):
    return Quote.objects.get(pk=quote.pk)


@pytest.mark.parametrize("name", QUOTE_ACTIONS)
def test_quote_actions_are_forbidden_on_a_read_only_deal(rep_client, public_quote, name):
    assert rep_client.post(act(name, public_quote), {}).status_code == 403


@pytest.mark.parametrize("name", [*QUOTE_ACTIONS, "quote-detail"])
def test_quote_pages_are_not_found_for_an_outsider(outsider, draft, name):
    method = "get" if name == "quote-detail" else "post"
    assert getattr(client_for(outsider), method)(act(name, draft)).status_code == 404


@pytest.mark.parametrize("name", QUOTE_ACTIONS)
def test_quote_actions_only_accept_post(rep_client, draft, name):
    assert rep_client.get(act(name, draft)).status_code == 405


def test_create_a_quote_from_the_deal_and_open_it(rep_client, deal):
    response = rep_client.post(reverse("quotes:quote-create", args=[deal.pk]))
    quote = Quote.objects.get(deal=deal)
    assert response.status_code == 302 and response["Location"] == page_of(quote)
    assert quote.status == "draft" and quote.revision == 1


def test_create_answers_htmx_with_a_redirect_to_the_quote(rep_client, deal):
    response = rep_client.post(reverse("quotes:quote-create", args=[deal.pk]), **HTMX)
    assert response["HX-Redirect"] == page_of(Quote.objects.get(deal=deal))


def test_create_is_forbidden_on_a_read_only_deal_and_hidden_from_an_outsider(
    rep_client, outsider, deal
):
    shared = DealFactory(owner=outsider, visibility=Visibility.EVERYONE)
    assert rep_client.post(reverse("quotes:quote-create", args=[shared.pk])).status_code == 403
    response = client_for(outsider).post(reverse("quotes:quote-create", args=[deal.pk]))
    assert response.status_code == 404
    assert not Quote.objects.exists()


def test_the_deal_page_lists_its_quotes(rep_client, rep, deal):
    quote = quote_with_lines(deal, acting_user=rep, lines=[{"unit_price": 100, "tax_rate": 20}])
    content = rep_client.get(reverse("pipeline:deal-detail", args=[deal.pk])).content.decode()
    assert quote.number in content and "v1" in content and "Draft" in content
    assert "EUR 120.00" in content and "New quote" in content


def test_the_quote_page_shows_lines_totals_and_the_send_action(rep_client, rep, draft, tracker):
    quote_line_add(draft, acting_user=rep, product=tracker, quantity=10)
    content = rep_client.get(page_of(draft)).content.decode()
    assert "GPS tracker unit" in content and "TR-1" in content
    assert "EUR 14,690.55" in content  # 12,345.00 plus 19% tax
    assert "Mark as sent" in content and "Add line" in content and "Save terms" in content
    assert "Approve" not in content


def test_the_quote_page_answers_htmx_with_its_body(rep_client, draft):
    content = rep_client.get(page_of(draft), **HTMX).content.decode()
    assert "<html" not in content and content.lstrip().startswith('<div id="quote-body"')


def test_a_reader_sees_the_quote_without_forms(rep_client, public_quote):
    content = rep_client.get(page_of(public_quote)).content.decode()
    assert "Item 1" in content
    assert "Add line" not in content and "Mark as sent" not in content


def test_add_a_line_from_a_product_fills_description_price_and_tax(rep_client, draft, tracker):
    response = rep_client.post(
        act("quote-line-add", draft),
        {"line-product": tracker.pk, "line-quantity": "3", "line-version": draft.version},
    )
    assert response.status_code == 302 and response["Location"] == page_of(draft)
    line = draft.lines.get()
    assert line.description == "GPS tracker unit" and line.unit_price == D("1234.50")
    assert line.tax_rate == 19 and line.quantity == 3
    assert fresh(draft).version == draft.version + 1


def test_add_a_typed_line_with_a_discount(rep_client, draft):
    rep_client.post(
        act("quote-line-add", draft),
        {
            "line-description": "Installation",
            "line-quantity": "2",
            "line-unit_price": "150",
            "line-discount_percent": "10",
            "line-tax_rate": "19",
            "line-version": draft.version,
        },
    )
    line = draft.lines.get()
    assert line.description == "Installation" and line.discount_percent == 10


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("line-quantity", "-2", "Enter a quantity greater than zero."),
        ("line-quantity", "0", "Enter a quantity greater than zero."),
        ("line-discount_percent", "120", "Ensure this value is less than or equal to 100."),
        ("line-unit_price", "-1", "Ensure this value is greater than or equal to 0."),
    ],
)
def test_a_bad_line_shows_the_field_error_and_saves_nothing(
    rep_client, draft, tracker, field, value, error
):
    data = {"line-product": tracker.pk, "line-quantity": "1", "line-version": draft.version}
    response = rep_client.post(act("quote-line-add", draft), {**data, field: value})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not draft.lines.exists() and fresh(draft).version == draft.version


def test_a_typed_line_needs_a_description_and_a_price(rep_client, draft):
    response = rep_client.post(
        act("quote-line-add", draft), {"line-quantity": "1", "line-version": draft.version}, **HTMX
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="quote-body"')
    assert "Describe the line, or choose a product." in content
    assert "Give the unit price, or choose a product." in content
    assert not draft.lines.exists()


def test_a_line_added_on_a_stale_page_is_refused(rep_client, rep, draft, tracker):
    stale = draft.version
    quote_line_add(draft, acting_user=rep, product=tracker)
    response = rep_client.post(
        act("quote-line-add", draft),
        {"line-product": tracker.pk, "line-quantity": "1", "line-version": stale},
        follow=True,
    )
    assert "changed by someone else" in response.content.decode()
    assert draft.lines.count() == 1


def test_edit_a_line(rep_client, rep, draft, tracker):
    line = quote_line_add(draft, acting_user=rep, product=tracker)
    draft = fresh(draft)
    rep_client.post(
        act("quote-line-edit", draft),
        {
            "line": line.pk,
            "description": "Tracker, boxed",
            "quantity": "4",
            "unit_price": "1000",
            "discount_percent": "5",
            "tax_rate": "19",
            "version": draft.version,
        },
    )
    line.refresh_from_db()
    assert line.description == "Tracker, boxed" and line.quantity == 4
    assert line.unit_price == 1000 and line.discount_percent == 5


def test_edit_a_line_with_a_negative_quantity_changes_nothing(rep_client, rep, draft, tracker):
    line = quote_line_add(draft, acting_user=rep, product=tracker)
    draft = fresh(draft)
    response = rep_client.post(
        act("quote-line-edit", draft),
        {
            "line": line.pk,
            "description": "x",
            "quantity": "-1",
            "unit_price": "1",
            "discount_percent": "0",
            "tax_rate": "0",
            "version": draft.version,
        },
    )
    assert "Enter a quantity greater than zero." in response.content.decode()
    line.refresh_from_db()
    assert line.quantity == 1 and line.description == "GPS tracker unit"


def test_remove_a_line(rep_client, rep, draft, tracker):
    line = quote_line_add(draft, acting_user=rep, product=tracker)
    draft = fresh(draft)
    response = rep_client.post(
        act("quote-line-remove", draft), {"line": line.pk, "version": draft.version}, **HTMX
    )
    assert "Line removed: GPS tracker unit." in response.content.decode()
    assert not draft.lines.exists()


def test_a_line_of_another_quote_cannot_be_removed(rep_client, rep, deal, draft):
    other = quote_with_lines(deal, acting_user=rep, lines=[{"unit_price": 10}])
    line = other.lines.get()
    response = rep_client.post(
        act("quote-line-remove", draft), {"line": line.pk, "version": draft.version}, follow=True
    )
    assert "not on this quote" in response.content.decode()
    assert other.lines.exists()


def test_edit_the_terms(rep_client, draft):
    valid_until = timezone.localdate() + dt.timedelta(days=10)
    rep_client.post(
        act("quote-edit", draft),
        {
            "terms-discount_percent": "5",
            "terms-valid_until": valid_until.isoformat(),
            "terms-notes": "Delivery in May",
            "terms-version": draft.version,
        },
    )
    quote = fresh(draft)
    assert quote.discount_percent == 5 and quote.valid_until == valid_until
    assert quote.notes == "Delivery in May"


def test_terms_with_a_past_date_show_the_field_error(rep_client, draft):
    response = rep_client.post(
        act("quote-edit", draft),
        {"terms-valid_until": "2000-01-01", "terms-version": draft.version},
    )
    assert "The validity date has passed" in response.content.decode()
    assert fresh(draft).valid_until != dt.date(2000, 1, 1)


def test_send_a_quote_and_mark_it_accepted(rep_client, rep, draft, tracker):
    quote_line_add(draft, acting_user=rep, product=tracker)
    response = rep_client.post(act("quote-send", draft), {"version": fresh(draft).version})
    assert response["Location"] == page_of(draft)
    quote = fresh(draft)
    assert quote.status == "sent" and quote.sent_at is not None
    content = rep_client.get(page_of(quote)).content.decode()
    assert "Mark accepted" in content and "Mark rejected" in content and "Revise" in content
    rep_client.post(act("quote-accept", quote), {"version": quote.version, "note": "Signed"})
    quote = fresh(draft)
    assert quote.status == "accepted"
    assert quote.status_changes.last().note == "Signed"


def test_sending_an_empty_quote_is_refused_with_a_message(rep_client, draft):
    response = rep_client.post(act("quote-send", draft), {"version": draft.version}, follow=True)
    assert "Add at least one line before sending the quote." in response.content.decode()
    assert fresh(draft).status == "draft"


def test_a_stale_action_is_refused(rep_client, rep, draft, tracker):
    stale = draft.version
    quote_line_add(fresh(draft), acting_user=rep, product=tracker)
    response = rep_client.post(act("quote-send", draft), {"version": stale}, follow=True)
    assert "changed by someone else" in response.content.decode()
    assert fresh(draft).status == "draft"


def test_a_big_discount_goes_to_a_manager_for_approval(rep_client, rep, manager, draft, tracker):
    quote_line_add(draft, acting_user=rep, product=tracker, discount_percent=30)
    content = rep_client.get(page_of(draft)).content.decode()
    assert "a manager must approve this quote" in content and "Submit for approval" in content
    response = rep_client.post(
        act("quote-send", draft), {"version": fresh(draft).version}, follow=True
    )
    assert "needs a manager" in response.content.decode()
    rep_client.post(act("quote-submit", draft), {"version": fresh(draft).version})
    assert fresh(draft).status == "pending_approval"

    # The rep may not approve their own quote; the button is the manager's.
    assert "Approve" not in rep_client.get(page_of(draft)).content.decode()
    response = rep_client.post(
        act("quote-approve", draft), {"version": fresh(draft).version}, follow=True
    )
    assert "Only a manager of the deal" in response.content.decode()
    assert fresh(draft).status == "pending_approval"

    manager_client = client_for(manager)
    assert "Approve" in manager_client.get(page_of(draft)).content.decode()
    manager_client.post(act("quote-approve", draft), {"version": fresh(draft).version})
    quote = fresh(draft)
    assert quote.status == "approved" and quote.approved_by == manager


def test_a_manager_who_asked_is_not_offered_approve_and_cannot(manager, north, draft, tracker):
    # Issue 14: the one who asked for the discount does not approve it.
    quote_line_add(draft, acting_user=manager, product=tracker, discount_percent=30)
    manager_client = client_for(manager)
    manager_client.post(act("quote-submit", draft), {"version": fresh(draft).version})
    assert fresh(draft).status == "pending_approval"
    assert "Approve" not in manager_client.get(page_of(draft)).content.decode()
    response = manager_client.post(
        act("quote-approve", draft), {"version": fresh(draft).version}, follow=True
    )
    assert "You asked for this approval" in response.content.decode()
    assert fresh(draft).status == "pending_approval" and fresh(draft).approved_by is None


def test_a_manager_declines_approval_with_a_reason(rep, manager, draft, tracker):
    quote_line_add(draft, acting_user=rep, product=tracker, discount_percent=30)
    quote_submit_for_approval(fresh(draft), acting_user=rep)
    response = client_for(manager).post(
        act("quote-decline", draft),
        {"version": fresh(draft).version, "note": "Max 20%"},
        **HTMX,
    )
    assert "Approval declined" in response.content.decode()
    quote = fresh(draft)
    assert quote.status == "draft" and quote.status_changes.last().note == "Max 20%"


def test_the_rep_sees_why_their_approval_was_declined_until_they_submit_again(
    rep_client, rep, manager, draft, tracker
):
    # Tryout, session 13: the reason "goes back to the rep" only if their page shows it.
    quote_line_add(draft, acting_user=rep, product=tracker, discount_percent=30)
    quote_submit_for_approval(fresh(draft), acting_user=rep)
    client_for(manager).post(
        act("quote-decline", draft), {"version": fresh(draft).version, "note": "Max 20% here"}
    )
    page = rep_client.get(page_of(draft)).content.decode()
    assert f"Approval declined by {manager}" in page and "“Max 20% here”" in page

    quote_submit_for_approval(fresh(draft), acting_user=rep)  # asked again: history now
    assert "Approval declined by" not in rep_client.get(page_of(draft)).content.decode()


def test_reject_then_revise_opens_version_two(rep_client, rep, draft, tracker):
    quote_line_add(draft, acting_user=rep, product=tracker)
    quote_send(fresh(draft), acting_user=rep)
    rep_client.post(act("quote-reject", draft), {"version": fresh(draft).version, "note": "Price"})
    assert fresh(draft).status == "rejected"
    response = rep_client.post(
        act("quote-revise", draft), {"version": fresh(draft).version, "note": "Price objection"}
    )
    revision = Quote.objects.get(number=draft.number, revision=2)
    assert response["Location"] == page_of(revision)
    assert revision.status == "draft" and revision.lines.count() == 1
    assert fresh(draft).status == "superseded"
    content = rep_client.get(page_of(revision)).content.decode()
    assert "Revisions" in content and "v1" in content


def test_revise_answers_htmx_with_a_redirect_to_the_new_revision(rep_client, rep, draft, tracker):
    quote_line_add(draft, acting_user=rep, product=tracker)
    quote_send(fresh(draft), acting_user=rep)
    response = rep_client.post(
        act("quote-revise", draft), {"version": fresh(draft).version}, **HTMX
    )
    revision = Quote.objects.get(number=draft.number, revision=2)
    assert response["HX-Redirect"] == page_of(revision)


def test_a_sent_quote_cannot_take_new_lines(rep_client, rep, draft, tracker):
    quote_line_add(draft, acting_user=rep, product=tracker)
    quote_send(fresh(draft), acting_user=rep)
    quote = fresh(draft)
    assert "Add line" not in rep_client.get(page_of(quote)).content.decode()
    response = rep_client.post(
        act("quote-line-add", quote),
        {"line-product": tracker.pk, "line-quantity": "1", "line-version": quote.version},
        follow=True,
    )
    assert "only a draft can be changed" in response.content.decode()
    assert quote.lines.count() == 1


@pytest.mark.parametrize("name", QUOTE_ACTIONS)
def test_quote_actions_answer_htmx_with_the_body_even_for_bad_input(rep_client, draft, name):
    response = rep_client.post(act(name, draft), {}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="quote-body"')
    assert '<div id="messages"' in content


def test_the_quote_page_has_no_inline_code_for_the_strict_csp(rep_client, rep, draft, tracker):
    quote_line_add(draft, acting_user=rep, product=tracker)
    content = rep_client.get(page_of(draft)).content.decode()
    assert "style=" not in content and "<style" not in content and "<script>" not in content
