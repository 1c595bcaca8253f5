from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.activities.models import Activity
from salesflow.core.errors import DomainError
from salesflow.pipeline import services
from salesflow.pipeline.models import Deal, Outcome, Pipeline, Stage, StageChange
from salesflow.pipeline.services import deal_close, deal_move
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
    assert "Select a valid choice" in response.content.decode()
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
    with django_assert_max_num_queries(8):
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
    with django_assert_max_num_queries(11):
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


def test_edit_with_a_stale_version_keeps_the_input_and_explains(rep_client, rep, deal):
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
    assert response.status_code == 200
    assert "changed by someone else" in content
    assert 'value="My new name"' in content
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
    assert response.status_code == 200
    assert (
        "This deal cannot leave New yet. Missing: Record the budget." in response.content.decode()
    )


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
