"""The company facts and parent of an account through the API."""

from __future__ import annotations

from salesflow.api.tests.conftest import invalid_fields
from salesflow.customers.models import Account
from tests.factories import AccountFactory


def test_the_company_facts_and_parent_make_a_round_trip(api_as, rep):
    group = AccountFactory(owner=rep, name="Acme Holding")
    api = api_as(rep)

    created = api.post(
        "/accounts",
        {"name": "Acme Freight", "annual_revenue": "2500000.50", "currency": "USD",
         "employee_count": 120, "founded_year": 1987, "parent_id": group.pk},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = api.get(f"/accounts/{created.json()['id']}").json()

    assert body["annual_revenue"] in ("2500000.50", 2500000.5)
    assert (body["currency"], body["employee_count"], body["founded_year"]) == ("USD", 120, 1987)
    assert body["parent_id"] == group.pk

    changed = api.patch(
        f"/accounts/{body['id']}", {"employee_count": 130, "parent_id": None, "version": 1}
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["employee_count"], changed.json()["parent_id"]) == (130, None)


def test_a_parent_cycle_is_refused_with_422_naming_the_parent(api_as, rep):
    group = AccountFactory(owner=rep, name="Group")
    division = AccountFactory(owner=rep, name="Division", parent=group)

    response = api_as(rep).patch(f"/accounts/{group.pk}", {"parent_id": division.pk})

    assert invalid_fields(response) == {"parent"}
    group.refresh_from_db()
    assert group.parent_id is None and group.version == 1


def test_a_parent_the_user_may_not_read_is_refused_like_a_missing_one(api_as, rep, outsider):
    hidden = AccountFactory(owner=outsider, name="Hidden Holding")
    account = AccountFactory(owner=rep, name="Acme Freight")

    response = api_as(rep).patch(f"/accounts/{account.pk}", {"parent_id": hidden.pk})

    assert invalid_fields(response) == {"parent_id"}
    assert Account.objects.get(pk=account.pk).parent_id is None


def test_an_impossible_year_founded_is_refused(api_as, rep):
    response = api_as(rep).post("/accounts", {"name": "Timeless AG", "founded_year": 3100})

    assert invalid_fields(response) == {"founded_year"}
    assert not Account.objects.filter(name="Timeless AG").exists()
