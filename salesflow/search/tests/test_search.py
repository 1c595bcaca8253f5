"""The global search: what it finds, for whom, in what order, that its indexes follow every
write path, that the database answers through them, and the page, drop-down and API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from conftest import client_for
from salesflow.activities.models import Activity
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal
from salesflow.search.selectors import (
    records_matching,
    records_matching_count,
    records_matching_qs,
    search_terms,
)
from salesflow.search.services import search_index_ensure
from salesflow.users.models import Visibility
from salesflow.users.services import token_create
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
)

pytestmark = pytest.mark.django_db


def names(records) -> list[str]:
    return [str(r) for r in records]


def found(user, kind: str, q: str) -> list[str]:
    return names(records_matching(user, kind=kind, q=q, limit=50))


# ---------------------------------------------------------------------- what a query looks up


def test_words_are_folded_and_a_phone_number_becomes_its_national_digits():
    assert search_terms("  ACME  gmbh ") == ["acme", "gmbh"]
    assert search_terms("jane.doe@acme.com") == ["jane", "doe", "acme", "com"]
    assert search_terms("040 123 4567") == ["0401234567"]
    assert search_terms("+49 (40) 123-45") == ["494012345"]
    assert search_terms("a") == []
    assert search_terms("") == []


# ---------------------------------------------------------------------- what each kind finds


def test_a_lead_is_found_by_name_email_phone_company_and_external_id(rep):
    lead = LeadFactory(
        owner=rep,
        first_name="Jana",
        last_name="Novak",
        email="jana.novak@brightsteel.example",
        phone="+494012345678",
        company="Acme Logistics",
        external_id="CRM-00042",
    )
    LeadFactory(owner=rep, first_name="Other", last_name="Person", company="Umbrella")
    for q in (
        "acm",  # typing the start of the company finds it
        "Acme log",
        "nov",
        "jana novak",
        "brightsteel",
        "jana.novak@brightsteel.example",
        "040 1234 5678",  # the national format of its phone
        "+49 40 12345",
        "crm-00042",
        "00042",
    ):
        assert found(rep, "lead", q) == [lead.display_name], q
    assert found(rep, "lead", "acmex") == []
    assert found(rep, "lead", "logistic novak") == ["Jana Novak"]  # words in any field


def test_contacts_and_deals_are_found_by_their_account_name(rep):
    account = AccountFactory(owner=rep, name="Globex Corporation", website="https://globex.example")
    contact = ContactFactory(owner=rep, account=account, first_name="Hank", last_name="Scorpio")
    deal = DealFactory(owner=rep, account=account, name="Fleet renewal", external_id="SF-9")
    assert found(rep, "account", "glob") == ["Globex Corporation"]
    assert found(rep, "account", "globex.example") == ["Globex Corporation"]
    assert found(rep, "contact", "globex") == [contact.full_name]
    assert found(rep, "contact", "hank globex") == [contact.full_name]
    assert found(rep, "deal", "globex") == ["Fleet renewal"]
    assert found(rep, "deal", "flee") == ["Fleet renewal"]
    assert found(rep, "deal", "sf-9") == ["Fleet renewal"]
    assert found(rep, "contact", contact.email) == [contact.full_name]
    assert deal.pk


def test_an_activity_is_found_by_its_subject(rep):
    ActivityFactory(owner=rep, subject="Quarterly review with Initech")
    ActivityFactory(owner=rep, subject="Send the price list")
    assert found(rep, "activity", "initech quart") == ["Quarterly review with Initech"]


def test_a_query_shorter_than_two_characters_finds_nothing(rep):
    LeadFactory(owner=rep, last_name="Ng")
    assert found(rep, "lead", "n") == []
    assert found(rep, "lead", "ng") == [Lead.objects.get().display_name]


def test_an_unknown_kind_is_refused(rep):
    with pytest.raises(ValueError):
        records_matching(rep, kind="user", q="rep")


# ---------------------------------------------------------------------- ranking


def test_names_starting_with_the_query_come_first_then_name_words_then_other_fields(rep):
    by_email = AccountFactory(owner=rep, name="Blue Sky Ltd", website="https://acme-mirror.example")
    inner_word = AccountFactory(owner=rep, name="The Acme Group")
    starts = AccountFactory(owner=rep, name="Acme Industries")
    assert found(rep, "account", "acme") == [starts.name, inner_word.name, by_email.name]


# ---------------------------------------------------------------------- access policy


@pytest.fixture
def zoo(rep, teammate, outsider):
    """One lead, contact, account, deal and activity per case, all named "Quokka ..."."""
    made = {}
    cases = {
        "own_private": (rep, Visibility.PRIVATE),
        "teammate_team": (teammate, Visibility.TEAM),
        "teammate_private": (teammate, Visibility.PRIVATE),
        "outsider_team": (outsider, Visibility.TEAM),
        "outsider_everyone": (outsider, Visibility.EVERYONE),
    }
    for case, (owner, visibility) in cases.items():
        name = f"Quokka {case}"
        account = AccountFactory(owner=owner, visibility=visibility, name=name)
        made[("account", case)] = account
        made[("contact", case)] = ContactFactory(
            owner=owner, visibility=visibility, account=account, first_name="Quokka",
            last_name=case,
        )  # fmt: skip
        made[("lead", case)] = LeadFactory(
            owner=owner, visibility=visibility, first_name="Quokka", last_name=case
        )
        deal = DealFactory(owner=owner, visibility=visibility, account=account, name=name)
        made[("deal", case)] = deal
        made[("activity", case)] = ActivityFactory(
            owner=owner, visibility=visibility, deal=deal, subject=name
        )
    return made


SEES = {
    "rep": {"own_private", "teammate_team", "outsider_everyone"},
    "manager": {"own_private", "teammate_team", "teammate_private", "outsider_everyone"},
    "admin_user": {
        "own_private",
        "teammate_team",
        "teammate_private",
        "outsider_team",
        "outsider_everyone",
    },
    "outsider": {"outsider_team", "outsider_everyone"},
}


@pytest.mark.parametrize("kind", ["lead", "contact", "account", "deal", "activity"])
@pytest.mark.parametrize("persona", sorted(SEES))
def test_each_persona_finds_only_the_records_they_may_read(zoo, kind, persona, request):
    user = request.getfixturevalue(persona)
    hits = records_matching(user, kind=kind, q="quokka", limit=50)
    cases = {case for (k, case), record in zoo.items() if k == kind and record in hits}
    assert cases == SEES[persona]
    assert records_matching_count(user, kind=kind, q="quokka") == len(SEES[persona])


# ---------------------------------------------------------------------- the index follows writes


def test_the_index_follows_saves_bulk_creates_raw_updates_and_deletes(rep):
    lead = LeadFactory(owner=rep, first_name="Wanda", last_name="Walrus", company="Seaside")
    assert found(rep, "lead", "walrus") == ["Wanda Walrus"]

    lead.last_name = "Narwhal"
    lead.save()
    assert found(rep, "lead", "walrus") == []
    assert found(rep, "lead", "narwhal") == ["Wanda Narwhal"]

    Lead.objects.filter(pk=lead.pk).update(company="Harbour Trading")  # no save(), no signal
    assert found(rep, "lead", "seaside") == []
    assert found(rep, "lead", "harbour") == ["Wanda Narwhal"]

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE leads_lead SET email = %s WHERE id = %s", ["w@kelp.example", lead.pk]
        )
    assert found(rep, "lead", "kelp") == ["Wanda Narwhal"]

    Lead.objects.bulk_create(
        [
            Lead(owner=rep, team=lead.team, first_name="Bulk", last_name=f"Walrus{i}",
                 channel="inbound", source="seo")
            for i in range(3)
        ]
    )  # fmt: skip
    assert len(found(rep, "lead", "walrus")) == 3

    lead.delete()
    assert found(rep, "lead", "narwhal") == []
    Lead.objects.filter(first_name="Bulk").delete()
    assert found(rep, "lead", "walrus") == []


@pytest.mark.parametrize(
    ("model", "factory", "field", "kind"),
    [
        (Contact, ContactFactory, "last_name", "contact"),
        (Account, AccountFactory, "name", "account"),
        (Deal, DealFactory, "name", "deal"),
        (Activity, ActivityFactory, "subject", "activity"),
    ],
)
def test_every_kind_follows_renames_and_deletes(rep, model, factory, field, kind):
    record = factory(owner=rep, **{field: "Platypus"})
    assert len(found(rep, kind, "platyp")) == 1
    model.objects.filter(pk=record.pk).update(**{field: "Echidna"})
    assert found(rep, kind, "platyp") == []
    assert len(found(rep, kind, "echid")) == 1
    if kind == "deal":
        record.activities.all().delete()
    model.objects.filter(pk=record.pk).delete()
    assert found(rep, kind, "echid") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps its index by triggers")
def test_a_trigger_lost_to_a_table_rebuild_is_put_back_and_the_index_refilled(rep):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER search_lead_ai")
    LeadFactory(owner=rep, first_name="Missed", last_name="Insert")
    assert found(rep, "lead", "missed") == []  # what a table rebuild would leave
    assert search_index_ensure() == ["lead"]
    assert found(rep, "lead", "missed") == ["Missed Insert"]
    LeadFactory(owner=rep, first_name="Later", last_name="Insert")
    assert found(rep, "lead", "later") == ["Later Insert"]
    assert search_index_ensure() == []


# ---------------------------------------------------------------------- the plan uses the index


@pytest.mark.parametrize("persona", ["rep", "admin_user"])
@pytest.mark.parametrize("kind", ["lead", "contact", "account", "deal", "activity"])
def test_the_database_answers_through_the_search_index(kind, persona, request, rep):
    user = request.getfixturevalue(persona)
    LeadFactory.create_batch(3, owner=rep)
    ContactFactory.create_batch(3, owner=rep)
    ActivityFactory.create_batch(3, owner=rep)
    table = {
        "lead": "leads_lead",
        "contact": "customers_contact",
        "account": "customers_account",
        "deal": "pipeline_deal",
        "activity": "activities_activity",
    }[kind]
    qs = records_matching_qs(user, kind=kind, q="acme sm")[:10]
    if connection.vendor == "sqlite":
        plan = qs.explain()
        assert "VIRTUAL TABLE INDEX" in plan and f"search_{kind}" in plan, plan
        # The searched table is read by id (SEARCH ... INTEGER PRIMARY KEY), never scanned.
        assert f"SCAN {table}\n" not in plan + "\n" and f"SCAN {table} " not in plan, plan
    else:
        with connection.cursor() as cursor:
            # Tiny tables: tell the planner sequential scans are dear, as at scale.
            cursor.execute("SET LOCAL enable_seqscan = off")
            # A GIN index is read by a bitmap scan; plain index scans (by id, one row at a time)
            # only win on tables of a few rows.
            cursor.execute("SET LOCAL enable_indexscan = off")
        plan = qs.explain()
        assert f"search_{kind}_doc_idx" in plan, plan
        assert f"Seq Scan on {table}" not in plan, plan


# ---------------------------------------------------------------------- the page and drop-down


def test_the_page_groups_hits_by_kind_with_counts_and_more_links(
    rep, django_assert_max_num_queries
):
    account = AccountFactory(owner=rep, name="Zenith Airways")
    for i in range(7):
        ContactFactory(owner=rep, account=account, first_name=f"Crew{i}", last_name="Zenith")
    DealFactory(owner=rep, account=account, name="Zenith fleet")
    client = client_for(rep)
    with django_assert_max_num_queries(20):
        response = client.get("/search/", {"q": "zenith"})
    body = response.content.decode().split('id="search-results"', 1)[1]
    assert response.status_code == 200
    assert 'Contacts <span class="search-group__count">7</span>' in body
    assert 'Accounts <span class="search-group__count">1</span>' in body
    assert 'Deals <span class="search-group__count">8</span>' not in body
    assert f'href="/accounts/{account.pk}/"' in body
    assert body.count('href="/accounts/contacts/') == 5  # five per kind, the rest behind "All 7"
    assert "kind=contact" in body and "All 7 contacts" in body
    assert "kind=account" not in body  # one account: no "more"

    response = client.get("/search/", {"q": "zenith", "kind": "contact"})
    body = response.content.decode().split('id="search-results"', 1)[1].split("</main>")[0]
    assert body.count('href="/accounts/contacts/') == 7
    assert "Accounts" not in body


def test_the_page_without_a_query_asks_for_one(rep):
    body = client_for(rep).get("/search/").content.decode()
    assert "Type at least 2 characters" in body
    body = client_for(rep).get("/search/", {"q": "x"}).content.decode()
    assert "Type at least 2 characters" in body


def test_the_page_never_shows_what_the_user_may_not_read(rep, outsider):
    LeadFactory(owner=outsider, first_name="Secret", last_name="Wombat")
    body = client_for(rep).get("/search/", {"q": "wombat"}).content.decode()
    assert "Secret Wombat" not in body and "Nothing found" in body


def test_the_dropdown_answers_htmx_with_top_hits_per_kind_as_options(
    rep, django_assert_max_num_queries
):
    for i in range(8):
        LeadFactory(owner=rep, first_name=f"Ivy{i}", last_name="Ibex")
    account = AccountFactory(owner=rep, name="Ibex Mining")
    client = client_for(rep)
    with django_assert_max_num_queries(10):
        response = client.get("/search/", {"q": "ibex", "dropdown": "1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert 'role="listbox"' in body
    # Five of the eight leads, the account, and "All results".
    assert body.count('role="option"') == 5 + 1 + 1
    assert f'href="/accounts/{account.pk}/"' in body
    assert 'id="global-search-status"' in body and "Top 6 results" in body


def test_the_dropdown_says_when_nothing_is_found(rep):
    response = client_for(rep).get(
        "/search/", {"q": "nothingatall", "dropdown": "1"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "Nothing found" in body and 'role="listbox"' not in body and "No results" in body


def test_the_header_box_is_a_form_to_the_search_page(rep):
    body = client_for(rep).get("/search/", {"q": "ibex"}).content.decode()
    assert 'id="global-search-q"' in body and 'action="/search/"' in body
    assert 'value="ibex"' in body


def test_the_page_needs_a_signed_in_user():
    response = Client().get("/search/", {"q": "ibex"})
    assert response.status_code == 302 and "/login/" in response["Location"]


# ---------------------------------------------------------------------- the API


def api_get(user, **params):
    token = token_create(user=user)[1]
    return Client().get("/api/v1/search", params, headers={"Authorization": f"Bearer {token}"})


def test_the_api_answers_groups_by_kind(rep, outsider, django_assert_max_num_queries):
    account = AccountFactory(owner=rep, name="Kestrel Labs")
    ContactFactory(owner=rep, account=account, first_name="Kim", last_name="Kestrel")
    LeadFactory(owner=outsider, first_name="Hidden", last_name="Kestrel")
    with django_assert_max_num_queries(14):
        response = api_get(rep, q="kestrel")
    assert response.status_code == 200
    data = response.json()
    groups = {g["kind"]: g for g in data["groups"]}
    assert list(groups) == ["lead", "contact", "account", "deal", "activity"]
    assert groups["lead"]["count"] == 0 and groups["lead"]["items"] == []
    assert groups["account"]["items"] == [
        {
            "kind": "account",
            "id": account.pk,
            "title": "Kestrel Labs",
            "detail": "Software · Europe",
            "url": f"/accounts/{account.pk}/",
        }
    ]
    assert groups["contact"]["count"] == 1 and groups["contact"]["count_capped"] is False


def test_the_api_filters_by_kind_and_limits_the_hits(rep):
    for i in range(4):
        AccountFactory(owner=rep, name=f"Kite {i}")
    data = api_get(rep, q="kite", kind="account", limit=2).json()
    [group] = data["groups"]
    assert group["kind"] == "account" and len(group["items"]) == 2 and group["count"] == 4


@pytest.mark.parametrize(
    "params", [{"q": "x", "kind": "user"}, {"q": "x", "limit": 0}, {"q": "x" * 201}]
)
def test_the_api_refuses_bad_parameters_with_422(rep, params):
    response = api_get(rep, **params)
    assert response.status_code == 422


def test_the_api_needs_a_token():
    assert Client().get("/api/v1/search", {"q": "kite"}).status_code == 401


# ---------------------------------------------------------------------- the policy, as the apps say


@pytest.mark.parametrize("persona", ["rep", "teammate", "manager", "outsider", "admin_user"])
def test_the_search_reads_exactly_the_records_the_apps_selectors_allow(
    persona, request, rep, teammate, outsider
):
    """The search's own form of the access policy (`visible_to`, checked per record found) gives
    the same rows as the apps' `*_visible_to`, including what is readable through a deal or a
    lead: an account or a contact of a readable deal, an activity on a readable deal or lead
    (unless private)."""
    from salesflow.search.selectors import VISIBLE, visible_to

    user = request.getfixturevalue(persona)
    owners = [rep, teammate, outsider]
    visibilities = [Visibility.PRIVATE, Visibility.TEAM, Visibility.EVERYONE]
    for i, owner in enumerate(owners):
        for j, visibility in enumerate(visibilities):
            other = owners[(i + j + 1) % 3]
            account = AccountFactory(owner=other, visibility=visibilities[(j + 1) % 3])
            contact = ContactFactory(owner=other, account=account, visibility=visibilities[j - 1])
            deal = DealFactory(
                owner=owner, visibility=visibility, account=account, primary_contact=contact
            )
            lead = LeadFactory(owner=owner, visibility=visibilities[j - 1])
            for k, activity_visibility in enumerate(visibilities):
                link = {"deal": deal} if k % 2 else {"deal": None, "lead": lead}
                ActivityFactory(owner=other, visibility=activity_visibility, **link)
    for kind in ("lead", "contact", "account", "deal", "activity"):
        ours = set(visible_to(kind, user).values_list("pk", flat=True))
        theirs = set(VISIBLE[kind](user).values_list("pk", flat=True))
        assert ours == theirs, kind
        assert ours or persona != "admin_user"


def test_renaming_or_changing_the_account_changes_what_finds_its_contacts_and_deals(rep):
    account = AccountFactory(owner=rep, name="Oldname Trading")
    contact = ContactFactory(owner=rep, account=account, first_name="Cid", last_name="Cole")
    DealFactory(owner=rep, account=account, name="Big order")
    Account.objects.filter(pk=account.pk).update(name="Newname Trading")
    assert found(rep, "contact", "oldname") == [] and found(rep, "deal", "oldname") == []
    assert found(rep, "contact", "newname cid") == ["Cid Cole"]
    assert found(rep, "deal", "newname big") == ["Big order"]
    other = AccountFactory(owner=rep, name="Elsewhere Ltd")
    Contact.objects.filter(pk=contact.pk).update(account=other)
    assert found(rep, "contact", "newname") == []
    assert found(rep, "contact", "elsewhere") == ["Cid Cole"]


def test_more_matches_than_the_search_looks_at_show_as_a_lower_bound(rep, monkeypatch):
    """The page looks at the newest CANDIDATE_CAP index matches of a kind: beyond them the
    count reads "N+" (capped); at exactly the cap it is the plain count."""
    from salesflow.search import selectors

    monkeypatch.setattr(selectors, "CANDIDATE_CAP", 3)
    for i in range(3):
        ContactFactory(owner=rep, first_name=f"Pat{i}", last_name="Quillfeather")
    (group,) = selectors.search_grouped(rep, "quillfeather", kinds=("contact",), limit=2)
    assert (group.count, group.capped, group.count_label) == (3, False, "3")
    ContactFactory(owner=rep, first_name="Pat3", last_name="Quillfeather")
    (group,) = selectors.search_grouped(rep, "quillfeather", kinds=("contact",), limit=2)
    assert (group.count, group.capped, group.count_label) == (3, True, "3+")
    assert len(group.hits) == 2
