from __future__ import annotations

import pytest
from auditlog.context import set_actor
from django.template import Context, Template
from django.urls import reverse

from salesflow.audit.models import AuditAction, AuditEvent
from salesflow.audit.selectors import record_history
from salesflow.customers.services import contact_update
from salesflow.pipeline.services import deal_update
from tests.factories import ContactFactory, DealFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_a_deal_change_is_recorded_with_who_and_field_before_and_after(rep):
    deal = DealFactory(owner=rep, amount=1000)
    with set_actor(rep):
        deal_update(deal, acting_user=rep, amount=2500, name="Bigger fleet")
    entry = record_history(deal).first()
    assert entry.actor == rep
    assert entry.changes_dict["amount"] == ["1000.00", "2500"]
    assert entry.changes_dict["name"][1] == "Bigger fleet"
    assert "updated_at" not in entry.changes_dict


def test_history_on_the_record_page_shows_the_change(rep):
    contact = ContactFactory(owner=rep, hobbies="Golf")
    with set_actor(rep):
        contact_update(contact, acting_user=rep, hobbies="Sailing")
    html = Template("{% load audit_tags %}{% history_of contact %}").render(
        Context({"contact": contact})
    )
    assert "Sailing" in html and "Golf" in html and str(rep) in html


def test_sign_in_sign_out_and_failures_are_logged(client, rep):
    client.post(reverse("login"), {"username": "rep", "password": "wrong password"})
    client.post(reverse("login"), {"username": "rep", "password": PASSWORD})
    client.post(reverse("logout"))
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "actor_label"))
    assert actions == [
        (AuditAction.LOGIN_FAILED, "rep"),
        (AuditAction.LOGIN, "rep"),
        (AuditAction.LOGOUT, "rep"),
    ]


def test_repeated_failed_sign_ins_lock_the_account_even_with_the_right_password(client, rep):
    for _ in range(5):
        client.post(reverse("login"), {"username": "rep", "password": "wrong password"})
    response = client.post(reverse("login"), {"username": "rep", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_audit_log_page_is_for_admins_only(client, rep, admin_user):
    client.force_login(rep)
    assert client.get(reverse("audit:log")).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("audit:log")).status_code == 200


def test_admin_finds_a_change_by_searching_the_record_name(client, rep, admin_user):
    deal = DealFactory(owner=rep, name="Harbour cranes")
    other = DealFactory(owner=rep, name="Office chairs")
    with set_actor(rep):
        deal_update(deal, acting_user=rep, amount=99)
        deal_update(other, acting_user=rep, amount=77)
    client.force_login(admin_user)
    response = client.get(reverse("audit:log"), {"q": "Harbour"})
    body = response.content.decode()
    assert "Harbour cranes" in body and "Office chairs" not in body


def test_admin_searches_sign_in_events(client, rep, admin_user):
    client.post(reverse("login"), {"username": "mallory", "password": "guess"})
    client.force_login(admin_user)
    response = client.get(reverse("audit:log"), {"tab": "events", "q": "mallory"})
    assert "mallory" in response.content.decode()
    assert "Failed sign-in" in response.content.decode()


def test_every_record_page_shows_its_change_history(client, rep):
    from salesflow.customers.services import account_update
    from tests.factories import AccountFactory, LeadFactory

    account = AccountFactory(owner=rep, region="Benelux")
    deal = DealFactory(owner=rep, amount=1000)
    lead = LeadFactory(owner=rep)
    client.force_login(rep)
    with set_actor(rep):
        account_update(account, acting_user=rep, region="Nordics")
        deal_update(deal, acting_user=rep, amount=4200)
    for url, text in (
        (account.get_absolute_url(), "Nordics"),
        (deal.get_absolute_url(), "4200"),
        (lead.get_absolute_url(), "Change history"),
    ):
        body = client.get(url).content.decode()
        assert "Show change history" in body and text in body, url
