"""A deal whose customer is not known yet (issue 11): created without an account, shown as
"No account yet", and held in Qualification until it has one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from salesflow.core.errors import DomainError
from salesflow.pipeline.forms_stakeholders import contact_choices
from salesflow.pipeline.models import Deal, StageChange
from salesflow.pipeline.selectors import deals_filtered, stage_changes_dated
from salesflow.pipeline.services import (
    DealHistory,
    deal_create,
    deal_move,
    deal_qualification_record,
    deal_update,
    deals_create_with_history,
)
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    default_pipeline,
    stage_named,
)

pytestmark = pytest.mark.django_db


def bant_complete(deal, user):
    return deal_qualification_record(
        deal,
        acting_user=user,
        budget_amount=50000,
        is_decision_maker=True,
        need="Replace spreadsheets",
        timeline_on=dt.date(2027, 3, 1),
    )


def test_the_service_creates_a_deal_without_an_account(rep):
    deal = deal_create(acting_user=rep, name="Inbound call")

    deal.refresh_from_db()
    assert (deal.account, deal.stage.name) == (None, "Prospecting")


def test_a_deal_without_account_may_name_any_contact_as_primary(rep):
    contact = ContactFactory(owner=rep, account=AccountFactory(owner=rep))

    deal = deal_create(acting_user=rep, name="Referral", primary_contact=contact)

    assert deal.primary_contact == contact and deal.account is None


def test_the_form_creates_a_deal_with_no_account_yet(rep_client, rep):
    page = rep_client.get(reverse("pipeline:deal-create"))
    assert "No account yet" in page.content.decode()  # the account choice's empty option

    response = rep_client.post(
        reverse("pipeline:deal-create"),
        {
            "name": "Trade fair lead",
            "account": "",
            "currency": "EUR",
            "pipeline": default_pipeline().pk,
            "owner": rep.pk,
            "visibility": "team",
        },
    )

    deal = Deal.objects.get(name="Trade fair lead")
    assert response.status_code == 302 and deal.account is None


def test_the_deal_page_says_no_account_yet_instead_of_a_link(rep_client, rep):
    deal = DealFactory(owner=rep, account=None, name="Unknown buyer")

    html = rep_client.get(deal.get_absolute_url()).content.decode()

    assert "No account yet" in html
    assert "None" not in html.split("<h1", 1)[0].split('class="eyebrow"', 1)[1]


def test_the_list_and_the_board_show_no_account_yet(rep_client, rep):
    DealFactory(owner=rep, account=None, name="Unknown buyer")

    listed = rep_client.get(reverse("pipeline:deal-list"), {"q": "unknown"}).content.decode()
    board = rep_client.get(reverse("board:board")).content.decode()

    assert "Unknown buyer" in listed and "No account yet" in listed
    assert "No account yet" in board


def test_the_list_search_still_finds_deals_by_account_name_beside_ones_without(rep):
    DealFactory(owner=rep, account=AccountFactory(owner=rep, name="Acme"), name="Rollout")
    DealFactory(owner=rep, account=None, name="Acme lookalike")

    found = sorted(deal.name for deal in deals_filtered(rep, q="acme"))

    assert found == ["Acme lookalike", "Rollout"]


def test_stakeholder_choices_without_an_account_list_every_contact_by_name(rep):
    deal = DealFactory(owner=rep, account=None)
    ContactFactory(owner=rep, last_name="Zimmer")
    ContactFactory(owner=rep, last_name="Adams")

    names = [c.last_name for c in contact_choices(rep, deal)]

    assert names.index("Adams") < names.index("Zimmer")


def test_it_cannot_leave_qualification_without_an_account(rep):
    deal = DealFactory(owner=rep, account=None, stage=stage_named("Qualification"))
    bant_complete(deal, rep)

    with pytest.raises(DomainError) as refused:
        deal_move(deal, to_stage=stage_named("Needs assessment"), acting_user=rep)

    assert [m["message"] for m in refused.value.missing] == ["Fill in the account."]
    deal.refresh_from_db()
    assert deal.stage.name == "Qualification"


def test_it_leaves_qualification_once_an_account_is_set(rep):
    deal = DealFactory(owner=rep, account=None, stage=stage_named("Qualification"))
    bant_complete(deal, rep)

    deal = deal_update(deal, acting_user=rep, account=AccountFactory(owner=rep))
    deal_move(deal, to_stage=stage_named("Needs assessment"), acting_user=rep)

    deal.refresh_from_db()
    assert deal.stage.name == "Needs assessment"


def test_estimated_moments_show_as_about_and_reports_can_leave_them_out(rep_client, rep):
    at = dt.datetime(2025, 3, 4, 12, tzinfo=dt.UTC)
    deal = Deal(name="Imported", pipeline=default_pipeline(), owner=rep, team=rep.teams.first())
    history = DealHistory(
        deal=deal,
        path=[(stage_named("Prospecting"), at, rep), (stage_named("Qualification"), at, rep)],
        estimated={1},
    )
    (deal,) = deals_create_with_history([history])

    html = rep_client.get(deal.get_absolute_url()).content.decode()
    history_panel = html.split('id="panel-history"', 1)[1].split("</section>", 1)[0]

    assert history_panel.count(">about<") == 1
    assert "4 Mar 2025, 12:00" in history_panel  # the known moment, to the minute
    assert stage_changes_dated(StageChange.objects.filter(deal=deal)).count() == 1
