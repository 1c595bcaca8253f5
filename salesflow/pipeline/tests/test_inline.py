"""Inline edit of a deal's amount, expected close, owner, stage (salesflow/pipeline/views_inline.py)
and next step (salesflow/activities/views_inline.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.activities.models import Activity
from salesflow.pipeline.models import Deal
from salesflow.users.models import Visibility
from tests.factories import ActivityFactory, DealFactory, UserFactory, lost_reason, stage_named

HTMX = {"HTTP_HX_REQUEST": "true"}


def inline_url(deal: Deal, field: str) -> str:
    if field == "next_step":
        return reverse("activities:deal-next-step", args=[deal.pk])
    return reverse(f"pipeline:deal-inline-{field.replace('_', '-')}", args=[deal.pk])


@pytest.fixture
def deal(rep):
    return DealFactory(owner=rep, name="Fleet renewal", amount=Decimal("1000"))


@pytest.fixture
def public_deal(outsider):
    return DealFactory(owner=outsider, visibility=Visibility.EVERYONE, amount=Decimal("500"))


def test_the_small_form_opens_in_place_with_the_current_value(rep_client, deal):
    response = rep_client.get(inline_url(deal, "amount"), **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.startswith('<form class="inline-field inline-field--editing"')
    assert 'value="1000.00"' in content and f'name="version" value="{deal.version}"' in content
    assert "<html" not in content


def test_without_javascript_the_small_form_is_its_own_page(rep_client, deal):
    response = rep_client.get(inline_url(deal, "amount") + "?next=/deals/")
    content = response.content.decode()
    assert "<html" in content and "Amount" in content
    assert 'name="next" value="/deals/"' in content


def test_saving_the_amount_answers_the_new_value(rep_client, deal):
    response = rep_client.post(
        inline_url(deal, "amount"), {"amount": "2500", "version": deal.version}, **HTMX
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert f'id="inline-deal-{deal.pk}-amount"' in content and "2,500" in content
    deal.refresh_from_db()
    assert deal.amount == 2500 and deal.version == 2


def test_without_javascript_a_save_goes_back_to_next(rep_client, deal):
    response = rep_client.post(
        inline_url(deal, "expected_close_on"),
        {"expected_close_on": "2031-05-06", "version": deal.version, "next": "/deals/?q=x"},
    )
    assert response.status_code == 302 and response["Location"] == "/deals/?q=x"
    deal.refresh_from_db()
    assert deal.expected_close_on == dt.date(2031, 5, 6)


def test_a_stale_inline_edit_answers_409_and_keeps_the_other_change(rep_client, deal):
    read = deal.version
    rep_client.post(inline_url(deal, "amount"), {"amount": "2000", "version": read}, **HTMX)

    response = rep_client.post(
        inline_url(deal, "amount"), {"amount": "3000", "version": read}, **HTMX
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert "Someone else saved this deal while you were editing" in content
    rows = {row.name: row for row in response.context["form"].conflict.rows}
    assert "3,000" in rows["amount"].mine and "2,000" in rows["amount"].saved
    deal.refresh_from_db()
    assert deal.amount == 2000


def test_choosing_mine_after_an_inline_conflict_saves_it(rep_client, deal):
    read = deal.version
    rep_client.post(inline_url(deal, "amount"), {"amount": "2000", "version": read}, **HTMX)
    conflict = (
        rep_client.post(inline_url(deal, "amount"), {"amount": "3000", "version": read}, **HTMX)
        .context["form"]
        .conflict
    )
    response = rep_client.post(
        inline_url(deal, "amount"),
        {
            "conflict-resolve": "1",
            "version": conflict.version,
            "original": conflict.original,
            "conflict-field": "amount",
            "keep-amount": "mine",
            "mine-amount": "3000",
        },
        **HTMX,
    )
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.amount == 3000


def test_a_bad_value_shows_next_to_the_field_and_saves_nothing(rep_client, deal):
    response = rep_client.post(
        inline_url(deal, "amount"), {"amount": "lots", "version": deal.version}, **HTMX
    )
    content = response.content.decode()
    assert 'aria-invalid="true"' in content and "Enter a number." in content
    deal.refresh_from_db()
    assert deal.amount == 1000 and deal.version == 1


def test_the_owner_can_only_be_someone_the_user_may_see(rep_client, deal, outsider):
    response = rep_client.post(
        inline_url(deal, "owner"), {"owner": outsider.pk, "version": deal.version}, **HTMX
    )
    assert "Select a valid choice" in response.content.decode()
    deal.refresh_from_db()
    assert deal.owner_id != outsider.pk


def test_the_owner_changes_to_a_teammate(rep_client, deal, teammate):
    response = rep_client.post(
        inline_url(deal, "owner"), {"owner": teammate.pk, "version": deal.version}, **HTMX
    )
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.owner_id == teammate.pk


def test_a_stage_move_goes_through_the_exit_criteria_and_says_what_is_missing(rep_client, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    target = stage_named("Needs assessment")
    response = rep_client.post(
        inline_url(deal, "stage"), {"stage": target.pk, "version": deal.version}, **HTMX
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "cannot leave Qualification" in content or "Qualification" in content
    assert "BANT" in content  # what is missing, next to the field
    assert 'aria-invalid="true"' in content
    deal.refresh_from_db()
    assert deal.stage == stage_named("Qualification") and deal.stage_changes.count() == 1


def test_a_backward_stage_move_is_recorded(rep_client, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Needs assessment"))
    back = stage_named("Qualification")
    response = rep_client.post(
        inline_url(deal, "stage"), {"stage": back.pk, "version": deal.version}, **HTMX
    )
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.stage == back
    assert deal.stage_changes.filter(to_stage=back).exists()


def test_the_stage_of_a_closed_deal_is_not_edited_in_place(rep_client, rep):
    deal = DealFactory(owner=rep, stage=stage_named("Qualification"))
    Deal.objects.filter(pk=deal.pk).update(
        outcome="lost",
        stage=stage_named("Lost"),
        lost_reason=lost_reason(),
        closed_at=timezone.now(),
    )
    assert rep_client.get(inline_url(deal, "stage"), **HTMX).status_code == 404


@pytest.mark.parametrize("field", ["amount", "expected_close_on", "owner", "stage", "next_step"])
def test_a_read_only_reader_is_refused_and_nothing_changes(rep_client, public_deal, field):
    data = {"amount": "1", "expected_close_on": "2031-01-01", "version": public_deal.version}
    response = rep_client.post(inline_url(public_deal, field), data, **HTMX)
    assert response.status_code == 403
    public_deal.refresh_from_db()
    assert public_deal.amount == 500 and public_deal.version == 1
    assert not Activity.objects.filter(deal=public_deal).exists()


@pytest.mark.parametrize("field", ["amount", "next_step"])
def test_an_outsider_does_not_find_the_deal(deal, outsider, field):
    response = client_for(outsider).post(inline_url(deal, field), {"amount": "1"}, **HTMX)
    assert response.status_code == 404
    deal.refresh_from_db()
    assert deal.amount == 1000


def test_next_step_is_created_as_a_task_when_the_deal_has_none(rep_client, deal):
    response = rep_client.post(
        inline_url(deal, "next_step"),
        {"subject": "Send the offer", "due_at": "2031-02-03T09:30"},
        **HTMX,
    )
    assert response.status_code == 200
    activity = Activity.objects.get(deal=deal)
    assert (activity.subject, activity.type, activity.owner) == (
        "Send the offer",
        "task",
        deal.owner,
    )
    assert timezone.localtime(activity.due_at).strftime("%Y-%m-%d %H:%M") == "2031-02-03 09:30"
    deal.refresh_from_db()
    assert deal.next_activity_at == activity.due_at


def test_next_step_edits_the_next_open_activity(rep_client, rep, deal):
    due = timezone.now() + dt.timedelta(days=3)
    later = ActivityFactory(
        owner=rep, deal=deal, subject="Later", due_at=due + dt.timedelta(days=5)
    )
    first = ActivityFactory(owner=rep, deal=deal, subject="Call back", due_at=due)
    form = rep_client.get(inline_url(deal, "next_step"), **HTMX).content.decode()
    assert 'value="Call back"' in form
    response = rep_client.post(
        inline_url(deal, "next_step"),
        {"subject": "Call the CFO", "due_at": "2031-02-03T09:30", "version": first.version},
        **HTMX,
    )
    assert response.status_code == 200
    first.refresh_from_db()
    later.refresh_from_db()
    assert first.subject == "Call the CFO" and first.version == 2
    assert later.subject == "Later"
    assert Activity.objects.filter(deal=deal).count() == 2


def test_a_stale_next_step_answers_409(rep_client, rep, deal):
    first = ActivityFactory(owner=rep, deal=deal, subject="Call back", due_at=timezone.now())
    read = first.version
    Activity.objects.filter(pk=first.pk).update(subject="Changed meanwhile", version=read + 1)
    response = rep_client.post(
        inline_url(deal, "next_step"),
        {"subject": "Mine", "due_at": "2031-02-03T09:30", "version": read},
        **HTMX,
    )
    assert response.status_code == 409
    assert "Someone else saved this activity" in response.content.decode()
    first.refresh_from_db()
    assert first.subject == "Changed meanwhile"


def test_escape_target_cancel_answers_the_value_again(rep_client, deal):
    response = rep_client.get(inline_url(deal, "amount") + "?cancel=1", **HTMX)
    content = response.content.decode()
    assert content.startswith('<span class="inline-field"') and "data-focus-after-swap" in content


def test_the_list_and_the_deal_page_link_the_values_to_their_small_forms(
    rep_client, deal, public_deal
):
    content = rep_client.get(reverse("pipeline:deal-list")).content.decode()
    assert f'href="{inline_url(deal, "amount")}?next=' in content
    assert f'href="{inline_url(deal, "next_step")}?next=' in content
    assert inline_url(public_deal, "amount") not in content  # read-only: plain text
    page = rep_client.get(deal.get_absolute_url()).content.decode()
    for field in ("amount", "expected_close_on", "owner", "stage", "next_step"):
        assert f'hx-get="{inline_url(deal, field)}"' in page


def test_the_deal_list_stays_within_its_query_budget(
    rep_client, rep, django_assert_max_num_queries
):
    for _ in range(15):
        DealFactory(owner=rep)
    rep_client.get(reverse("pipeline:deal-list"))
    with django_assert_max_num_queries(25):
        rep_client.get(reverse("pipeline:deal-list"))


def test_an_unknown_user_cannot_be_made_owner(rep_client, deal):
    stranger = UserFactory()
    rep_client.post(
        inline_url(deal, "owner"), {"owner": stranger.pk, "version": deal.version}, **HTMX
    )
    deal.refresh_from_db()
    assert deal.owner_id != stranger.pk
