"""The big lists (deals, leads, contacts, accounts) read their page by a deferred join
(`core.views.DeferredJoinPaginator`, issue #10 point 4): the same rows, in the same order, with
the same count as the plain paginator, for a rep, a manager and an admin, on the first, a middle
and the last page, with a search and with filters; rows that tie on the sort keep one order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.core import views as core_views
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory

pytestmark = pytest.mark.django_db

PER_PAGE = 4
VISIBILITIES = [Visibility.TEAM, Visibility.PRIVATE, Visibility.EVERYONE]

# list: (URL name, a search, filters)
LISTS = {
    "deal": ("pipeline:deal-list", {"q": "alpha"}, {"outcome": "open"}),
    "lead": ("leads:lead-list", {"q": "anna"}, {"source": "seo", "status": "new"}),
    "contact": ("customers:contact-list", {"q": "weber"}, {"consent": "no"}),
    "account": ("customers:account-list", {"q": "nord"}, {"industry": "Logistics"}),
}
MODELS = {"deal": Deal, "lead": Lead, "contact": Contact, "account": Account}


class PlainPaginator(Paginator):
    """Django's paginator over the same order: the page as the lists read it before."""

    def __init__(self, object_list: QuerySet, per_page: int, **kwargs) -> None:
        ordered = object_list.order_by(*core_views.ordering_with_pk(object_list))
        super().__init__(ordered, per_page, **kwargs)


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    monkeypatch.setattr(core_views, "PER_PAGE", PER_PAGE)


@pytest.fixture
def records(rep, teammate, outsider, manager):
    """Records of three owners in both teams with every visibility, many of them tying on
    their list's sort (same name, same score, same creation time), some readable only through
    a deal the rep may read."""
    owners = [rep, teammate, outsider, manager]
    same_moment = timezone.now() - dt.timedelta(days=3)
    for i in range(18):
        owner = owners[i % len(owners)]
        visibility = VISIBILITIES[i % 3]
        account = AccountFactory(
            owner=owner,
            visibility=visibility,
            name=["Nordwind", "Acme", "Nordwind"][i % 3],
            name_key=["nordwind", "acme", "nordwind"][i % 3],
            industry=["Logistics", "Retail"][i % 2],
        )
        contact = ContactFactory(
            owner=owner,
            visibility=visibility,
            account=account,
            first_name=["Eva", "Jan"][i % 2],
            last_name=["Weber", "Adams", "Weber"][i % 3],
            name_key=f"{['eva', 'jan'][i % 2]} {['weber', 'adams', 'weber'][i % 3]}",
            has_consent=i % 4 == 0,
        )
        LeadFactory(
            owner=owner,
            visibility=visibility,
            first_name=["Anna", "Bo"][i % 2],
            name_key=f"{['anna', 'bo'][i % 2]} lead",
            score=[10, 20][i % 2],
        )
        DealFactory(
            owner=owner,
            visibility=visibility,
            account=account,
            primary_contact=contact,
            name=["Deal alpha", "Deal beta"][i % 2],
        )
    # Ties on the deal list's sort: a third of the deals were created in the same moment.
    ids = list(Deal.objects.order_by("pk").values_list("pk", flat=True))
    Deal.objects.filter(pk__in=ids[::3]).update(created_at=same_moment)
    # An outsider's private account and contact the rep reads only through the rep's deal.
    hidden = AccountFactory(owner=outsider, visibility=Visibility.PRIVATE, name="Nordlicht")
    hidden_contact = ContactFactory(
        owner=outsider, visibility=Visibility.PRIVATE, account=hidden, last_name="Weber"
    )
    DealFactory(owner=rep, account=hidden, primary_contact=hidden_contact, name="Deal alpha")


def _page(client, name: str, params: dict) -> tuple[list[int], int, int]:
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    page = response.context["page_obj"]
    return [row.pk for row in page.object_list], page.paginator.count, page.number


def _both_ways(monkeypatch, client, name: str, params: dict):
    fast = _page(client, name, params)
    with monkeypatch.context() as plain:
        plain.setattr(core_views, "DeferredJoinPaginator", PlainPaginator)
        slow = _page(client, name, params)
    return fast, slow


