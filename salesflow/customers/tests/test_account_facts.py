"""Company facts of an account: revenue, employees, year founded, and its parent account."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from salesflow.customers.models import Account
from salesflow.customers.services import account_create, account_update
from salesflow.users.models import Visibility
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def edit_url(account: Account) -> str:
    return reverse("customers:account-edit", args=[account.pk])


def form_data(account: Account, **changes: object) -> dict[str, object]:
    data = {
        "name": account.name,
        "tier": account.tier,
        "owner": account.owner_id,
        "visibility": account.visibility,
        "version": account.version,
    }
    return {**data, **changes}


def test_an_account_records_revenue_employees_year_founded_and_its_group(rep):
    group = account_create(acting_user=rep, name="Acme Holding")

    account = account_create(
        acting_user=rep,
        name="Acme Freight",
        annual_revenue="2500000.00",
        currency="usd",
        employee_count=120,
        founded_year=1987,
        parent=group,
    )

    account.refresh_from_db()
    assert (account.annual_revenue, account.currency) == (2_500_000, "USD")
    assert (account.employee_count, account.founded_year) == (120, 1987)
    assert list(group.children.all()) == [account]


def test_an_account_cannot_be_its_own_parent(rep):
    account = account_create(acting_user=rep, name="Loop Ltd")

    with pytest.raises(ValidationError) as refused:
        account_update(account, acting_user=rep, parent=account)

    assert "parent" in refused.value.message_dict
    assert Account.objects.get(pk=account.pk).parent_id is None


def test_a_parent_cycle_is_refused_naming_the_parent_field(rep):
    group = account_create(acting_user=rep, name="Group")
    division = account_create(acting_user=rep, name="Division", parent=group)
    branch = account_create(acting_user=rep, name="Branch", parent=division)

    with pytest.raises(ValidationError) as refused:
        account_update(group, acting_user=rep, parent=branch)

    assert refused.value.message_dict["parent"] == [
        "Branch belongs to Group already, so it cannot be its parent account."
    ]
    group.refresh_from_db()
    assert group.parent_id is None and group.version == 1


@time_machine.travel("2026-03-01 12:00Z")
def test_a_year_founded_in_the_future_or_before_1000_is_refused(rep):
    account = account_create(acting_user=rep, name="Timeless AG")

    with pytest.raises(ValidationError) as future:
        account_update(account, acting_user=rep, founded_year=2027)
    with pytest.raises(ValidationError) as ancient:
        account_update(account, acting_user=rep, founded_year=999)

    assert future.value.message_dict["founded_year"] == ["The year founded cannot be after 2026."]
    assert "founded_year" in ancient.value.message_dict
    assert Account.objects.get(pk=account.pk).founded_year is None


def test_a_negative_revenue_is_refused(rep):
    with pytest.raises(ValidationError) as refused:
        account_create(acting_user=rep, name="Debt Inc", annual_revenue=-1)

    assert "annual_revenue" in refused.value.message_dict
    assert not Account.objects.filter(name="Debt Inc").exists()


def test_the_edit_form_saves_the_facts_and_keeps_the_currency_when_left_blank(rep_client, rep):
    group = AccountFactory(owner=rep, name="Acme Holding")
    account = AccountFactory(owner=rep, name="Acme Freight", currency="CHF")

    response = rep_client.post(
        edit_url(account),
        form_data(
            account, annual_revenue="1200000", employee_count="45", founded_year="1999",
            parent=group.pk, currency="",
        ),
    )  # fmt: skip

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.annual_revenue, account.currency, account.employee_count) == (
        1_200_000,
        "CHF",
        45,
    )
    assert account.parent == group


def test_the_edit_form_shows_the_cycle_on_the_parent_field(rep_client, rep):
    group = AccountFactory(owner=rep, name="Group")
    division = AccountFactory(owner=rep, name="Division", parent=group)

    response = rep_client.post(edit_url(group), form_data(group, parent=division.pk))

    assert response.status_code == 200
    assert "Division belongs to Group already" in response.content.decode()
    group.refresh_from_db()
    assert group.parent_id is None


def test_the_account_page_shows_the_parent_and_only_the_children_the_user_may_read(
    rep_client, rep, outsider
):
    group = AccountFactory(owner=rep, name="Acme Holding")
    account = AccountFactory(owner=rep, name="Acme Freight", parent=group, employee_count=120)
    AccountFactory(owner=rep, name="Acme Rail", parent=account)
    AccountFactory(owner=outsider, name="Acme Secret Labs", parent=account)

    page = rep_client.get(account.get_absolute_url()).content.decode()

    assert "Account hierarchy" in page
    assert f'href="{group.get_absolute_url()}">Acme Holding</a>' in page
    assert "Acme Rail" in page
    assert "Acme Secret Labs" not in page
    assert "120" in page


def test_a_parent_the_user_may_not_read_is_not_named(rep_client, rep, outsider):
    hidden = AccountFactory(owner=outsider, name="Hidden Holding")
    account = AccountFactory(owner=rep, name="Acme Freight", parent=hidden)

    page = rep_client.get(account.get_absolute_url()).content.decode()

    assert "Hidden Holding" not in page
    assert "An account you cannot see" in page


def test_the_parent_choices_are_the_accounts_the_user_may_read(rep_client, rep, outsider):
    account = AccountFactory(owner=rep, name="Acme Freight")
    AccountFactory(owner=rep, name="Acme Holding")
    AccountFactory(owner=outsider, name="Foreign Holding", visibility=Visibility.TEAM)

    page = rep_client.get(edit_url(account)).content.decode()

    assert "Acme Holding" in page
    assert "Foreign Holding" not in page


def test_the_account_export_has_the_facts_and_the_parent(client, rep):
    group = AccountFactory(owner=rep, name="Acme Holding")
    AccountFactory(owner=rep, name="Acme Freight", parent=group, founded_year=1987)
    client.force_login(rep)

    response = client.get(reverse("customers:account-list"), {"format": "csv"})

    lines = b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()
    header = lines[0].split(",")
    assert {"annual_revenue", "employee_count", "founded_year", "parent"} <= set(header)
    freight = next(line.split(",") for line in lines if "Acme Freight" in line)
    assert freight[header.index("parent")] == "Acme Holding"
    assert freight[header.index("founded_year")] == "1987"
