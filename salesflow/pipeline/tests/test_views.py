from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.activities.models import Activity
from salesflow.core.errors import DomainError
from salesflow.pipeline import services
from salesflow.pipeline.models import (
    Competitor,
    Deal,
    DealCompetitor,
    DealStakeholder,
    Outcome,
    Pipeline,
    Stage,
    StageChange,
)
from salesflow.pipeline.services import (
    competitor_create,
    deal_close,
    deal_competitor_add,
    deal_move,
    deal_qualification_record,
    stakeholder_add,
)
from salesflow.playbooks.services import objection_log
from salesflow.users.models import Visibility
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    DealFactory,
    lost_reason,
    stage_named,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail_url(deal: Deal) -> str:
    return reverse("pipeline:deal-detail", args=[deal.pk])


def action_url(name: str, deal: Deal) -> str:
    return reverse(f"pipeline:deal-{name}", args=[deal.pk])


@pytest.fixture
def deal(rep):
    return DealFactory(owner=rep, name="Fleet renewal")


@pytest.fixture
def quick(db):
    """A pipeline without exit criteria, so forward moves depend on nothing but the view."""
    pipeline = Pipeline.objects.create(name="Quick sale")
    stages = [("New", 10, "open"), ("Offer", 60, "open"), ("Won", 100, "won"), ("Lost", 0, "lost")]
    return {
        name: Stage.objects.create(
            pipeline=pipeline, name=name, position=position, probability=probability, kind=kind
        )
        for position, (name, probability, kind) in enumerate(stages, 1)
    }


@pytest.fixture
def quick_deal(rep, quick):
    return DealFactory(owner=rep, name="Quick deal", pipeline=quick["New"].pipeline)


@pytest.fixture
def public_deal(outsider):
    """A deal of another team shared with everyone: the rep may read it, not change it."""
    return DealFactory(owner=outsider, visibility=Visibility.EVERYONE, name="Open book deal")


# List