@pytest.mark.parametrize("kind", list(LISTS))
@pytest.mark.parametrize("who", ["rep", "manager", "admin_user"])
@pytest.mark.parametrize("variant", ["first", "middle", "last", "beyond", "search", "filters"])
def test_a_list_page_holds_the_same_rows_with_and_without_the_deferred_join(
    request, monkeypatch, records, kind, who, variant
):
    user = request.getfixturevalue(who)
    name, search, filters = LISTS[kind]
    params = {
        "first": {},
        "middle": {"page": 3},
        "last": {"page": -(-_page(client_for(user), name, {})[1] // PER_PAGE)},
        "beyond": {"page": 999},
        "search": search,
        "filters": filters,
    }[variant]
    client = client_for(user)
    fast, slow = _both_ways(monkeypatch, client, name, params)
    assert fast == slow
    ids, count, number = fast
    assert ids and count
    if variant in ("last", "beyond"):
        assert number > 2 and len(ids) == count - (number - 1) * PER_PAGE
    if variant == "middle":
        assert number == 3 and len(ids) == PER_PAGE


@pytest.mark.parametrize("kind", list(LISTS))
def test_the_rep_pages_through_exactly_the_records_they_may_read_once_each(
    rep, monkeypatch, records, kind
):
    from salesflow.users import policy

    name = LISTS[kind][0]
    client = client_for(rep)
    seen: list[int] = []
    _ids, count, _ = _page(client, name, {})
    pages = -(-count // PER_PAGE)
    for number in range(1, pages + 1):
        seen += _page(client, name, {"page": number})[0]
    model = MODELS[kind]
    readable = {obj.pk for obj in model.objects.all() if policy.can_read(rep, obj)}
    assert len(seen) == len(set(seen)) == count
    # Accounts and contacts are also readable through a deal the rep may read.
    assert readable <= set(seen)
    if kind in ("deal", "lead"):
        assert set(seen) == readable
    assert count < model.objects.count()


@pytest.mark.parametrize("kind", list(LISTS))
def test_rows_that_tie_on_the_sort_come_in_primary_key_order(admin_user, records, kind):
    name = LISTS[kind][0]
    client = client_for(admin_user)
    _ids, count, _ = _page(client, name, {})
    every: list[int] = []
    for number in range(1, -(-count // PER_PAGE) + 1):
        every += _page(client, name, {"page": number})[0]
    model = MODELS[kind]
    key = {
        "deal": lambda row: (-row.created_at.timestamp(), -row.pk),
        "lead": lambda row: (-row.score, -row.created_at.timestamp(), -row.pk),
        "contact": lambda row: (row.last_name, row.first_name, row.pk),
        "account": lambda row: (row.name, row.pk),
    }[kind]
    assert every == [row.pk for row in sorted(model.objects.all(), key=key)]


@pytest.mark.parametrize("kind", list(LISTS))
def test_a_deep_page_takes_as_many_queries_as_the_first(
    rep, records, kind, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    name = LISTS[kind][0]
    client = client_for(rep)
    client.get(reverse(name), {"page": 1})  # the session and caches, once
    with CaptureQueriesContext(connection) as first:
        client.get(reverse(name), {"page": 1})
    with django_assert_num_queries(len(first)):
        client.get(reverse(name), {"page": 999})


def test_the_contact_search_finds_contacts_by_their_account_name(rep, rep_client):
    at_nordwind = ContactFactory(
        owner=rep, account=AccountFactory(owner=rep, name="Nordwind Shipping"), last_name="Adams"
    )
    elsewhere = ContactFactory(owner=rep, account=AccountFactory(owner=rep, name="Acme"))
    without = ContactFactory(owner=rep, account=None, last_name="Nordmann")
    ids, count, _ = _page(rep_client, "customers:contact-list", {"q": "NORDWIND  shipping"})
    assert ids == [at_nordwind.pk] and count == 1
    ids, _, _ = _page(rep_client, "customers:contact-list", {"q": "nord"})
    assert set(ids) == {at_nordwind.pk, without.pk} and elsewhere.pk not in ids


def test_the_contact_search_keeps_the_list_order(rep, rep_client):
    names = [("Jan", "Weber"), ("Eva", "Weber"), ("Ada", "Abweber"), ("Eva", "Weber")]
    made = [ContactFactory(owner=rep, first_name=f, last_name=n) for f, n in names]
    ids, _, _ = _page(rep_client, "customers:contact-list", {"q": "weber"})
    assert ids == [made[2].pk, made[1].pk, made[3].pk, made[0].pk]
