from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from salesflow.customers.models import Contact
from salesflow.leads.models import Lead, LeadStatus, ProfileCriterion
from salesflow.leads.scoring import lead_rescore
from salesflow.leads.tests.factories import CompleteBantFactory, reason
from salesflow.pipeline.models import Deal, Pipeline
from salesflow.users.models import Visibility
from tests.factories import (
    ActivityFactory,
    CampaignFactory,
    ContactFactory,
    LeadFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args: object) -> str:
    return reverse(f"leads:{name}", args=args)


def convert_url(pk: int) -> str:
    """Converting a lead makes a deal, so the pipeline serves it."""
    return reverse("pipeline:lead-convert", args=[pk])


@pytest.fixture
def lead(rep):
    return LeadFactory(owner=rep, first_name="Grace", last_name="Hopper", company="Navy Labs")


@pytest.fixture
def public_lead(outsider):
    return LeadFactory(owner=outsider, visibility=Visibility.EVERYONE, last_name="Public")


def lead_data(owner, **changes):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "source": "webinar",
        "channel": "",
        "status": "new",
        "owner": owner.pk,
        "visibility": "team",
    }
    return {**data, **changes}


def scored(lead, score, grade="cold"):
    Lead.objects.filter(pk=lead.pk).update(score=score, grade=grade)
    return lead


def qualified(lead):
    lead.qualification = CompleteBantFactory()
    lead.status = LeadStatus.QUALIFIED
    lead.save()
    return lead


