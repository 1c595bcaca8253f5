"""Re-importing deals finds the deals it wrote (issue 14, mutation testing): by external id,
else by account, name and created day, only among deals the importer may read."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.pipeline.models import Deal
from tests.factories import AccountFactory, DealFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 6, 1, 9, 0, tzinfo=dt.UTC)
MAPPING = {
    "kind": "deals",
    "columns": {"Org": "account", "Deal": "name", "Stage": "stage", "Created": "created_at",
                "Amount": "amount"},
    "date_format": "Y-m-d",
}  # fmt: skip
HEADER = "Org,Deal,Stage,Created,Amount\n"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def acme(admin_user):
    return AccountFactory(name="Acme", owner=admin_user)


def counts(job) -> tuple[int, int, int]:
    return job.created_count, job.updated_count, job.unchanged_count


def test_the_same_file_again_matches_every_deal_and_creates_none(admin_user, acme):
    content = HEADER + "Acme,Fleet renewal,Qualification,2024-01-10,1000\n"
    run_import(admin_user, content, kind="deals", mapping=MAPPING)

    job = run_import(admin_user, content, kind="deals", mapping=MAPPING)

    assert counts(job) == (0, 0, 1)
    assert Deal.objects.count() == 1


def test_a_reimport_in_other_capitals_updates_the_deal_it_matches(admin_user, acme):
    run_import(admin_user, HEADER + "Acme,Fleet renewal,Qualification,2024-01-10,1000\n",
               kind="deals", mapping=MAPPING)  # fmt: skip

    job = run_import(admin_user, HEADER + "ACME,FLEET  RENEWAL,Qualification,2024-01-10,1500\n",
                     kind="deals", mapping=MAPPING)  # fmt: skip

    deal = Deal.objects.get()
    assert counts(job) == (0, 1, 0)
    assert (deal.name, deal.amount) == ("Fleet renewal", 1500)


def test_the_same_name_created_on_another_day_is_another_deal(admin_user, acme):
    run_import(admin_user, HEADER + "Acme,Fleet renewal,Qualification,2024-01-10,1000\n",
               kind="deals", mapping=MAPPING)  # fmt: skip

    job = run_import(admin_user, HEADER + "Acme,Fleet renewal,Qualification,2023-01-10,1000\n",
                     kind="deals", mapping=MAPPING)  # fmt: skip

    assert counts(job) == (1, 0, 0)
    assert Deal.objects.count() == 2


def test_a_deal_of_another_account_with_that_name_is_not_matched(admin_user, acme):
    DealFactory(owner=admin_user, account=AccountFactory(name="Globex", owner=admin_user),
                name="Fleet renewal")  # fmt: skip

    job = run_import(admin_user, HEADER + "Acme,Fleet renewal,Qualification,,1000\n",
                     kind="deals", mapping=MAPPING)  # fmt: skip

    assert counts(job) == (1, 0, 0)
    assert Deal.objects.filter(account=acme).count() == 1


def test_a_reimport_by_external_id_matches_though_the_name_changed(admin_user, acme):
    mapping = {**MAPPING, "columns": {**MAPPING["columns"], "ID": "external_id"}}
    header = "ID," + HEADER
    run_import(admin_user, header + "X-1,Acme,Fleet renewal,Qualification,2024-01-10,1\n",
               kind="deals", mapping=mapping)  # fmt: skip

    job = run_import(admin_user, header + "X-1,Acme,Fleet 2025,Qualification,2024-01-10,1\n",
                     kind="deals", mapping=mapping)  # fmt: skip

    assert counts(job) == (0, 1, 0)
    assert list(Deal.objects.values_list("name", flat=True)) == ["Fleet 2025"]


def test_a_private_deal_of_another_team_is_never_matched_nor_changed(rep, outsider):
    account = AccountFactory(name="Acme", owner=rep, visibility="everyone")
    hidden = DealFactory(owner=outsider, account=account, name="Fleet renewal", amount=7,
                         visibility="private")  # fmt: skip
    Deal.objects.filter(pk=hidden.pk).update(created_at=dt.datetime(2024, 1, 10, 12, tzinfo=dt.UTC))

    job = run_import(rep, HEADER + "Acme,Fleet renewal,Qualification,2024-01-10,1000\n",
                     kind="deals", mapping=MAPPING)  # fmt: skip

    hidden.refresh_from_db()
    assert errors_of(job) == []
    assert counts(job) == (1, 0, 0)
    assert (hidden.amount, hidden.version) == (7, 1)
    assert Deal.objects.filter(owner=rep, name="Fleet renewal").count() == 1
