"""Approvals: the list of quotes waiting for this manager's (or admin's) decision, its
approve/decline buttons, the API list and the nav badge's count."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.api.tests.conftest import ApiClient
from salesflow.quotes.models import Quote, QuoteStatus
from salesflow.quotes.selectors_approvals import approvals_waiting_count, quotes_awaiting_approval
from salesflow.quotes.services import quote_submit_for_approval
from salesflow.quotes.tests.factories import quote_with_lines
from salesflow.users.models import Role
from tests.factories import AccountFactory, DealFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
LIST = reverse("quotes:approvals")
HTMX = {"HX-Request": "true"}


def pending(owner, *, name="Fleet rollout", account="Acme Logistics", discount=30, days_ago=1,
            submitter=None):  # fmt: skip
    """A quote of `owner`'s deal with a deep discount, submitted `days_ago` by `submitter`."""
    deal = DealFactory(owner=owner, name=name, account=AccountFactory(owner=owner, name=account))
    quote = quote_with_lines(
        deal,
        acting_user=owner,
        lines=[{"description": "Trackers", "quantity": 10, "unit_price": D("100"),
                "discount_percent": discount, "tax_rate": 0}],
    )  # fmt: skip
    at = timezone.now() - dt.timedelta(days=days_ago)
    return quote_submit_for_approval(quote, acting_user=submitter or owner, at=at)


def shown(response) -> list[str]:
    """The quote numbers the list shows, in order."""
    return re.findall(r'id="approval-\d+".*?Quote (Q-[\w-]+)', response.content.decode(), re.S)


def test_a_manager_sees_the_quotes_of_their_team_oldest_first_with_what_to_decide_on(
    rep, teammate, manager, outsider
):
    newer = pending(rep, name="Newer deal", days_ago=1)
    older = pending(teammate, name="Older deal", account="Borealis AB", days_ago=3)
    pending(outsider, name="South deal")  # another team's: not this manager's to decide

    response = client_for(manager).get(LIST)

    assert response.status_code == 200
    assert shown(response) == [older.number, newer.number]
    page = response.content.decode()
    for text in ("Older deal", "Borealis AB", str(teammate), "30%", "EUR 700.00", "2 waiting"):
        assert text in page, text
    assert "South deal" not in page


def test_the_admin_sees_every_teams_quotes_but_nobody_their_own_request(
    rep, manager, outsider, admin_user
):
    second = UserFactory(username="second-manager", role=Role.MANAGER, team=rep.teams.first())
    own = pending(rep, name="Manager's own ask", submitter=manager, days_ago=2)
    south = pending(outsider, name="South deal", days_ago=1)

    assert shown(client_for(admin_user).get(LIST)) == [own.number, south.number]
    assert shown(client_for(manager).get(LIST)) == []  # asked for it: another manager decides
    assert shown(client_for(second).get(LIST)) == [own.number]


def test_a_manager_of_a_parent_team_decides_for_its_sub_teams(rep):
    head = UserFactory(username="head", role=Role.MANAGER, team=TeamFactory(name="Sales"))
    north = rep.teams.first()
    north.parent = head.teams.first()
    north.save()
    quote = pending(rep)

    assert shown(client_for(head).get(LIST)) == [quote.number]


def test_a_rep_is_refused_and_nothing_waits_for_them(rep, teammate):
    pending(teammate)

    assert client_for(rep).get(LIST).status_code == 403
    assert approvals_waiting_count(rep) == 0
    assert list(quotes_awaiting_approval(rep)) == []


def test_the_empty_list_says_so(manager):
    response = client_for(manager).get(LIST)

    assert response.status_code == 200
    assert "No quotes wait for your approval." in response.content.decode()


def test_approving_from_the_list_answers_the_row_and_the_message(rep, manager):
    quote = pending(rep)

    response = client_for(manager).post(
        reverse("quotes:approval-approve", args=[quote.pk]),
        {"version": quote.version},
        headers=HTMX,
    )

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.APPROVED and quote.approved_by == manager
    body = response.content.decode()
    assert f'id="approval-{quote.pk}"' in body and "approved." in body
    assert 'hx-swap-oob="true"' in body and "the rep may send it" in body
    assert shown(client_for(manager).get(LIST)) == []


def test_declining_from_the_list_keeps_the_reason_for_the_rep(rep, manager):
    quote = pending(rep)

    client_for(manager).post(
        reverse("quotes:approval-decline", args=[quote.pk]),
        {"version": quote.version, "note": "20% at most for this size"},
        headers=HTMX,
    )

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT
    page = client_for(rep).get(reverse("quotes:quote-detail", args=[quote.pk])).content.decode()
    assert "20% at most for this size" in page
    declined = ApiClient(rep).get(f"/quotes/{quote.pk}").json()["declined"]
    assert declined["reason"] == "20% at most for this size"
    assert declined["declined_by_id"] == manager.pk