def bant_data(**changes):
    data = {
        "bant-budget_amount": "25000",
        "bant-budget_currency": "EUR",
        "bant-is_budget_confirmed": "on",
        "bant-is_decision_maker": "True",
        "bant-decision_maker_name": "",
        "bant-need": "Route planning by hand takes days",
        "bant-pain_level": "4",
        "bant-timeline_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    }
    return {**data, **changes}


def text(response) -> str:
    """The page's text without tags and with single spaces, as a reader sees it."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


# The list ---------------------------------------------------------------------------------------


def test_list_shows_readable_leads_only(rep_client, lead, outsider):
    LeadFactory(owner=outsider, last_name="Foreigner")
    content = rep_client.get(url("lead-list")).content.decode()
    assert "Grace Hopper" in content and "Foreigner" not in content


def test_list_searches_and_filters(rep_client, rep, lead):
    campaign = CampaignFactory(name="Spring webinar")
    LeadFactory(owner=rep, last_name="Turing", status=LeadStatus.WORKING, campaign=campaign)
    assert b"Grace Hopper" in rep_client.get(url("lead-list"), {"q": "navy"}).content
    content = rep_client.get(
        url("lead-list"), {"status": "working", "campaign": campaign.pk, "channel": "inbound"}
    ).content.decode()
    assert "Turing" in content and "Grace Hopper" not in content


def test_list_filters_by_grade_source_and_owner(rep_client, rep, teammate, lead):
    scored(lead, 70, "hot")
    scored(LeadFactory(owner=teammate, last_name="Warmth", source="referral"), 40, "warm")
    hot = rep_client.get(url("lead-list"), {"grade": "hot"}).content.decode()
    assert "Grace Hopper" in hot and "Warmth" not in hot
    referral = rep_client.get(url("lead-list"), {"source": "referral"}).content.decode()
    assert "Warmth" in referral and "Grace Hopper" not in referral
    mine = rep_client.get(url("lead-list"), {"owner": rep.pk}).content.decode()
    assert "Grace Hopper" in mine and "Warmth" not in mine


def test_list_puts_the_highest_score_first_and_sorts_by_age_on_request(rep_client, rep):
    old = LeadFactory(owner=rep, last_name="Oldhot")
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=9))
    scored(old, 80, "hot")
    scored(LeadFactory(owner=rep, last_name="Newcold"), 5)
    scored(LeadFactory(owner=rep, last_name="Midwarm"), 35, "warm")
    content = text(rep_client.get(url("lead-list")))
    assert content.index("Oldhot") < content.index("Midwarm") < content.index("Newcold")
    newest = text(rep_client.get(url("lead-list"), {"sort": "-created"}))
    assert newest.index("Midwarm") < newest.index("Oldhot")
    assert newest.index("Newcold") < newest.index("Oldhot")


def test_list_shows_score_grade_source_owner_status_and_age(rep_client, rep, lead):
    scored(lead, 72, "hot")
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    content = text(rep_client.get(url("lead-list")))
    assert "72 Hot Grace Hopper" in content
    assert "SEO / search" in content and str(rep) in content and "New" in content
    assert "3 days" in content


def test_list_ignores_an_unknown_sort(rep_client, lead):
    response = rep_client.get(url("lead-list"), {"sort": "password"})
    assert response.status_code == 200 and "Grace Hopper" in response.content.decode()


def test_list_answers_htmx_with_only_the_results(rep_client, lead):
    response = rep_client.get(url("lead-list"), {"q": "grace"}, **HTMX)
    assert "<html" not in response.content.decode()
    assert "Grace Hopper" in response.content.decode()


def test_list_paginates(rep_client, rep):
    LeadFactory.create_batch(30, owner=rep)
    first = rep_client.get(url("lead-list")).content.decode()
    assert "Page 1 of 2" in first
    second = rep_client.get(url("lead-list"), {"page": 2}, **HTMX).content.decode()
    assert second.count("<tr>") == 1 + 5  # the header row and the last five leads


@pytest.mark.parametrize("rows", [5, 30])
def test_list_query_count_does_not_grow(rep_client, rep, rows, django_assert_max_num_queries):
    campaign = CampaignFactory()
    LeadFactory.create_batch(rows, owner=rep, campaign=campaign)
    # +1: custom fields, +1: sources as given, +2: saved views bar
    with django_assert_max_num_queries(11):
        assert rep_client.get(url("lead-list"), {"grade": "cold"}).status_code == 200


# Create and edit --------------------------------------------------------------------------------


def test_create_follows_the_source_for_the_channel(rep_client, rep):
    response = rep_client.post(url("lead-create"), lead_data(rep))
    lead = Lead.objects.get(last_name="Lovelace")
    assert response["Location"] == lead.get_absolute_url()
    assert lead.channel == "inbound" and lead.owner == rep


def test_create_without_any_name_shows_the_service_error(rep_client, rep):
    response = rep_client.post(
        url("lead-create"), lead_data(rep, first_name="", last_name="", email="")
    )
    assert response.status_code == 200
    assert "Give at least a name" in response.content.decode()
    assert not Lead.objects.exists()


def test_create_shows_field_errors(rep_client, rep):
    response = rep_client.post(url("lead-create"), lead_data(rep, email="nope", source=""))
    form = response.context["form"]
    assert form.errors["email"] and form.errors["source"]
    assert not Lead.objects.exists()


@pytest.mark.parametrize("status", ["qualified", "disqualified", "converted"])
def test_create_cannot_set_a_status_that_is_an_action(rep_client, rep, status):
    response = rep_client.post(url("lead-create"), lead_data(rep, status=status))
    assert "Select a valid choice" in response.content.decode()
    assert not Lead.objects.exists()


def test_edit_saves_changes(rep_client, rep, lead):
    data = lead_data(
        rep,
        first_name="Grace",
        last_name="Hopper",
        email=lead.email,
        source="seo",
        channel="inbound",
        status="working",
        version=lead.version,
    )
    assert rep_client.post(url("lead-edit", lead.pk), data).status_code == 302
    lead.refresh_from_db()
    assert lead.status == "working" and lead.version == 2


def test_edit_offers_only_new_and_working(rep_client, lead):
    form = rep_client.get(url("lead-edit", lead.pk)).context["form"]
    assert [value for value, _ in form.fields["status"].choices] == ["new", "working"]


@pytest.mark.parametrize("status", ["qualified", "disqualified", "converted"])
def test_edit_cannot_set_a_status_that_is_an_action(rep_client, rep, lead, status):
    data = lead_data(rep, source="seo", channel="inbound", status=status, version=lead.version)
    response = rep_client.post(url("lead-edit", lead.pk), data)
    assert "Select a valid choice" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == "new" and lead.version == 1


def test_edit_of_a_qualified_lead_keeps_its_status(rep_client, rep, lead):
    qualified(lead)
    data = lead_data(rep, source="seo", channel="inbound", status="new", version=lead.version)
    response = rep_client.post(url("lead-edit", lead.pk), data)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.first_name) == ("qualified", "Ada")


def test_edit_with_a_stale_version_shows_both_versions(rep_client, rep, lead):
    Lead.objects.filter(pk=lead.pk).update(version=3)
    data = lead_data(rep, source="seo", channel="inbound", company="Mine", version=1)
    response = rep_client.post(url("lead-edit", lead.pk), data)
    content = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this lead" in content and "Mine" in content
    assert "Navy Labs" in content
    lead.refresh_from_db()
    assert lead.company == "Navy Labs"


def test_edit_is_forbidden_when_read_only(rep_client, public_lead):
    assert rep_client.get(url("lead-edit", public_lead.pk)).status_code == 403


def test_edit_is_not_found_for_an_outsider(lead, outsider):
    assert client_for(outsider).get(url("lead-edit", lead.pk)).status_code == 404


def test_delete_after_confirmation(rep_client, lead):
    assert b"Delete lead" in rep_client.get(url("lead-delete", lead.pk)).content
    rep_client.post(url("lead-delete", lead.pk))
    assert not Lead.objects.filter(pk=lead.pk).exists()


def test_delete_is_forbidden_when_read_only(rep_client, public_lead):
    assert rep_client.post(url("lead-delete", public_lead.pk)).status_code == 403
    assert Lead.objects.filter(pk=public_lead.pk).exists()


# The lead page ----------------------------------------------------------------------------------


def test_detail_shows_the_lead_and_its_activities(rep_client, rep, lead):
    ActivityFactory(owner=rep, deal=None, lead=lead, subject="First call")
    content = rep_client.get(url("lead-detail", lead.pk)).content.decode()
    assert "Grace Hopper" in content and "Navy Labs" in content and "First call" in content


def test_detail_explains_the_score(rep_client, lead):
    ProfileCriterion.objects.create(dimension="industry", value="Logistics", weight=10)
    ProfileCriterion.objects.create(dimension="region", value="Europe", weight=10)
    lead.qualification = CompleteBantFactory(pain_level=2)
    lead.save()
    Lead.objects.filter(pk=lead.pk).update(
        industry="Logistics", created_at=timezone.now() - dt.timedelta(days=40)
    )
    lead_rescore(lead)
    content = text(rep_client.get(url("lead-detail", lead.pk)))
    assert "+20 Budget confirmed" in content
    assert "-10 No activity in 30 days" in content
    assert "+10 Fits the customer profile (50%+)" in content
    assert "Fit to the ideal customer 50%" in content
    assert "50 Warm" in content  # 20 + 15 + 5 + 10 + 10 - 10


def test_detail_shows_the_response_time(rep_client, lead):
    Lead.objects.filter(pk=lead.pk).update(
        first_response_at=lead.created_at + dt.timedelta(hours=2)
    )
    assert "First contact after 2 hours" in text(rep_client.get(url("lead-detail", lead.pk)))


def test_detail_says_when_nobody_has_contacted_the_lead(rep_client, lead):
    assert "Not contacted yet" in text(rep_client.get(url("lead-detail", lead.pk)))


def test_detail_lists_likely_duplicates_with_reason_score_and_merge_actions(rep_client, rep, lead):
    twin = LeadFactory(owner=rep, last_name="Twin", email=lead.email)
    contact = ContactFactory(owner=rep, last_name="Known", email=lead.email)
    response = rep_client.get(url("lead-detail", lead.pk))
    content = text(response)
    assert "Likely duplicates" in content and "Exact email" in content and "100%" in content
    html = response.content.decode()
    assert f"{url('lead-merge', lead.pk)}?record={twin.pk}" in html
    assert f"{url('lead-merge-into-contact', lead.pk)}?record={contact.pk}" in html


def test_detail_offers_no_actions_to_a_read_only_reader(rep_client, public_lead):
    html = rep_client.get(url("lead-detail", public_lead.pk)).content.decode()
    for action in ("lead-qualification", "lead-disqualify", "lead-assign"):
        assert url(action, public_lead.pk) not in html
    assert convert_url(public_lead.pk) not in html


def test_detail_offers_convert_only_once_qualified(rep_client, lead):
    assert convert_url(lead.pk) not in rep_client.get(url("lead-detail", lead.pk)).content.decode()
    qualified(lead)
    assert convert_url(lead.pk) in rep_client.get(url("lead-detail", lead.pk)).content.decode()


def test_detail_of_a_converted_lead_links_its_account_contact_and_deal(rep_client, lead):
    qualified(lead)
    rep_client.post(convert_url(lead.pk), {"convert-deal_name": "Navy fleet"})
    lead.refresh_from_db()
    deal = Deal.objects.get(lead=lead)
    html = rep_client.get(url("lead-detail", lead.pk)).content.decode()
    assert lead.converted_account.get_absolute_url() in html
    assert lead.converted_contact.get_absolute_url() in html
    assert deal.get_absolute_url() in html and "Navy fleet" in html
    assert url("lead-qualification", lead.pk) not in html


def test_detail_of_a_disqualified_lead_shows_the_reason(rep_client, rep, lead):
    rep_client.post(url("lead-disqualify", lead.pk), {"disqualify-reason": reason("No budget").pk})
    assert "Disqualified" in text(rep_client.get(url("lead-detail", lead.pk)))
    assert "No budget" in text(rep_client.get(url("lead-detail", lead.pk)))


def test_detail_is_not_found_for_an_outsider(lead, outsider):
    assert client_for(outsider).get(url("lead-detail", lead.pk)).status_code == 404


@pytest.mark.parametrize("rows", [2, 12])
def test_detail_query_count_does_not_grow(
    rep_client, rep, lead, rows, django_assert_max_num_queries
):
    for n in range(rows):
        ActivityFactory(owner=rep, deal=None, lead=lead, subject=f"Call {n}")
        LeadFactory(owner=rep, email=lead.email)
    with django_assert_max_num_queries(15):  # +1: custom fields, +1: referred by
        assert rep_client.get(url("lead-detail", lead.pk)).status_code == 200


# BANT, qualify and disqualify -------------------------------------------------------------------


def test_bant_answers_are_saved_and_rescore_the_lead(rep_client, lead):
    response = rep_client.post(url("lead-qualification", lead.pk), bant_data())
    assert response["Location"] == lead.get_absolute_url()
    lead.refresh_from_db()
    assert lead.qualification.need == "Route planning by hand takes days"
    assert lead.qualification.is_decision_maker is True and lead.qualification.pain_level == 4
    assert lead.score >= 60 and lead.grade == "hot" and lead.status == "new"


def test_bant_can_be_saved_in_part(rep_client, lead):
    rep_client.post(
        url("lead-qualification", lead.pk),
        {"bant-budget_amount": "5000", "bant-budget_currency": "EUR"},
    )
    lead.refresh_from_db()
    assert lead.qualification.budget_amount == Decimal("5000")
    assert lead.qualification.missing == ["authority", "need", "timeline"]


def test_bant_with_bad_input_shows_errors_and_saves_nothing(rep_client, lead):
    response = rep_client.post(
        url("lead-qualification", lead.pk),
        bant_data(**{"bant-pain_level": "9", "bant-budget_amount": "-5"}),
    )
    assert response.status_code == 200
    form = response.context["bant_form"]
    assert form.errors["pain_level"] and form.errors["budget_amount"]
    lead.refresh_from_db()
    assert lead.qualification is None


def test_bant_refused_by_the_service_shows_why_and_saves_nothing(rep_client, lead):
    response = rep_client.post(
        url("lead-qualification", lead.pk),
        {"bant-is_budget_confirmed": "on", "bant-need": "Routes", "bant-budget_currency": "EUR"},
    )
    assert "Give the budget that was confirmed." in response.content.decode()
    lead.refresh_from_db()
    assert lead.qualification is None


def test_qualify_with_incomplete_bant_lists_the_missing_letters(rep_client, lead):
    data = {"qualify": "", "bant-budget_amount": "9000", "bant-budget_currency": "EUR"}
    response = rep_client.post(url("lead-qualification", lead.pk), data)
    content = text(response)
    assert "Not qualified yet" in content
    assert "BANT is incomplete: authority, need, timeline." in content
    assert "Record when they expect to buy." in content
    lead.refresh_from_db()
    assert lead.status == "new" and lead.qualification.budget_amount == 9000


def test_qualify_with_complete_bant_qualifies_the_lead(rep_client, lead):
    response = rep_client.post(url("lead-qualification", lead.pk), {**bant_data(), "qualify": ""})
    assert response["Location"] == lead.get_absolute_url()
    lead.refresh_from_db()
    assert lead.status == "qualified" and lead.qualified_at is not None


def test_bant_over_htmx_answers_with_the_qualification_region_only(rep_client, lead):
    response = rep_client.post(url("lead-qualification", lead.pk), bant_data(), **HTMX)
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert 'id="qualification"' in content and "BANT answers saved." in content
    assert "+20 Budget confirmed" in text(response)  # the score is shown again, recomputed


def test_bant_errors_over_htmx_answer_with_the_region_only(rep_client, lead):
    data = {"qualify": "", "bant-budget_currency": "EUR"}
    response = rep_client.post(url("lead-qualification", lead.pk), data, **HTMX)
    content = response.content.decode()
    assert "<html" not in content and "BANT is incomplete" in content


def test_qualify_over_htmx_reloads_the_page(rep_client, lead):
    response = rep_client.post(
        url("lead-qualification", lead.pk), {**bant_data(), "qualify": ""}, **HTMX
    )
    assert response["HX-Redirect"] == lead.get_absolute_url()


def test_bant_is_forbidden_when_read_only(rep_client, public_lead):
    assert (
        rep_client.post(url("lead-qualification", public_lead.pk), bant_data()).status_code == 403
    )
    public_lead.refresh_from_db()
    assert public_lead.qualification is None


def test_bant_is_not_found_for_an_outsider(lead, outsider):
    response = client_for(outsider).post(url("lead-qualification", lead.pk), bant_data())
    assert response.status_code == 404


def test_disqualify_records_the_reason_and_note(rep_client, lead):
    data = {"disqualify-reason": reason("Chose a competitor").pk, "disqualify-note": "Went with Z"}
    response = rep_client.post(url("lead-disqualify", lead.pk), data)
    assert response["Location"] == lead.get_absolute_url()
    lead.refresh_from_db()
    assert lead.status == "disqualified"
    assert lead.disqualification_reason.name == "Chose a competitor"
    assert "Went with Z" in lead.notes


def test_disqualify_without_a_reason_shows_the_error(rep_client, lead):
    response = rep_client.post(url("lead-disqualify", lead.pk), {"disqualify-note": "x"})
    assert response.context["disqualify_form"].errors["reason"]
    lead.refresh_from_db()
    assert lead.status == "new"


def test_disqualify_over_htmx_reloads_the_page_or_shows_the_region_with_errors(rep_client, lead):
    refused = rep_client.post(url("lead-disqualify", lead.pk), {}, **HTMX)
    assert (
        "<html" not in refused.content.decode() and 'id="qualification"' in refused.content.decode()
    )
    data = {"disqualify-reason": reason().pk}
    done = rep_client.post(url("lead-disqualify", lead.pk), data, **HTMX)
    assert done["HX-Redirect"] == lead.get_absolute_url()


def test_disqualify_offers_only_active_reasons(rep_client, lead):
    retired = reason("Spam or fake")
    retired.is_active = False
    retired.save()
    page = rep_client.get(url("lead-detail", lead.pk)).content.decode()
    assert "No budget" in page and "Spam or fake" not in page
    response = rep_client.post(url("lead-disqualify", lead.pk), {"disqualify-reason": retired.pk})
    assert response.context["disqualify_form"].errors["reason"]
    lead.refresh_from_db()
    assert lead.status == "new"


def test_disqualify_is_forbidden_when_read_only(rep_client, public_lead):
    data = {"disqualify-reason": reason().pk}
    assert rep_client.post(url("lead-disqualify", public_lead.pk), data).status_code == 403


def test_disqualify_is_not_found_for_an_outsider(lead, outsider):
    data = {"disqualify-reason": reason().pk}
    assert client_for(outsider).post(url("lead-disqualify", lead.pk), data).status_code == 404


# Assign -----------------------------------------------------------------------------------------


def test_assign_to_me_picks_an_unowned_lead_from_the_team_queue(client, teammate, north):
    lead = LeadFactory(owner=None, team=north)
    client.force_login(teammate)
    response = client.post(url("lead-assign", lead.pk))
    assert response["Location"] == lead.get_absolute_url()
    lead.refresh_from_db()
    assert lead.owner == teammate and lead.assigned_at is not None


def test_assign_to_me_of_a_teammates_lead_is_refused(client, teammate, rep, lead):
    client.force_login(teammate)
    response = client.post(url("lead-assign", lead.pk), follow=True)
    assert "Only the owner or a manager of the team may change the owner." in (
        response.content.decode()
    )
    lead.refresh_from_db()
    assert lead.owner == rep and lead.assigned_at is None


def test_assign_to_a_teammate(rep_client, teammate, lead):
    rep_client.post(url("lead-assign", lead.pk), {"assign-owner": teammate.pk})
    lead.refresh_from_db()
    assert lead.owner == teammate


def test_assign_to_someone_outside_the_teams_is_refused(rep_client, rep, outsider, lead):
    response = rep_client.post(
        url("lead-assign", lead.pk), {"assign-owner": outsider.pk}, follow=True
    )
    assert "was not assigned" in response.content.decode()
    lead.refresh_from_db()
    assert lead.owner == rep


def test_assign_goes_back_to_a_safe_next_page_only(client, manager, lead):
    client.force_login(manager)
    data = {"assign-owner": manager.pk, "next": url("queue")}
    assert client.post(url("lead-assign", lead.pk), data)["Location"] == url("queue")
    data["next"] = "https://evil.example/"
    assert client.post(url("lead-assign", lead.pk), data)["Location"] == lead.get_absolute_url()


def test_assign_is_forbidden_when_read_only(rep_client, public_lead, outsider):
    assert rep_client.post(url("lead-assign", public_lead.pk)).status_code == 403
    public_lead.refresh_from_db()
    assert public_lead.owner == outsider


def test_assign_is_not_found_for_an_outsider(lead, outsider):
    assert client_for(outsider).post(url("lead-assign", lead.pk)).status_code == 404


# Convert ----------------------------------------------------------------------------------------


def test_convert_creates_the_deal_and_goes_there(rep_client, lead):
    qualified(lead)
    pipeline = Pipeline.objects.create(name="Upsell")
    pipeline.stages.create(name="Talk", position=1, probability=20, kind="open")
    pipeline.stages.create(name="Won", position=2, probability=100, kind="won")
    pipeline.stages.create(name="Lost", position=3, probability=0, kind="lost")
    data = {
        "convert-pipeline": pipeline.pk,
        "convert-deal_name": "Navy fleet",
        "convert-amount": "42000",
    }
    response = rep_client.post(convert_url(lead.pk), data)
    deal = Deal.objects.get(lead=lead)
    assert response["Location"] == deal.get_absolute_url()
    assert (deal.name, deal.amount, deal.pipeline, deal.stage.name) == (
        "Navy fleet",
        Decimal("42000"),
        pipeline,
        "Talk",
    )
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_contact is not None


def test_convert_of_an_unqualified_lead_says_what_is_missing(rep_client, lead):
    response = rep_client.post(convert_url(lead.pk), {"convert-deal_name": "Too early"})
    content = text(response)
    assert "Qualify the lead before converting it." in content
    assert "Record the budget." in content
    assert not Deal.objects.exists()
    lead.refresh_from_db()
    assert lead.status == "new"


def test_convert_with_bad_input_shows_errors_and_creates_nothing(rep_client, lead):
    qualified(lead)
    response = rep_client.post(convert_url(lead.pk), {"convert-amount": "lots"})
    assert response.context["convert_form"].errors["amount"]
    assert not Deal.objects.exists()


def test_convert_is_forbidden_when_read_only(rep_client, public_lead):
    qualified(public_lead)
    assert rep_client.post(convert_url(public_lead.pk)).status_code == 403
    assert not Deal.objects.exists()


def test_convert_is_not_found_for_an_outsider(lead, outsider):
    qualified(lead)
    assert client_for(outsider).post(convert_url(lead.pk)).status_code == 404
    assert not Deal.objects.exists()


# Merge ------------------------------------------------------------------------------------------


def test_merge_asks_first_then_merges_the_duplicate_into_this_lead(rep_client, rep, lead):
    twin = LeadFactory(owner=rep, last_name="Twin", email=lead.email, phone="+4930123456")
    confirm = rep_client.get(url("lead-merge", lead.pk), {"record": twin.pk})
    assert "Merge “" in confirm.content.decode() and Lead.objects.filter(pk=twin.pk).exists()
    response = rep_client.post(url("lead-merge", lead.pk), {"record": twin.pk})
    assert response["Location"] == lead.get_absolute_url()
    assert not Lead.objects.filter(pk=twin.pk).exists()
    lead.refresh_from_db()
    assert lead.phone == "+4930123456"


def test_merge_without_a_duplicate_goes_back_to_the_lead(rep_client, lead):
    response = rep_client.post(url("lead-merge", lead.pk), {"record": "x"}, follow=True)
    assert "Choose the duplicate" in response.content.decode()


def test_merge_into_itself_is_refused(rep_client, lead):
    response = rep_client.post(url("lead-merge", lead.pk), {"record": lead.pk}, follow=True)
    assert "cannot be merged into itself" in response.content.decode()
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_merge_of_a_read_only_duplicate_is_forbidden(rep_client, lead, public_lead):
    response = rep_client.post(url("lead-merge", lead.pk), {"record": public_lead.pk})
    assert response.status_code == 403
    assert Lead.objects.filter(pk=public_lead.pk).exists()


def test_merge_of_an_unseen_duplicate_is_not_found(rep_client, lead, outsider):
    hidden = LeadFactory(owner=outsider)
    assert rep_client.post(url("lead-merge", lead.pk), {"record": hidden.pk}).status_code == 404
    assert Lead.objects.filter(pk=hidden.pk).exists()


def test_merge_is_not_found_for_an_outsider(lead, outsider):
    response = client_for(outsider).get(url("lead-merge", lead.pk), {"record": lead.pk})
    assert response.status_code == 404


def test_merge_into_contact_asks_first_then_converts_the_lead(rep_client, rep, lead):
    contact = ContactFactory(owner=rep, first_name="", last_name="Hopper", email=lead.email)
    confirm = rep_client.get(url("lead-merge-into-contact", lead.pk), {"record": contact.pk})
    assert "Merge this lead into the contact" in confirm.content.decode()
    response = rep_client.post(url("lead-merge-into-contact", lead.pk), {"record": contact.pk})
    assert response["Location"] == contact.get_absolute_url()
    lead.refresh_from_db()
    contact.refresh_from_db()
    assert lead.status == "converted" and lead.converted_contact == contact
    assert contact.first_name == "Grace"


def test_merge_into_a_read_only_contact_is_forbidden(rep_client, lead, outsider):
    contact = ContactFactory(owner=outsider, visibility=Visibility.EVERYONE, email=lead.email)
    response = rep_client.post(url("lead-merge-into-contact", lead.pk), {"record": contact.pk})
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.status == "new"


def test_merge_into_contact_is_forbidden_when_the_lead_is_read_only(rep_client, rep, public_lead):
    contact = ContactFactory(owner=rep)
    response = rep_client.post(
        url("lead-merge-into-contact", public_lead.pk), {"record": contact.pk}
    )
    assert response.status_code == 403
    assert not Contact.objects.get(pk=contact.pk).converted_leads.exists()


# The manager's queue ----------------------------------------------------------------------------


@pytest.fixture
def queue(rep, north, outsider):
    unassigned = LeadFactory(owner=None, team=north, last_name="Nobodys")
    hot = scored(LeadFactory(owner=rep, last_name="Hotuntouched"), 75, "hot")
    touched = scored(LeadFactory(owner=rep, last_name="Hottouched"), 75, "hot")
    Lead.objects.filter(pk=touched.pk).update(first_response_at=timezone.now())
    LeadFactory(owner=rep, last_name="Coldowned")
    LeadFactory(owner=None, team=outsider.teams.first(), last_name="Southern")
    return {"unassigned": unassigned, "hot": hot}


def test_queue_shows_the_teams_waiting_leads_to_a_manager(client, manager, queue):
    client.force_login(manager)
    content = text(client.get(url("queue")))
    assert "Hotuntouched" in content and "Nobodys" in content
    assert "Hottouched" not in content and "Coldowned" not in content and "Southern" not in content
    assert content.index("Hotuntouched") < content.index("Nobodys")  # hot first
    assert "Unassigned" in content and "not contacted yet" in content


def test_queue_shows_every_team_to_an_admin(client, admin_user, queue):
    client.force_login(admin_user)
    assert "Southern" in client.get(url("queue")).content.decode()


def test_queue_is_forbidden_to_a_rep(rep_client, queue):
    assert rep_client.get(url("queue")).status_code == 403


def test_queue_assigns_over_htmx_and_answers_with_the_results(client, manager, teammate, queue):
    client.force_login(manager)
    lead = queue["unassigned"]
    data = {"assign-owner": teammate.pk, "next": url("queue")}
    response = client.post(url("lead-assign", lead.pk), data, follow=True, **HTMX)
    content = response.content.decode()
    assert "<html" not in content and f"is assigned to {teammate}" in content
    assert lead.get_absolute_url() not in content and "1 lead waiting" in content
    lead.refresh_from_db()
    assert lead.owner == teammate


@pytest.mark.parametrize("rows", [3, 20])
def test_queue_query_count_does_not_grow(
    client, manager, north, rows, django_assert_max_num_queries
):
    LeadFactory.create_batch(rows, owner=None, team=north)
    client.force_login(manager)
    with django_assert_max_num_queries(6):
        assert client.get(url("queue")).status_code == 200


@pytest.mark.parametrize(
    "name",
    ["lead-list", "lead-create", "lead-detail", "lead-edit", "queue", "lead-merge"],
)
def test_pages_require_login(client, lead, name):
    args = [lead.pk] if name in ("lead-detail", "lead-edit", "lead-merge") else []
    response = client.get(url(name, *args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "name", ["leads:lead-qualification", "leads:lead-disqualify", "leads:lead-assign",
             "pipeline:lead-convert"]
)  # fmt: skip
def test_actions_refuse_get(rep_client, lead, name):
    assert rep_client.get(reverse(name, args=[lead.pk])).status_code == 405


def test_an_inactive_teammate_cannot_take_the_lead(rep_client, north, lead, rep):
    gone = UserFactory(username="gone", team=north, is_active=False)
    rep_client.post(url("lead-assign", lead.pk), {"assign-owner": gone.pk})
    lead.refresh_from_db()
    assert lead.owner == rep
