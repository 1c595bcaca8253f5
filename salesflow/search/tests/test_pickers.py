"""The record pickers' endpoint (`search:pick`): access policy, matching, narrowing, limits."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.pipeline.models import DealStakeholder
from salesflow.users.models import Visibility
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
)

pytestmark = pytest.mark.django_db


def pick(client, kind: str, **params):
    return client.get(reverse("search:pick", args=[kind]), params)


def texts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["text"] for item in response.json()["items"]]


# Access policy ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["contact", "lead", "deal", "account"])
@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("rep", True),
        ("teammate", True),
        ("manager", True),
        ("admin_user", True),
        ("outsider", False),
    ],
)
def test_each_persona_finds_only_what_they_may_read(kind, persona, sees, request, rep):
    name = "Quetzal"
    if kind == "contact":
        ContactFactory(owner=rep, first_name="Ana", last_name=name)
    elif kind == "lead":
        LeadFactory(owner=rep, first_name="Ana", last_name=name)
    elif kind == "deal":
        DealFactory(owner=rep, name=f"Ana {name} renewal")
    else:
        AccountFactory(owner=rep, name=f"Ana {name} GmbH")
    user = request.getfixturevalue(persona)
    found = texts(pick(client_for(user), kind, q="ana"))
    assert any(name in text for text in found) == sees
    # Nor before anything is typed (the suggestions).
    found = texts(pick(client_for(user), kind))
    assert any(name in text for text in found) == sees


def test_outsider_finds_records_shared_with_everyone_but_not_private_ones(rep, outsider):
    ContactFactory(owner=rep, first_name="Open", last_name="Shared", visibility=Visibility.EVERYONE)
    ContactFactory(owner=rep, first_name="Open", last_name="Private", visibility=Visibility.PRIVATE)
    assert texts(pick(client_for(outsider), "contact", q="open")) == ["Open Shared"]


def test_private_record_of_a_teammate_stays_hidden_from_the_rep(rep, teammate):
    ContactFactory(owner=teammate, first_name="", last_name="Hidden", visibility=Visibility.PRIVATE)
    ContactFactory(
        owner=teammate, first_name="", last_name="Hiddenteam", visibility=Visibility.TEAM
    )
    assert texts(pick(client_for(rep), "contact", q="hidden")) == ["Hiddenteam"]


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("search:pick", args=["contact"]))
    assert response.status_code == 302 and "/login/" in response["Location"]


# Matching ------------------------------------------------------------------------------------


def test_name_start_comes_before_a_match_inside_and_case_and_spacing_are_ignored(rep):
    ContactFactory(owner=rep, first_name="Jo", last_name="Bergmann")
    ContactFactory(owner=rep, first_name="Bergit", last_name="Zander")
    ContactFactory(owner=rep, first_name="Ulla", last_name="Nobody")
    assert texts(pick(client_for(rep), "contact", q="  BERG ")) == ["Bergit Zander", "Jo Bergmann"]


def test_accented_names_match_in_any_capitals(rep):
    AccountFactory(owner=rep, name="ÄRZTE Verbund")
    assert texts(pick(client_for(rep), "account", q="ärzte")) == ["ÄRZTE Verbund"]


def test_contacts_and_leads_are_found_by_the_start_of_their_email(rep):
    ContactFactory(owner=rep, first_name="Eve", last_name="Mail", email="zz.top@example.org")
    LeadFactory(owner=rep, first_name="Lee", last_name="Mail", email="zz.lead@example.org")
    assert texts(pick(client_for(rep), "contact", q="zz.top")) == ["Eve Mail"]
    assert texts(pick(client_for(rep), "lead", q="ZZ.lead")) == ["Lee Mail"]


def test_items_carry_value_text_and_a_hint(rep):
    account = AccountFactory(owner=rep, name="Hinting AG")
    contact = ContactFactory(owner=rep, account=account, first_name="Hal", last_name="Hint")
    deal = DealFactory(owner=rep, account=account, name="Hint deal")
    [item] = pick(client_for(rep), "contact", q="hal").json()["items"]
    assert item == {
        "value": contact.pk,
        "text": "Hal Hint",
        "hint": f"Hinting AG · {contact.email}",
    }
    [item] = pick(client_for(rep), "deal", q="hint d").json()["items"]
    assert item["value"] == deal.pk and item["hint"] == f"Hinting AG · {deal.stage.name}"


def test_at_most_twenty_and_fewer_on_request(rep):
    account = AccountFactory(owner=rep)
    for n in range(25):
        ContactFactory(owner=rep, account=account, first_name="Many", last_name=f"M{n:02d}")
    assert len(texts(pick(client_for(rep), "contact", q="many"))) == 20
    assert len(texts(pick(client_for(rep), "contact"))) == 20
    assert len(texts(pick(client_for(rep), "contact", q="many", limit="5"))) == 5


# Narrowing -----------------------------------------------------------------------------------


def test_contacts_and_deals_narrowed_to_an_account(rep):
    acme, other = AccountFactory(owner=rep, name="Acme"), AccountFactory(owner=rep, name="Other")
    ContactFactory(owner=rep, account=acme, first_name="Nia", last_name="Acme")
    ContactFactory(owner=rep, account=other, first_name="Nia", last_name="Other")
    DealFactory(owner=rep, account=acme, name="Nia deal acme")
    DealFactory(owner=rep, account=other, name="Nia deal other")
    client = client_for(rep)
    assert texts(pick(client, "contact", q="nia", account=acme.pk)) == ["Nia Acme"]
    assert texts(pick(client, "contact", account=acme.pk)) == ["Nia Acme"]
    assert texts(pick(client, "deal", q="nia", account=acme.pk)) == ["Nia deal acme"]


def test_stakeholder_picker_leaves_out_stakeholders_and_puts_the_deal_account_first(rep):
    acme = AccountFactory(owner=rep, name="Acme")
    deal = DealFactory(owner=rep, account=acme)
    already = ContactFactory(owner=rep, account=acme, first_name="Sam", last_name="Already")
    DealStakeholder.objects.create(deal=deal, contact=already, role="user")
    ContactFactory(owner=rep, first_name="Sam", last_name="Aaelsewhere")
    ContactFactory(owner=rep, account=acme, first_name="Sam", last_name="Zacme")
    found = texts(pick(client_for(rep), "contact", q="sam", deal=deal.pk))
    assert found == ["Sam Zacme", "Sam Aaelsewhere"]


def test_stakeholder_picker_refuses_a_deal_the_user_cannot_read(rep, outsider):
    deal = DealFactory(owner=outsider)
    response = pick(client_for(rep), "contact", deal=deal.pk)
    assert response.status_code == 422
    assert "deal" in response.json()["errors"]


def test_account_picker_can_leave_one_account_out(rep):
    parent = AccountFactory(owner=rep, name="Self Co")
    AccountFactory(owner=rep, name="Self Co Two")
    assert texts(pick(client_for(rep), "account", q="self", exclude=parent.pk)) == ["Self Co Two"]


# Bad input -----------------------------------------------------------------------------------


def test_unknown_kind_is_not_found(rep):
    assert pick(client_for(rep), "activity").status_code == 404


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("contact", {"account": "abc"}, "account"),
        ("contact", {"account": "-1"}, "account"),
        ("deal", {"account": "1.5"}, "account"),
        ("contact", {"deal": "x"}, "deal"),
        ("contact", {"limit": "50"}, "limit"),
        ("contact", {"limit": "0"}, "limit"),
        ("contact", {"q": "x" * 101}, "q"),
        ("lead", {"account": "1"}, "account"),  # leads have no account filter
        ("contact", {"colour": "red"}, "colour"),
    ],
)
def test_bad_parameter_is_refused_naming_it(rep, kind, params, field):
    response = pick(client_for(rep), kind, **params)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_post_is_not_allowed(rep):
    response = client_for(rep).post(reverse("search:pick", args=["contact"]))
    assert response.status_code == 405


# Cost ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["rep", "manager", "admin_user"])
def test_query_count_does_not_grow_with_the_records(
    persona, request, rep, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    account = AccountFactory(owner=rep)
    for n in range(30):
        ContactFactory(owner=rep, account=account, first_name="Cost", last_name=f"C{n}")
        DealFactory(owner=rep, account=account, name=f"Cost deal {n}")
    client = client_for(user)
    deal = DealFactory(owner=rep, account=account)
    for kind, params in [
        ("contact", {"q": "cost"}),
        ("contact", {"q": "c"}),
        ("contact", {"q": "zzz-nothing"}),
        ("contact", {"q": "cost", "deal": deal.pk}),
        ("deal", {"q": "cost", "account": account.pk}),
        ("lead", {}),
        ("account", {"q": "x"}),
    ]:
        # The session and the user, the user's teams, then one or two queries per part.
        with django_assert_max_num_queries(9 if "deal" in params else 6):
            response = pick(client, kind, **params)
        assert response.status_code == 200


def test_two_letters_or_more_use_the_global_search_words_incl_the_account_name(rep):
    acme = AccountFactory(owner=rep, name="Quokka Freight")
    ContactFactory(owner=rep, account=acme, first_name="Ida", last_name="Inhouse")
    LeadFactory(owner=rep, first_name="Lou", last_name="Lead", company="Quokka Labs")
    client = client_for(rep)
    assert texts(pick(client, "contact", q="quokka")) == ["Ida Inhouse"]
    assert texts(pick(client, "lead", q="quok lab")) == ["Lou Lead"]


def test_one_letter_matches_the_start_of_the_name(rep):
    ContactFactory(owner=rep, first_name="Xena", last_name="One")
    ContactFactory(owner=rep, first_name="Max", last_name="Two")
    assert texts(pick(client_for(rep), "contact", q="x")) == ["Xena One", "Max Two"]
