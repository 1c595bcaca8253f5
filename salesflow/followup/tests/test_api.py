"""The follow-up API: accounts due for contact, tiers, tier rules, the calendar feed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from salesflow.api.tests.conftest import ApiClient, invalid_fields
from salesflow.customers.models import Account, TierLevel
from salesflow.followup.models import TierRule
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def due(owner, name: str, days: int, **extra) -> Account:
    account = AccountFactory(owner=owner, name=name, **extra)
    Account.objects.filter(pk=account.pk).update(
        next_contact_due_on=timezone.localdate() + dt.timedelta(days=days)
    )
    return account


def test_follow_ups_lists_readable_accounts_due_with_their_dates(rep, teammate, outsider):
    late = due(rep, "Late", -3, tier="A")
    soon = due(teammate, "Soon", 2)
    due(outsider, "Theirs", -9)
    due(rep, "Far", 40)

    body = ApiClient(rep).get("/follow-ups").json()

    assert body["count"] == 2
    assert [item["account_id"] for item in body["items"]] == [late.pk, soon.pk]
    first = body["items"][0]
    assert first["tier"] == "A" and first["overdue"] is True
    assert first["next_contact_due_on"] == str(timezone.localdate() - dt.timedelta(days=3))
    assert "last_contact_at" in first


def test_follow_ups_filters_by_owner_and_overdue(rep, teammate):
    late = due(rep, "Late", -3)
    due(rep, "Soon", 2)
    due(teammate, "Theirs late", -1)

    body = ApiClient(rep).get("/follow-ups", {"owner_id": rep.pk, "overdue": "true"}).json()

    assert [item["account_id"] for item in body["items"]] == [late.pk]


def test_follow_ups_query_count_does_not_grow(rep, django_assert_max_num_queries):
    for n in range(15):
        due(rep, f"A{n}", -n)
    with django_assert_max_num_queries(6):
        assert ApiClient(rep).get("/follow-ups").json()["count"] == 15


def test_accounts_answer_contact_dates_and_tier_by_hand(rep):
    api = ApiClient(rep)
    created = api.post("/accounts", {"name": "Acme", "tier": "A"}).json()

    assert created["tier_by_hand"] is True
    assert created["last_contact_at"] is None
    assert created["next_contact_due_on"] == str(timezone.localdate() + dt.timedelta(days=14))
    back = api.patch(f"/accounts/{created['id']}", {"tier_by_hand": False}).json()
    assert back["tier_by_hand"] is False
    assert invalid_fields(api.post("/accounts", {"name": "X", "tier": "Q"})) == {"tier"}


def test_admins_add_and_change_tiers_others_read_them(rep, admin_user):
    assert ApiClient(rep).post("/tiers", {"code": "P", "name": "Platinum"}).status_code == 403
    assert not TierLevel.objects.filter(code="P").exists()

    admin = ApiClient(admin_user)
    created = admin.post(
        "/tiers", {"code": "P", "name": "Platinum", "contact_every_days": 7, "channel": "visit"}
    )
    assert created.status_code == 201
    tier_id = created.json()["id"]
    assert (
        admin.patch(f"/tiers/{tier_id}", {"contact_every_days": 5}).json()["contact_every_days"]
        == 5
    )
    listed = ApiClient(rep).get("/tiers").json()
    assert [t["code"] for t in listed["items"]] == ["A", "B", "C", "P"]
    assert ApiClient(rep).patch(f"/tiers/{tier_id}", {"name": "x"}).status_code == 403
    assert TierLevel.objects.get(pk=tier_id).name == "Platinum"
    duplicate = admin.post("/tiers", {"code": "a", "name": "Again"})
    assert invalid_fields(duplicate) == {"code"}


def test_tier_rules_are_listed_created_and_read(rep, admin_user):
    admin = ApiClient(admin_user)
    tier = TierLevel.objects.get(code="A")
    created = admin.post(
        "/tier-rules",
        {"tier_id": tier.pk, "metric": "won_revenue", "threshold": "100000", "months": 12},
    )
    assert created.status_code == 201
    rule = created.json()
    assert rule["tier"] == "A"
    assert rule["text"] == "A when won revenue in the last 12 months ≥ 100,000"
    assert ApiClient(rep).get(f"/tier-rules/{rule['id']}").json()["metric"] == "won_revenue"
    assert ApiClient(rep).get("/tier-rules").json()["count"] == 1
    refused = ApiClient(rep).post(
        "/tier-rules", {"tier_id": tier.pk, "metric": "won_revenue", "threshold": "1"}
    )
    assert refused.status_code == 403
    assert TierRule.objects.count() == 1


def test_me_gains_the_calendar_url_once_a_token_is_made(rep):
    api = ApiClient(rep)
    assert api.get("/me").json()["calendar_url"] is None

    url = api.post("/calendar/token").json()["calendar_url"]

    assert api.get("/me").json()["calendar_url"] == url
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert Client().get(f"/{path}").status_code == 200
    assert api.post("/calendar/token").json()["calendar_url"] != url
    assert Client().get(f"/{path}").status_code == 404
    assert api.delete("/calendar/token").status_code == 204
    assert api.get("/me").json()["calendar_url"] is None
