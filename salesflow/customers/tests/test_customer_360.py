"""Customer 360: the account and contact pages hold everything in one place, each panel showing
only what the viewer may read, at a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.customers.forms import ContactForm
from salesflow.customers.selectors import birthday_of, contacts_birthdays_upcoming
from salesflow.pipeline.models import DealStakeholder, Outcome
from salesflow.playbooks.models import DealObjection
from salesflow.quotes.services import quote_create, quote_line_add
from salesflow.users.models import Visibility
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    DealFactory,
    lost_reason,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 10)


# ---------------------------------------------------------------- birthdays and age


def test_age_and_next_birthday_from_today():
    birthday = birthday_of(dt.date(1980, 6, 22), today=TODAY)
    assert (birthday.age, birthday.next_on, birthday.days_until) == (45, dt.date(2026, 6, 22), 12)
    assert birthday.next_age == 46


def test_a_birthday_past_this_year_comes_next_year():
    birthday = birthday_of(dt.date(1990, 1, 5), today=TODAY)
    assert (birthday.age, birthday.next_on) == (36, dt.date(2027, 1, 5))


def test_a_birthday_today_is_today_and_counts_the_year():
    birthday = birthday_of(dt.date(2000, 6, 10), today=TODAY)
    assert (birthday.age, birthday.days_until, birthday.next_age) == (26, 0, 26)


def test_a_leap_day_birthday_falls_on_28_february_in_other_years():
    birthday = birthday_of(dt.date(2004, 2, 29), today=dt.date(2026, 2, 1))
    assert (birthday.next_on, birthday.age) == (dt.date(2026, 2, 28), 21)


def test_no_birthday_no_age():
    assert birthday_of(None) is None


def test_upcoming_birthdays_are_the_next_30_days_soonest_first(rep):
    soon = ContactFactory(owner=rep, birthday=dt.date(1970, 6, 12))
    later = ContactFactory(owner=rep, birthday=dt.date(1970, 7, 9))
    ContactFactory(owner=rep, birthday=dt.date(1970, 7, 11))  # 31 days away
    ContactFactory(owner=rep, birthday=None)
    from salesflow.customers.models import Contact

    found = contacts_birthdays_upcoming(Contact.objects.all(), today=TODAY)
    assert [contact for contact, _ in found] == [soon, later]


# ---------------------------------------------------------------- the contact page


@time_machine.travel(dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC), tick=False)
def test_the_contact_page_opens_with_know_your_customer(rep, rep_client):
    contact = ContactFactory(
        owner=rep, first_name="Grace", position="CTO", birthday=dt.date(1980, 6, 22),
        hobbies="Sailing", family="Two daughters", topics="Her trip to Kyoto",
        cultural_background="Grew up in Lyon",
    )  # fmt: skip
    body = rep_client.get(contact.get_absolute_url()).content.decode()
    card = body[body.index("Know your customer") :]
    assert body.index("Know your customer") < body.index('id="reach-title"')
    for text in ("Her trip to Kyoto", "Sailing", "Two daughters", "Grew up in Lyon", "CTO"):
        assert text in card
    assert "age 45" in card and "turns 46 in 12 days" in card


def test_the_contact_form_saves_topics_to_talk_about(rep, rep_client):
    contact = ContactFactory(owner=rep)
    assert "topics" in ContactForm(user=rep).fields
    edit = reverse("customers:contact-edit", args=[contact.pk])
    form_page = rep_client.get(edit).content.decode()
    assert 'name="topics"' in form_page
    data = {
        "last_name": contact.last_name, "first_name": contact.first_name, "owner": rep.pk,
        "visibility": "team", "topics": "Formula 1", "version": contact.version,
    }  # fmt: skip
    response = rep_client.post(edit, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    contact.refresh_from_db()
    assert contact.topics == "Formula 1"


def test_the_contact_page_lists_their_roles_on_every_deal(rep, rep_client):
    contact = ContactFactory(owner=rep)
    primary = DealFactory(owner=rep, name="Where primary", primary_contact=contact)
    elsewhere = DealFactory(owner=rep, name="Where champion")
    DealStakeholder.objects.create(deal=elsewhere, contact=contact, role="champion")
    DealStakeholder.objects.create(
        deal=primary, contact=contact, role="decision_maker", attitude="supporter"
    )
    body = rep_client.get(contact.get_absolute_url()).content.decode()
    assert "Where primary" in body and "Where champion" in body
    assert "Primary contact, Decision maker" in body and "Champion" in body


def test_the_contact_page_hides_deals_of_another_team(rep, outsider, rep_client):
    contact = ContactFactory(owner=rep, visibility=Visibility.TEAM)
    theirs = DealFactory(owner=outsider, name="Their secret deal", visibility=Visibility.PRIVATE)
    DealStakeholder.objects.create(deal=theirs, contact=contact, role="champion")
    quote_create(theirs, acting_user=outsider)
    DealObjection.objects.create(
        deal=theirs, category="price", customer_words="Their secret doubt", stage=theirs.stage,
        logged_at=timezone.now(),
    )  # fmt: skip
    body = rep_client.get(contact.get_absolute_url()).content.decode()
    assert "Their secret deal" not in body and "Their secret doubt" not in body
    assert "No quotes on deals you can see." in body
    # Their own page shows it all.
    outsider_body = client_for(outsider).get(contact.get_absolute_url())
    assert outsider_body.status_code == 404  # nor may they read the rep's contact


# ---------------------------------------------------------------- the account page


@pytest.fixture
def account_360(rep, outsider):
    """An account with an open deal (no next step), a won and a lost deal, stakeholders, a
    quote, an objection, and a private deal of another team on the same account."""
    account = AccountFactory(owner=rep, name="Acme", visibility=Visibility.EVERYONE)
    in_five_days = timezone.localdate() + dt.timedelta(days=5)
    ada = ContactFactory(owner=rep, account=account, first_name="Ada", last_name="Byron",
                         birthday=in_five_days.replace(year=1980))  # fmt: skip
    open_deal = DealFactory(owner=rep, account=account, name="Open one", amount=300)
    DealFactory(owner=rep, account=account, name="Won one", amount=1000, outcome=Outcome.WON,
                closed_at=timezone.now())  # fmt: skip
    DealFactory(owner=rep, account=account, name="Lost one", amount=50, outcome=Outcome.LOST,
                closed_at=timezone.now(), lost_reason=lost_reason())  # fmt: skip
    DealStakeholder.objects.create(deal=open_deal, contact=ada, role="decision_maker")
    quote = quote_create(open_deal, acting_user=rep)
    quote_line_add(quote, description="Setup", unit_price=250, acting_user=rep)
    DealObjection.objects.create(
        deal=open_deal, category="price", customer_words="Too dear for us", stage=open_deal.stage,
        status="resolved", response_given="Pays back in a year", logged_at=timezone.now(),
        resolved_at=timezone.now(),
    )  # fmt: skip
    theirs = DealFactory(owner=outsider, account=account, name="Other team deal",
                         visibility=Visibility.PRIVATE)  # fmt: skip
    DealStakeholder.objects.create(deal=theirs, contact=ada, role="blocker")
    quote_create(theirs, acting_user=outsider)
    DealObjection.objects.create(
        deal=theirs, category="trust", customer_words="Other team doubt", stage=theirs.stage,
        logged_at=timezone.now(),
    )  # fmt: skip
    return account


def test_the_account_page_holds_deals_roles_quotes_and_objections(rep_client, account_360):
    body = rep_client.get(account_360.get_absolute_url()).content.decode()
    assert "Open one" in body and "No next step" in body
    assert "Won one" in body and "Lost one" in body
    assert "1 · EUR 1,000" in body  # won: count and amount
    assert "Decision maker on" in body and "Ada Byron" in body
    assert "Waiting for approval" in body or "Draft" in body
    assert "EUR 250.00" in body
    assert "Too dear for us" in body and "Answer worked" in body and "Pays back in a year" in body
    assert "Upcoming birthdays" in body and "in 5 days" in body


def test_the_account_page_hides_the_other_teams_deal_everywhere(rep_client, account_360):
    body = rep_client.get(account_360.get_absolute_url()).content.decode()
    assert "Other team deal" not in body
    assert "Blocker" not in body and "Other team doubt" not in body
    assert body.count('class="quote-row') == 1


def test_the_other_team_sees_their_deal_on_the_same_account(outsider, account_360):
    body = client_for(outsider).get(account_360.get_absolute_url()).content.decode()
    assert "Other team deal" in body and "Other team doubt" in body and "Blocker" in body


def test_an_overdue_next_step_is_flagged(rep, rep_client):
    deal = DealFactory(owner=rep, name="Late one")
    ActivityFactory(owner=rep, deal=deal, type="task", due_at=timezone.now() - dt.timedelta(days=2))
    body = rep_client.get(deal.account.get_absolute_url()).content.decode()
    assert "Overdue" in body


def _crowd(account, rep, n):
    for i in range(n):
        contact = ContactFactory(owner=rep, account=account, birthday=dt.date(1980, 1 + i % 12, 3))
        deal = DealFactory(owner=rep, account=account, primary_contact=contact)
        DealStakeholder.objects.create(deal=deal, contact=contact, role="champion")
        ActivityFactory(owner=rep, deal=deal, contact=contact, account=account)
        quote = quote_create(deal, acting_user=rep)
        quote_line_add(quote, description="Line", unit_price=10, acting_user=rep)
        DealObjection.objects.create(
            deal=deal, category="price", customer_words="Dear", stage=deal.stage,
            logged_at=timezone.now(),
        )  # fmt: skip
        if i % 3 == 0:
            DealFactory(owner=rep, account=account, outcome=Outcome.WON, closed_at=timezone.now())


# Session, user and teams, the record, then one query (or two) per panel: a new one shows here.
ACCOUNT_PAGE_QUERIES = 18  # 19 before the account's owner was read with it (issue #10)
CONTACT_PAGE_QUERIES = 18


def _queries_of(client, url, django_assert_max_num_queries, limit):
    client.get(url)  # the first request creates the site's settings rows
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_account_page_costs_the_same_queries_for_many_records(
    rep, rep_client, django_assert_max_num_queries
):
    account = AccountFactory(owner=rep)
    _crowd(account, rep, 3)
    few = _queries_of(
        rep_client, account.get_absolute_url(), django_assert_max_num_queries, ACCOUNT_PAGE_QUERIES
    )
    _crowd(account, rep, 15)
    many = _queries_of(
        rep_client, account.get_absolute_url(), django_assert_max_num_queries, ACCOUNT_PAGE_QUERIES
    )
    assert many == few
    # The owner, read with the account (no query of its own).
    assert f"<dd>{rep}</dd>" in rep_client.get(account.get_absolute_url()).content.decode()


def test_the_contact_page_costs_the_same_queries_for_many_deals(
    rep, rep_client, django_assert_max_num_queries
):
    account = AccountFactory(owner=rep)
    contact = ContactFactory(owner=rep, account=account)

    def deals(n):
        for _ in range(n):
            deal = DealFactory(owner=rep, account=account, primary_contact=contact)
            DealStakeholder.objects.create(deal=deal, contact=contact, role="user")
            ActivityFactory(owner=rep, deal=deal, contact=contact)
            quote = quote_create(deal, acting_user=rep)
            quote_line_add(quote, description="Line", unit_price=10, acting_user=rep)
            DealObjection.objects.create(
                deal=deal, category="need", customer_words="Why", stage=deal.stage,
                logged_at=timezone.now(),
            )  # fmt: skip

    deals(2)
    url = contact.get_absolute_url()
    few = _queries_of(rep_client, url, django_assert_max_num_queries, CONTACT_PAGE_QUERIES)
    deals(12)
    assert _queries_of(rep_client, url, django_assert_max_num_queries, CONTACT_PAGE_QUERIES) == few