def test_without_javascript_a_decision_comes_back_to_the_list(rep, manager):
    quote = pending(rep)

    response = client_for(manager).post(
        reverse("quotes:approval-approve", args=[quote.pk]), {"version": quote.version}
    )

    assert response.status_code == 302 and response["Location"] == LIST
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.APPROVED


def test_a_stale_row_is_refused_and_shows_what_became_of_the_quote(rep, manager, admin_user):
    quote = pending(rep)
    stale = quote.version
    client_for(admin_user).post(
        reverse("quotes:approval-decline", args=[quote.pk]), {"version": stale, "note": "No"}
    )
    before = Quote.objects.filter(pk=quote.pk).values().get()

    response = client_for(manager).post(
        reverse("quotes:approval-approve", args=[quote.pk]), {"version": stale}, headers=HTMX
    )

    assert Quote.objects.filter(pk=quote.pk).values().get() == before
    body = response.content.decode()
    assert "no longer waiting for you (now draft)" in body
    assert "message--error" in body


def test_nobody_decides_a_quote_they_may_not_from_the_list(rep, manager, outsider):
    quote = pending(rep, submitter=manager)
    south_manager = UserFactory(
        username="south-mgr", role=Role.MANAGER, team=outsider.teams.first()
    )
    before = Quote.objects.filter(pk=quote.pk).values().get()

    own = client_for(manager).post(
        reverse("quotes:approval-approve", args=[quote.pk]),
        {"version": quote.version},
        headers=HTMX,
    )
    foreign = client_for(south_manager).post(
        reverse("quotes:approval-approve", args=[quote.pk]), {"version": quote.version}
    )
    by_rep = client_for(rep).post(
        reverse("quotes:approval-approve", args=[quote.pk]), {"version": quote.version}
    )

    assert "You asked for this approval" in own.content.decode()
    assert foreign.status_code == 404 and by_rep.status_code == 403
    assert Quote.objects.filter(pk=quote.pk).values().get() == before


def _queries(user, path, *, api=False) -> int:
    client = ApiClient(user) if api else client_for(user)
    client.get(path)  # warm: sessions, settings rows
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_the_list_and_the_api_cost_the_same_queries_for_one_quote_or_many(rep, teammate, manager):
    pending(rep)
    one_page, one_api = _queries(manager, LIST), _queries(manager, "/quotes/approvals", api=True)
    for index in range(5):
        pending(teammate if index % 2 else rep, name=f"Deal {index}", account=f"Co {index}")

    assert _queries(manager, LIST) == one_page
    assert _queries(manager, "/quotes/approvals", api=True) == one_api
    assert (one_page, one_api) == (7, 7)  # session, user, teams, count, page, lines, users


def test_the_api_lists_what_this_user_may_decide_paged(rep, teammate, manager, admin_user):
    older = pending(teammate, days_ago=3)
    newer = pending(rep, days_ago=1)

    answer = ApiClient(manager).get("/quotes/approvals", {"limit": 1}).json()

    assert answer["count"] == 2
    [item] = answer["items"]
    assert item["id"] == older.pk and item["requested_by_id"] == teammate.pk
    assert item["deal_name"] == "Fleet rollout" and item["account_name"] == "Acme Logistics"
    assert D(item["totals"]["grand_total"]) == D("700.00") and item["status"] == "pending_approval"
    assert (
        ApiClient(manager).get("/quotes/approvals", {"offset": 1}).json()["items"][0]["id"]
        == newer.pk
    )
    assert ApiClient(rep).get("/quotes/approvals").status_code == 403


def test_the_badge_counts_what_waits_in_one_query_per_request(rep, teammate, manager):
    pending(rep)
    pending(teammate)
    request = RequestFactory().get("/")
    request.user = manager
    template = Template(
        "{% load quote_approvals %}{% approvals_waiting as n %}{{ n }}/{% approvals_waiting %}"
    )

    with CaptureQueriesContext(connection) as captured:
        assert template.render(Context({"request": request})) == "2/2"
    assert len(captured) == 2  # the managed teams, the count

    request = RequestFactory().get("/")
    request.user = rep
    with CaptureQueriesContext(connection) as captured:
        assert template.render(Context({"request": request})) == "0/0"
    assert len(captured) == 0


def test_managers_and_admins_find_approvals_in_the_more_menu_and_reps_do_not(
    rep, manager, admin_user
):
    link = f'<a href="{LIST}"'
    for user in (manager, admin_user):
        page = client_for(user).get(reverse("pages:dashboard")).content.decode()
        menu = page.split('class="more-menu__list"', 1)[1].split("</ul>", 1)[0]
        assert link in menu and ">Approvals</a>" in menu
    assert link not in client_for(rep).get(reverse("pages:dashboard")).content.decode()