def test_list_shows_the_deals_the_user_may_read(rep_client, rep, teammate, outsider):
    DealFactory(owner=rep, name="Own deal")
    DealFactory(owner=teammate, name="Team deal")
    DealFactory(owner=teammate, visibility=Visibility.PRIVATE, name="Private deal")
    DealFactory(owner=outsider, name="Foreign deal")
    response = rep_client.get(reverse("pipeline:deal-list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Own deal" in content and "Team deal" in content
    assert "Private deal" not in content and "Foreign deal" not in content
    assert "<html" in content


def test_list_searches_by_deal_and_account_name(rep_client, rep):
    DealFactory(owner=rep, name="Fleet renewal")
    DealFactory(owner=rep, name="Cloud migration", account=AccountFactory(owner=rep, name="Acme"))
    DealFactory(owner=rep, name="Printer lease")
    response = rep_client.get(reverse("pipeline:deal-list"), {"q": "fleet"})
    assert "Fleet renewal" in response.content.decode()
    assert "Printer lease" not in response.content.decode()
    response = rep_client.get(reverse("pipeline:deal-list"), {"q": "acme"})
    assert "Cloud migration" in response.content.decode()
    assert "Fleet renewal" not in response.content.decode()


def test_list_filters_by_stage_outcome_and_owner(rep_client, rep, teammate):
    DealFactory(owner=rep, name="Early deal")
    DealFactory(owner=rep, name="Late deal", stage=stage_named("Closing"))
    DealFactory(owner=teammate, name="Their late deal", stage=stage_named("Closing"))
    response = rep_client.get(
        reverse("pipeline:deal-list"),
        {"stage": stage_named("Closing").pk, "owner": rep.pk, "outcome": "open"},
    )
    content = response.content.decode()
    assert "Late deal" in content
    assert "Early deal" not in content and "Their late deal" not in content


def test_list_shows_a_bad_filter_instead_of_failing(rep_client, rep):
    DealFactory(owner=rep, name="Fleet renewal")
    response = rep_client.get(reverse("pipeline:deal-list"), {"owner": "999999", "page": "x"})
    assert response.status_code == 200
    assert "Owner: there is no “999999” to filter on." in response.content.decode()
    assert "Fleet renewal" in response.content.decode()


def test_list_offers_only_visible_people_as_owner_filter(rep_client, outsider):
    response = rep_client.get(reverse("pipeline:deal-list"))
    owners = response.context["form"].fields["owner"].queryset
    assert outsider not in owners


def test_list_answers_htmx_with_only_the_results(rep_client, deal):
    response = rep_client.get(reverse("pipeline:deal-list"), {"q": "fleet"}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert "Fleet renewal" in content
    assert "HX-Request" in response["Vary"]


def test_list_paginates_25_per_page(rep_client, rep):
    DealFactory.create_batch(27, owner=rep)
    first = rep_client.get(reverse("pipeline:deal-list"))
    second = rep_client.get(reverse("pipeline:deal-list"), {"page": 2})
    assert len(first.context["page_obj"]) == 25
    assert len(second.context["page_obj"]) == 2
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_list_query_count_does_not_grow_with_rows(
    rep_client, rep, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        DealFactory(owner=rep, account=AccountFactory(owner=rep))
    with django_assert_max_num_queries(11):  # +1: custom fields, +2: saved views bar
        response = rep_client.get(reverse("pipeline:deal-list"))
    assert response.status_code == 200


# Detail


def test_detail_shows_stage_history_and_timeline(rep_client, rep, quick, quick_deal):
    deal_move(quick_deal, to_stage=quick["Offer"], acting_user=rep)
    deal_move(quick_deal, to_stage=quick["New"], acting_user=rep, override_reason="Budget cut")
    ActivityFactory(owner=rep, deal=quick_deal, subject="Discovery call")
    response = rep_client.get(detail_url(quick_deal))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Stage history" in content
    assert "New → Offer" in content and "Offer → New" in content
    assert "Backward" in content and "Budget cut" in content
    assert "Discovery call" in content
    assert 'aria-current="step"' in content
    assert "Move deal" in content


def test_detail_of_a_closed_deal_offers_reopen(rep_client, rep, deal):
    deal_close(deal, outcome=Outcome.LOST, acting_user=rep, lost_reason=lost_reason())
    content = rep_client.get(detail_url(deal)).content.decode()
    assert "Reopen deal" in content and "Move deal" not in content
    assert "Price too high" in content


def test_detail_is_not_found_for_an_outsider(deal, outsider):
    assert client_for(outsider).get(detail_url(deal)).status_code == 404


def test_detail_is_read_only_for_a_deal_shared_with_everyone(rep_client, public_deal):
    response = rep_client.get(detail_url(public_deal))
    assert response.status_code == 200
    assert "Move deal" not in response.content.decode()
    assert "not change it" in response.content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_detail_query_count_does_not_grow_with_history(
    rep_client, rep, quick, quick_deal, rows, django_assert_max_num_queries
):
    for index in range(rows):
        deal_move(quick_deal, to_stage=quick["Offer" if index % 2 == 0 else "New"], acting_user=rep)
        ActivityFactory(owner=rep, deal=quick_deal, contact=ContactFactory(owner=rep))
    # +1: custom fields, +2: the products panel, +1: referred by, +1: issue 8's other panels
    with django_assert_max_num_queries(37):
        response = rep_client.get(detail_url(quick_deal))
    assert response.status_code == 200


# Create and edit


def test_create_makes_a_deal_in_the_first_stage(rep_client, rep):
    account = AccountFactory(owner=rep)
    response = rep_client.post(
        reverse("pipeline:deal-create"),
        {
            "name": "Fleet renewal",
            "account": account.pk,
            "amount": "25000",
            "currency": "EUR",
            "pipeline": stage_named("Prospecting").pipeline_id,
            "owner": rep.pk,
            "visibility": "team",
        },
    )
    deal = Deal.objects.get(name="Fleet renewal")
    assert response.status_code == 302 and response["Location"] == detail_url(deal)
    assert deal.stage.name == "Prospecting" and deal.owner == rep
    assert StageChange.objects.filter(deal=deal, changed_by=rep).count() == 1


def test_create_prefills_the_account_from_the_link(rep_client, rep):
    account = AccountFactory(owner=rep)
    response = rep_client.get(reverse("pipeline:deal-create"), {"account": account.pk})
    assert response.context["form"]["account"].value() == str(account.pk)


def test_create_shows_errors_and_saves_nothing(rep_client, rep):
    response = rep_client.post(
        reverse("pipeline:deal-create"), {"name": "", "amount": "-5", "owner": rep.pk}
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Deal.objects.exists()


def test_create_refuses_an_account_the_user_cannot_see(rep_client, rep, outsider):
    foreign = AccountFactory(owner=outsider)
    response = rep_client.post(
        reverse("pipeline:deal-create"),
        {"name": "Sneaky", "account": foreign.pk, "currency": "EUR", "owner": rep.pk},
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Deal.objects.filter(name="Sneaky").exists()


def test_edit_saves_the_changed_fields(rep_client, rep, deal):
    response = rep_client.get(action_url("edit", deal))
    form = response.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(version=deal.version, name="Fleet renewal 2026", amount="30000")
    response = rep_client.post(action_url("edit", deal), data)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.name == "Fleet renewal 2026" and deal.amount == 30000
    assert deal.version == 2


def test_edit_with_a_stale_version_answers_409_with_both_versions(rep_client, rep, deal):
    data = {
        "name": "My new name",
        "account": deal.account_id,
        "currency": "EUR",
        "owner": rep.pk,
        "visibility": "team",
        "version": deal.version,
    }
    Deal.objects.filter(pk=deal.pk).update(version=deal.version + 1, name="Their new name")
    response = rep_client.post(action_url("edit", deal), data)
    content = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this deal while you were editing" in content
    assert "My new name" in content and "Their new name" in content
    assert 'name="name" value="My new name"' not in content  # no stale input to save again
    assert f'name="version" value="{deal.version + 1}"' in content
    deal.refresh_from_db()
    assert deal.name == "Their new name"


def test_edit_is_forbidden_on_a_read_only_deal(rep_client, public_deal):
    assert rep_client.get(action_url("edit", public_deal)).status_code == 403


def test_edit_is_not_found_for_an_outsider(deal, outsider):
    assert client_for(outsider).get(action_url("edit", deal)).status_code == 404


def test_delete_asks_then_deletes(rep_client, deal):
    assert "Delete deal" in rep_client.get(action_url("delete", deal)).content.decode()
    response = rep_client.post(action_url("delete", deal))
    assert response.status_code == 302
    assert not Deal.objects.filter(pk=deal.pk).exists()


def test_delete_is_forbidden_on_a_read_only_deal(rep_client, public_deal):
    assert rep_client.post(action_url("delete", public_deal)).status_code == 403
    assert Deal.objects.filter(pk=public_deal.pk).exists()


# Move, close, reopen


def test_move_records_a_stage_change(rep_client, rep, quick, quick_deal):
    response = rep_client.post(
        action_url("move", quick_deal),
        {"move-to_stage": quick["Offer"].pk, "move-version": quick_deal.version},
        follow=True,
    )
    assert "Moved to Offer" in response.content.decode()
    quick_deal.refresh_from_db()
    assert quick_deal.stage == quick["Offer"]
    change = quick_deal.stage_changes.order_by("pk").last()
    assert change.changed_by == rep and change.to_stage == quick["Offer"]


def test_move_refused_by_the_sales_process_lists_what_is_missing(
    rep_client, quick, quick_deal, monkeypatch
):
    def refuse(*args, **kwargs):
        raise DomainError(
            "This deal cannot leave New yet.",
            missing=[{"code": "bant", "message": "Record the budget", "stage": "New"}],
        )

    monkeypatch.setattr(services, "deal_move", refuse)
    response = rep_client.post(
        action_url("move", quick_deal),
        {"move-to_stage": quick["Offer"].pk, "move-version": quick_deal.version},
        follow=True,
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "This deal cannot leave New yet." in content
    assert "<li>Record the budget" in content


def test_move_to_lost_without_a_reason_is_a_message_not_an_error(rep_client, deal):
    response = rep_client.post(
        action_url("move", deal),
        {"move-to_stage": stage_named("Lost").pk, "move-version": deal.version},
        follow=True,
    )
    assert response.status_code == 200
    assert "Say why the deal was lost" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage.name == "Prospecting"


def test_move_with_a_stale_version_is_refused_with_a_message(rep_client, rep, quick, quick_deal):
    stale = quick_deal.version
    deal_move(quick_deal, to_stage=quick["Offer"], acting_user=rep)
    response = rep_client.post(
        action_url("move", quick_deal),
        {"move-to_stage": quick["New"].pk, "move-version": stale},
        follow=True,
    )
    assert "changed by someone else" in response.content.decode()
    quick_deal.refresh_from_db()
    assert quick_deal.stage == quick["Offer"]


def test_move_with_a_bad_stage_is_a_message(rep_client, deal):
    response = rep_client.post(
        action_url("move", deal), {"move-to_stage": "999999", "move-version": "1"}, follow=True
    )
    assert "Select a valid choice" in response.content.decode()
    assert deal.stage_changes.count() == 1


def test_move_is_forbidden_on_a_read_only_deal(rep_client, public_deal):
    response = rep_client.post(
        action_url("move", public_deal),
        {"move-to_stage": stage_named("Qualification").pk, "move-version": 1},
    )
    assert response.status_code == 403


def test_move_is_not_found_for_an_outsider(deal, outsider):
    response = client_for(outsider).post(
        action_url("move", deal),
        {"move-to_stage": stage_named("Qualification").pk, "move-version": 1},
    )
    assert response.status_code == 404


def test_move_answers_get_with_405(rep_client, deal):
    assert rep_client.get(action_url("move", deal)).status_code == 405


def test_close_as_won_moves_to_the_won_stage(rep_client, quick, quick_deal):
    rep_client.post(
        action_url("close", quick_deal),
        {"close-outcome": "won", "close-amount": "31000", "close-version": quick_deal.version},
    )
    quick_deal.refresh_from_db()
    assert quick_deal.outcome == Outcome.WON and quick_deal.stage == quick["Won"]
    assert quick_deal.amount == 31000


def test_close_as_lost_needs_a_reason(rep_client, deal):
    response = rep_client.post(
        action_url("close", deal),
        {"close-outcome": "lost", "close-version": deal.version},
        follow=True,
    )
    assert "Say why the deal is lost" in response.content.decode()
    deal.refresh_from_db()
    assert deal.outcome == Outcome.OPEN


def test_reopen_brings_a_suspended_deal_back(rep_client, rep, deal):
    deal_close(
        deal, outcome=Outcome.SUSPENDED, acting_user=rep, lost_reason=lost_reason("No budget")
    )
    response = rep_client.post(
        action_url("reopen", deal), {"reopen-version": deal.version}, follow=True
    )
    assert "Deal reopened in Prospecting" in response.content.decode()
    deal.refresh_from_db()
    assert deal.outcome == Outcome.OPEN


def test_reopen_of_an_open_deal_is_a_message(rep_client, deal):
    response = rep_client.post(
        action_url("reopen", deal), {"reopen-version": deal.version}, follow=True
    )
    assert "already open" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["deal-list", "deal-create", "deal-detail", "deal-edit", "deal-delete", "deal-move"],
)
def test_pages_require_login(client, deal, name):
    args = [] if name in ("deal-list", "deal-create") else [deal.pk]
    response = client.get(reverse(f"pipeline:{name}", args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activities_stay_when_only_the_deal_page_is_read(rep_client, rep, deal):
    ActivityFactory(owner=rep, deal=deal)
    rep_client.get(detail_url(deal))
    assert Activity.objects.filter(deal=deal).count() == 1


# The sales-process panels -------------------------------------------------------------------


def complete_bant(deal, user):
    return deal_qualification_record(
        deal,
        acting_user=user,
        budget_amount=50000,
        is_decision_maker=True,
        need="Live truck positions",
        timeline_on=dt.date(2030, 1, 31),
    )


@pytest.fixture
def qualifying(rep):
    """A deal of the default process in Qualification: it needs BANT to move on."""
    return DealFactory(owner=rep, name="Fleet renewal", stage=stage_named("Qualification"))


@pytest.fixture
def contact(rep, qualifying):
    return ContactFactory(
        owner=rep, account=qualifying.account, first_name="Dana", last_name="Decider"
    )


PANEL_ACTIONS = [
    "bant",
    "stakeholder-add",
    "stakeholder-edit",
    "stakeholder-remove",
    "competitor-add",
    "competitor-edit",
    "competitor-remove",
]


@pytest.mark.parametrize("name", PANEL_ACTIONS)
def test_panel_actions_are_forbidden_on_a_read_only_deal(rep_client, public_deal, name):
    assert rep_client.post(action_url(name, public_deal), {}).status_code == 403


@pytest.mark.parametrize("name", PANEL_ACTIONS)
def test_panel_actions_are_not_found_for_an_outsider(deal, outsider, name):
    assert client_for(outsider).post(action_url(name, deal), {}).status_code == 404


@pytest.mark.parametrize("name", PANEL_ACTIONS)
def test_panel_actions_answer_get_with_405(rep_client, deal, name):
    assert rep_client.get(action_url(name, deal)).status_code == 405


def test_detail_shows_what_is_missing_to_move_on_with_links_to_the_panels(rep_client, qualifying):
    content = rep_client.get(detail_url(qualifying)).content.decode()
    assert "To move on to Needs assessment" in content
    assert '<a href="#panel-bant">BANT: record the budget.</a>' in content
    assert 'id="panel-bant"' in content and "First contact by phone" in content


def test_detail_says_nothing_is_missing_when_the_criteria_are_met(rep_client, rep, qualifying):
    complete_bant(qualifying, rep)
    content = rep_client.get(detail_url(qualifying)).content.decode()
    assert "Nothing is missing: the deal may move on to Needs assessment." in content
    assert "BANT: record" not in content


def test_detail_warns_of_a_missing_decision_maker_in_the_presentation(rep_client, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Presentation / demo"))
    content = rep_client.get(detail_url(deal)).content.decode()
    assert "No decision maker is known" in content
    assert '<a href="#panel-stakeholders">Name the decision maker' in content
    assert '<a href="#checklist">Tick “Agenda agreed with the customer”' in content
    assert 'aria-pressed="false">Agenda agreed with the customer</button>' in content


def test_detail_leaves_archived_stages_out_of_the_progress_and_the_move_form(
    rep_client, quick, quick_deal
):
    Stage.objects.filter(pk=quick["Offer"].pk).update(archived_at=dt.datetime.now(dt.UTC))
    response = rep_client.get(detail_url(quick_deal))
    stages = list(response.context["move_form"].fields["to_stage"].queryset)
    assert quick["Offer"] not in stages and quick["Won"] in stages
    assert [stage.name for stage, _ in response.context["steps"]] == ["New", "Won"]


def test_detail_preselects_the_next_stage_to_move_to(rep_client, quick, quick_deal):
    response = rep_client.get(detail_url(quick_deal))
    assert response.context["move_form"]["to_stage"].value() == quick["Offer"].pk


def test_detail_shows_the_panels_but_no_forms_to_a_read_only_reader(rep_client, public_deal):
    content = rep_client.get(detail_url(public_deal)).content.decode()
    for title in ("BANT qualification", "Stakeholders", "Competitors", "Quotes", "Objections"):
        assert title in content
    for button in ("Save BANT", "Add stakeholder", "Add competitor", "New quote", "Log objection"):
        assert button not in content


# Move and close, refused and allowed


def test_move_refused_by_the_exit_criteria_shows_the_missing_items_linked(rep_client, qualifying):
    response = rep_client.post(
        action_url("move", qualifying),
        {"move-to_stage": stage_named("Needs assessment").pk, "move-version": qualifying.version},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "This deal cannot leave Qualification yet." in content
    assert '<a href="#panel-bant">BANT: record the timeline.</a>' in content
    qualifying.refresh_from_db()
    assert qualifying.stage.name == "Qualification"


def test_move_refusal_answers_htmx_with_the_actions_panel_only(rep_client, qualifying):
    response = rep_client.post(
        action_url("move", qualifying),
        {"move-to_stage": stage_named("Needs assessment").pk, "move-version": qualifying.version},
        **HTMX,
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert content.lstrip().startswith('<div id="panel-actions"')
    assert "This deal cannot leave Qualification yet." in content
    assert 'id="panel-playbook"' in content and 'hx-swap-oob="true"' in content


def test_move_answers_htmx_with_a_reload_of_the_deal(rep_client, rep, qualifying):
    complete_bant(qualifying, rep)
    qualifying.refresh_from_db()
    response = rep_client.post(
        action_url("move", qualifying),
        {"move-to_stage": stage_named("Needs assessment").pk, "move-version": qualifying.version},
        **HTMX,
    )
    assert response["HX-Redirect"] == detail_url(qualifying)
    qualifying.refresh_from_db()
    assert qualifying.stage.name == "Needs assessment"


def test_a_manager_may_move_on_early_with_a_reason(qualifying, manager):
    response = client_for(manager).post(
        action_url("move", qualifying),
        {
            "move-to_stage": stage_named("Needs assessment").pk,
            "move-override_reason": "Customer signed an LOI",
            "move-version": qualifying.version,
        },
    )
    assert response.status_code == 302
    assert qualifying.stage_changes.last().override_reason == "Customer signed an LOI"


def test_close_as_won_records_the_technique_and_the_close_date(rep_client, quick, quick_deal):
    response = rep_client.post(
        action_url("close", quick_deal),
        {
            "close-outcome": "won",
            "close-technique": "assumptive",
            "close-closed_on": "2025-03-14",
            "close-amount": "30000",
            "close-version": quick_deal.version,
        },
    )
    assert response.status_code == 302
    quick_deal.refresh_from_db()
    assert quick_deal.outcome == Outcome.WON and quick_deal.closing_technique == "assumptive"
    assert quick_deal.closed_on == dt.date(2025, 3, 14) and quick_deal.amount == 30000


def test_close_as_won_is_refused_listing_the_missing_criteria(rep_client, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Proposal and objections"))
    response = rep_client.post(
        action_url("close", deal), {"close-outcome": "won", "close-version": deal.version}
    )
    content = response.content.decode()
    assert "This deal cannot leave Proposal and objections yet." in content
    assert '<a href="#panel-quotes">Send a quote to the customer.</a>' in content
    deal.refresh_from_db()
    assert deal.outcome == Outcome.OPEN


def test_a_manager_may_close_as_won_with_an_override_reason(rep, manager):
    deal = DealFactory(owner=rep, stage=stage_named("Proposal and objections"))
    client = client_for(manager)
    assert "Override reason" in client.get(detail_url(deal)).content.decode()
    client.post(
        action_url("close", deal),
        {
            "close-outcome": "won",
            "close-override_reason": "Signed on paper",
            "close-version": deal.version,
        },
    )
    deal.refresh_from_db()
    assert deal.outcome == Outcome.WON
    assert deal.stage_changes.last().override_reason == "Signed on paper"


def test_a_rep_gets_no_override_field_and_cannot_override(rep_client, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Proposal and objections"))
    assert "Override reason" not in rep_client.get(detail_url(deal)).content.decode()
    rep_client.post(
        action_url("close", deal),
        {"close-outcome": "won", "close-override_reason": "x", "close-version": deal.version},
    )
    deal.refresh_from_db()
    assert deal.outcome == Outcome.OPEN


def test_close_as_suspended_needs_a_reason_and_offers_the_list(rep_client, deal):
    content = rep_client.get(detail_url(deal)).content.decode()
    for outcome in ("Won", "Upgraded", "Lost", "Suspended"):
        assert outcome in content
    assert "No budget" in content and "Direct close" in content
    response = rep_client.post(
        action_url("close", deal), {"close-outcome": "suspended", "close-version": deal.version}
    )
    assert "Say why the deal is suspended." in response.content.decode()
    deal.refresh_from_db()
    assert deal.outcome == Outcome.OPEN


def test_close_as_upgraded_needs_an_earlier_sale_to_the_account(rep_client, quick, quick_deal):
    response = rep_client.post(
        action_url("close", quick_deal),
        {"close-outcome": "upgraded", "close-version": quick_deal.version},
        **HTMX,
    )
    content = response.content.decode()
    assert "<html" not in content and "has no won deal yet" in content
    quick_deal.refresh_from_db()
    assert quick_deal.outcome == Outcome.OPEN


def test_close_in_the_future_is_a_field_error(rep_client, quick, quick_deal):
    response = rep_client.post(
        action_url("close", quick_deal),
        {"close-outcome": "won", "close-closed_on": "2150-01-01", "close-version": 1},
    )
    assert "A deal cannot close in the future." in response.content.decode()


# BANT


def test_bant_records_the_answers_on_the_deal(rep_client, qualifying):
    response = rep_client.post(
        action_url("bant", qualifying),
        {
            "bant-budget_amount": "50000",
            "bant-budget_currency": "eur",
            "bant-is_budget_confirmed": "on",
            "bant-is_decision_maker": "False",
            "bant-decision_maker_name": "Dana Decider",
            "bant-need": "Live truck positions",
            "bant-pain_level": "4",
            "bant-timeline_on": "2030-01-31",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(qualifying) + "#panel-bant"
    qualifying.refresh_from_db()
    bant = qualifying.qualification
    assert bant.budget_amount == 50000 and bant.budget_currency == "EUR"
    assert bant.is_budget_confirmed and bant.is_decision_maker is False
    assert bant.decision_maker_name == "Dana Decider" and bant.pain_level == 4
    assert bant.is_complete


def test_bant_edits_the_answers_it_has(rep_client, rep, qualifying):
    complete_bant(qualifying, rep)
    form = rep_client.get(detail_url(qualifying)).context["bant_form"]
    assert form["need"].value() == "Live truck positions"
    rep_client.post(
        action_url("bant", qualifying),
        {"bant-budget_amount": "60000", "bant-budget_currency": "EUR", "bant-need": "More"},
    )
    qualifying.refresh_from_db()
    assert qualifying.qualification.budget_amount == 60000
    assert qualifying.qualification.need == "More"
    assert qualifying.qualification.timeline_on is None


def test_bant_confirmed_without_a_budget_shows_the_field_error(rep_client, qualifying):
    response = rep_client.post(
        action_url("bant", qualifying),
        {"bant-budget_currency": "EUR", "bant-is_budget_confirmed": "on"},
    )
    assert response.status_code == 200
    assert "Give the budget that was confirmed." in response.content.decode()
    qualifying.refresh_from_db()
    assert qualifying.qualification is None


def test_bant_with_a_bad_pain_level_saves_nothing(rep_client, qualifying):
    response = rep_client.post(
        action_url("bant", qualifying), {"bant-budget_currency": "EUR", "bant-pain_level": "9"}
    )
    assert "Select a valid choice" in response.content.decode()
    qualifying.refresh_from_db()
    assert qualifying.qualification is None


def test_bant_answers_htmx_with_its_panel_and_the_playbook_out_of_band(rep_client, qualifying):
    response = rep_client.post(
        action_url("bant", qualifying),
        {
            "bant-budget_amount": "50000",
            "bant-budget_currency": "EUR",
            "bant-is_decision_maker": "True",
            "bant-need": "Live truck positions",
            "bant-timeline_on": "2030-01-31",
        },
        **HTMX,
    )
    content = response.content.decode()
    assert "<html" not in content
    assert content.lstrip().startswith('<section id="panel-bant"')
    assert "Nothing is missing: the deal may move on to Needs assessment." in content
    assert 'id="panel-actions"' in content and "BANT saved." in content
    qualifying.refresh_from_db()
    assert f'name="move-version" value="{qualifying.version}"' in content


# Stakeholders


def test_stakeholder_add_records_role_attitude_and_notes(rep_client, qualifying, contact):
    response = rep_client.post(
        action_url("stakeholder-add", qualifying),
        {
            "contact": contact.pk,
            "role": "decision_maker",
            "attitude": "supporter",
            "personality": "Numbers first",
            "working_style": "Decides with the fleet manager",
        },
        follow=True,
    )
    assert "Dana Decider added as decision maker." in response.content.decode()
    row = DealStakeholder.objects.get(deal=qualifying)
    assert row.contact == contact and row.role == "decision_maker"
    assert row.attitude == "supporter" and row.personality == "Numbers first"


def test_stakeholder_choices_are_readable_contacts_of_the_account_first(
    rep_client, rep, outsider, qualifying, contact
):
    elsewhere = ContactFactory(owner=rep, last_name="Aardvark")
    hidden = ContactFactory(owner=outsider)
    form = rep_client.get(detail_url(qualifying)).context["stakeholder_form"]
    choices = list(form.fields["contact"].queryset)
    assert choices.index(contact) < choices.index(elsewhere)
    assert hidden not in choices


def test_stakeholder_add_refuses_a_contact_the_user_cannot_see(rep_client, outsider, qualifying):
    hidden = ContactFactory(owner=outsider)
    response = rep_client.post(
        action_url("stakeholder-add", qualifying),
        {"contact": hidden.pk, "role": "influencer", "attitude": "neutral"},
    )
    assert "Select a valid choice" in response.content.decode()
    assert not DealStakeholder.objects.exists()


def test_stakeholder_add_without_a_role_shows_the_error_on_htmx(rep_client, qualifying, contact):
    response = rep_client.post(
        action_url("stakeholder-add", qualifying),
        {"contact": contact.pk, "attitude": "neutral"},
        **HTMX,
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="panel-stakeholders"')
    assert "This field is required." in content
    assert not DealStakeholder.objects.exists()


def test_stakeholder_edit_changes_role_and_notes(rep_client, rep, qualifying, contact):
    row = stakeholder_add(qualifying, contact=contact, role="influencer", acting_user=rep)
    rep_client.post(
        action_url("stakeholder-edit", qualifying),
        {
            "stakeholder": row.pk,
            "role": "decision_maker",
            "attitude": "opponent",
            "working_style": "Slow",
        },
    )
    row.refresh_from_db()
    assert row.role == "decision_maker" and row.attitude == "opponent"
    assert row.working_style == "Slow"


def test_stakeholder_edit_with_a_bad_role_keeps_the_row(rep_client, rep, qualifying, contact):
    row = stakeholder_add(qualifying, contact=contact, role="influencer", acting_user=rep)
    response = rep_client.post(
        action_url("stakeholder-edit", qualifying),
        {"stakeholder": row.pk, "role": "king", "attitude": "neutral"},
    )
    assert "Select a valid choice" in response.content.decode()
    row.refresh_from_db()
    assert row.role == "influencer"


def test_stakeholder_of_another_deal_cannot_be_edited_or_removed(rep_client, rep, contact):
    other = DealFactory(owner=rep)
    row = stakeholder_add(other, contact=contact, role="influencer", acting_user=rep)
    mine = DealFactory(owner=rep)
    response = rep_client.post(
        action_url("stakeholder-remove", mine), {"stakeholder": row.pk}, follow=True
    )
    assert "not a stakeholder of this deal" in response.content.decode()
    rep_client.post(
        action_url("stakeholder-edit", mine),
        {"stakeholder": row.pk, "role": "blocker", "attitude": "neutral"},
    )
    row.refresh_from_db()
    assert row.role == "influencer"


def test_stakeholder_remove_takes_them_off_the_deal(rep_client, rep, qualifying, contact):
    row = stakeholder_add(qualifying, contact=contact, role="influencer", acting_user=rep)
    response = rep_client.post(
        action_url("stakeholder-remove", qualifying), {"stakeholder": row.pk}, **HTMX
    )
    content = response.content.decode()
    assert "Dana Decider removed from the stakeholders." in content
    assert "No stakeholders yet" in content
    assert not DealStakeholder.objects.exists()


# Competitors


def test_competitor_add_from_the_shared_list(rep_client, rep, qualifying):
    rival = competitor_create(name="TrackCo", acting_user=rep)
    response = rep_client.post(
        action_url("competitor-add", qualifying),
        {
            "competitor": rival.pk,
            "strengths": "Cheap",
            "weaknesses": "No support",
            "counter_strategy": "Show the support desk",
            "status": "active",
        },
    )
    assert response["Location"] == detail_url(qualifying) + "#panel-competitors"
    entry = DealCompetitor.objects.get(deal=qualifying)
    assert entry.competitor == rival and entry.counter_strategy == "Show the support desk"


def test_competitor_add_with_a_new_name_extends_the_shared_list(rep_client, qualifying):
    rep_client.post(
        action_url("competitor-add", qualifying), {"new_name": " FleetEye ", "status": "active"}
    )
    assert Competitor.objects.get().name == "FleetEye"
    assert DealCompetitor.objects.get().competitor.name == "FleetEye"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"status": "active"}, "Choose a competitor or name a new one."),
        ({"new_name": "X", "status": "gone"}, "Select a valid choice"),
    ],
)
def test_competitor_add_with_bad_input_saves_nothing(rep_client, qualifying, data, error):
    response = rep_client.post(action_url("competitor-add", qualifying), data)
    assert error in response.content.decode()
    assert not Competitor.objects.exists() and not DealCompetitor.objects.exists()


def test_competitor_add_of_a_taken_name_keeps_the_list_as_it_was(rep_client, rep, qualifying):
    competitor_create(name="TrackCo", acting_user=rep)
    response = rep_client.post(
        action_url("competitor-add", qualifying),
        {"new_name": "trackco", "status": "active"},
        **HTMX,
    )
    assert "already on the competitor list" in response.content.decode()
    assert Competitor.objects.count() == 1 and not DealCompetitor.objects.exists()


def test_competitor_edit_and_remove(rep_client, rep, qualifying):
    rival = competitor_create(name="TrackCo", acting_user=rep)
    entry = deal_competitor_add(qualifying, competitor=rival, acting_user=rep)
    rep_client.post(
        action_url("competitor-edit", qualifying),
        {"entry": entry.pk, "status": "eliminated", "weaknesses": "Slow"},
    )
    entry.refresh_from_db()
    assert entry.status == "eliminated" and entry.weaknesses == "Slow"
    response = rep_client.post(
        action_url("competitor-remove", qualifying), {"entry": entry.pk}, **HTMX
    )
    assert "TrackCo removed from this deal." in response.content.decode()
    assert not DealCompetitor.objects.exists() and Competitor.objects.exists()


def test_competitor_edit_with_a_bad_status_changes_nothing(rep_client, rep, qualifying):
    entry = deal_competitor_add(
        qualifying, competitor=competitor_create(name="TrackCo", acting_user=rep), acting_user=rep
    )
    response = rep_client.post(
        action_url("competitor-edit", qualifying), {"entry": entry.pk, "status": "friends"}
    )
    assert "Select a valid choice" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == "active"


@pytest.mark.parametrize("name", [*PANEL_ACTIONS, "move", "close", "reopen"])
def test_panel_actions_answer_htmx_with_a_panel_even_for_bad_input(rep_client, deal, name):
    response = rep_client.post(action_url(name, deal), {}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert re.match(r'\s*<(section|div) id="panel-', content)
    assert '<div id="messages"' in content and 'hx-swap-oob="true"' in content


def test_detail_has_no_inline_code_for_the_strict_csp(rep_client, rep, deal):
    objection_log(deal, category="price", customer_words="Too dear", acting_user=rep)
    content = rep_client.get(detail_url(deal)).content.decode()
    assert "style=" not in content and "<style" not in content
    assert "<script>" not in content and " on" + "click=" not in content
    assert "css/deal.css" in content
