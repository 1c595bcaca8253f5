from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.leads.models import (
    AssignmentRule,
    Campaign,
    DisqualificationReason,
    LeadCaptureForm,
    ProfileCriterion,
    ScoringRule,
)
from salesflow.leads.selectors import scoring_settings
from salesflow.leads.tests.factories import (
    AssignmentRuleFactory,
    CaptureFormFactory,
    ProfileCriterionFactory,
    ScoringRuleFactory,
)
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


def url(name: str, *args: object) -> str:
    return reverse(f"lead-settings:{name}", args=args)


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


@pytest.fixture
def manager_client(manager):
    return client_for(manager)


ADMIN_PAGES = [
    "criterion-list",
    "criterion-create",
    "scoring",
    "scoring-rule-create",
    "assignment-rule-list",
    "assignment-rule-create",
    "capture-form-list",
    "capture-form-create",
    "reason-list",
    "reason-create",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_open_for_an_admin(admin_client, name):
    assert admin_client.get(url(name)).status_code == 200


@pytest.mark.parametrize("name", ADMIN_PAGES)
@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_admin_pages_are_forbidden_to_everyone_else(request, name, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(url(name)).status_code == 403


@pytest.mark.parametrize("name", ["grades", "rescore"])
def test_admin_actions_are_forbidden_to_a_manager(manager_client, name):
    assert (
        manager_client.post(url(name), {"grades-hot_min": 1, "grades-warm_min": 0}).status_code
        == 403
    )
    assert scoring_settings().hot_min == 60


def test_settings_index_sends_each_role_to_its_page(admin_client, manager_client, rep_client):
    assert admin_client.get(url("index"))["Location"] == url("criterion-list")
    assert manager_client.get(url("index"))["Location"] == url("campaign-list")
    assert rep_client.get(url("index")).status_code == 403


# Ideal customer profile -------------------------------------------------------------------------


def test_criterion_is_created_and_listed(admin_client):
    data = {"dimension": "industry", "value": "Logistics", "weight": "30", "is_active": "on"}
    assert admin_client.post(url("criterion-create"), data)["Location"] == url("criterion-list")
    criterion = ProfileCriterion.objects.get()
    assert (criterion.value, criterion.weight) == ("Logistics", 30)
    assert "Logistics" in admin_client.get(url("criterion-list")).content.decode()


def test_criterion_with_bad_input_shows_errors_and_saves_nothing(admin_client):
    data = {"dimension": "mood", "value": "", "weight": "0"}
    form = admin_client.post(url("criterion-create"), data).context["form"]
    assert set(form.errors) == {"dimension", "value", "weight"}
    assert not ProfileCriterion.objects.exists()


def test_criterion_twice_is_refused(admin_client):
    ProfileCriterionFactory(dimension="industry", value="Logistics")
    data = {"dimension": "industry", "value": "Logistics", "weight": "10"}
    response = admin_client.post(url("criterion-create"), data)
    assert "already exists" in response.content.decode()
    assert ProfileCriterion.objects.count() == 1


def test_criterion_is_edited_and_deactivated(admin_client):
    criterion = ProfileCriterionFactory(weight=10)
    data = {"dimension": "industry", "value": "Logistics", "weight": "50"}
    admin_client.post(url("criterion-edit", criterion.pk), data)
    criterion.refresh_from_db()
    assert (criterion.weight, criterion.is_active) == (50, False)


def test_criterion_edit_of_a_missing_row_is_not_found(admin_client):
    assert admin_client.get(url("criterion-edit", 999)).status_code == 404


# Scoring ----------------------------------------------------------------------------------------


def rule_data(**changes):
    data = {
        "name": "Asked for pricing",
        "condition": "demo_requested",
        "threshold": "",
        "points": "25",
        "half_life_days": "14",
        "position": "20",
        "is_active": "on",
    }
    return {**data, **changes}


def test_scoring_page_lists_the_rules_and_the_grades(admin_client):
    content = admin_client.get(url("scoring")).content.decode()
    assert "Budget confirmed" in content and "No activity in 30 days" in content
    assert 'name="grades-hot_min"' in content and "Rescore all leads now" in content


def test_scoring_rule_is_created(admin_client):
    assert admin_client.post(url("scoring-rule-create"), rule_data())["Location"] == url("scoring")
    rule = ScoringRule.objects.get(name="Asked for pricing")
    assert (rule.points, rule.half_life_days) == (25, 14)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"condition": "no_activity_days", "half_life_days": ""}, "threshold"),
        ({"condition": "budget_confirmed"}, "half_life_days"),
        ({"points": "many"}, "points"),
        ({"condition": "astrology"}, "condition"),
    ],
)
def test_scoring_rule_with_bad_input_shows_errors_and_saves_nothing(admin_client, changes, field):
    response = admin_client.post(url("scoring-rule-create"), rule_data(**changes))
    assert field in response.context["form"].errors
    assert not ScoringRule.objects.filter(name="Asked for pricing").exists()


def test_scoring_rule_is_edited(admin_client):
    rule = ScoringRuleFactory(name="Old", points=10)
    admin_client.post(url("scoring-rule-edit", rule.pk), rule_data(name="New", points="-5"))
    rule.refresh_from_db()
    assert (rule.name, rule.points, rule.condition) == ("New", -5, "demo_requested")


def test_grades_are_saved(admin_client):
    response = admin_client.post(url("grades"), {"grades-hot_min": "70", "grades-warm_min": "40"})
    assert response["Location"] == url("scoring")
    row = scoring_settings()
    assert (row.hot_min, row.warm_min) == (70, 40)


def test_grades_with_hot_below_warm_show_errors_and_save_nothing(admin_client):
    response = admin_client.post(url("grades"), {"grades-hot_min": "20", "grades-warm_min": "40"})
    assert response.context["grades_form"].errors["hot_min"] == ["Hot must start above warm."]
    assert scoring_settings().hot_min == 60


def test_rescore_applies_changed_rules_to_every_lead(admin_client, rep):
    lead = LeadFactory(owner=rep)
    ScoringRuleFactory(name="Everyone", condition="no_activity_days", threshold=0, points=7)
    assert lead.score == 0
    response = admin_client.post(url("rescore"), follow=True)
    assert "Rescored 1 lead." in response.content.decode()
    lead.refresh_from_db()
    assert lead.score == 7
    assert [item["label"] for item in lead.score_breakdown] == ["+7 Everyone"]


# Assignment rules -------------------------------------------------------------------------------


def assignment_data(team, **changes):
    data = {
        "name": "DACH mid-size",
        "priority": "10",
        "region": "DACH",
        "industry": "",
        "size_band": "51-200",
        "team": team.pk,
        "owner": "",
        "is_active": "on",
    }
    return {**data, **changes}


def test_assignment_rule_is_created_with_round_robin(admin_client, north):
    response = admin_client.post(url("assignment-rule-create"), assignment_data(north))
    assert response["Location"] == url("assignment-rule-list")
    rule = AssignmentRule.objects.get()
    assert (rule.region, rule.team, rule.owner) == ("DACH", north, None)
    assert "round-robin" in admin_client.get(url("assignment-rule-list")).content.decode()


def test_assignment_rule_with_a_rep_of_another_team_shows_the_error(admin_client, north, outsider):
    response = admin_client.post(
        url("assignment-rule-create"), assignment_data(north, owner=outsider.pk)
    )
    assert "is not a member of North" in response.content.decode()
    assert not AssignmentRule.objects.exists()


def test_assignment_rule_without_a_team_shows_the_error(admin_client, north):
    response = admin_client.post(
        url("assignment-rule-create"), {**assignment_data(north), "team": ""}
    )
    assert response.context["form"].errors["team"]
    assert not AssignmentRule.objects.exists()


def test_assignment_rule_is_edited_to_a_fixed_rep(admin_client, north, rep):
    rule = AssignmentRuleFactory(team=north)
    admin_client.post(url("assignment-rule-edit", rule.pk), assignment_data(north, owner=rep.pk))
    rule.refresh_from_db()
    assert rule.owner == rep and rule.name == "DACH mid-size"


# Capture forms ----------------------------------------------------------------------------------


def capture_data(team, **changes):
    data = {
        "name": "Contact us",
        "source": "content",
        "channel": "",
        "campaign": "",
        "default_owner": "",
        "default_team": team.pk,
        "is_active": "on",
        "success_message": "Thanks!",
        "max_submissions_per_ip": "5",
    }
    return {**data, **changes}


def test_capture_form_is_created_then_shows_its_snippet(admin_client, north):
    response = admin_client.post(url("capture-form-create"), capture_data(north))
    capture_form = LeadCaptureForm.objects.get()
    assert response["Location"] == url("capture-form-edit", capture_form.pk)
    assert capture_form.form_key


def test_capture_form_page_shows_the_escaped_embeddable_html(admin_client, north):
    capture_form = CaptureFormFactory(default_team=north)
    content = admin_client.get(url("capture-form-edit", capture_form.pk)).content.decode()
    action = f"https://testserver/api/v1/public/forms/{capture_form.form_key}"
    snippet = html.unescape(content.split('class="snippet"')[1].split("</textarea>")[0])
    assert f'<form method="post" action="{action}">' in snippet
    for name in ("first_name", "last_name", "email", "phone", "company", "website_url"):
        assert f'name="{name}"' in snippet
    assert 'tabindex="-1"' in snippet  # the honeypot is out of people's way
    # Shown as text, never as a live form on our own page.
    assert f'<form method="post" action="{action}"' not in content
    assert f"&lt;form method=&quot;post&quot; action=&quot;{action}&quot;&gt;" in content


def test_capture_form_without_owner_or_team_shows_the_error(admin_client, north):
    response = admin_client.post(url("capture-form-create"), capture_data(north, default_team=""))
    assert response.context["form"].errors["default_team"]
    assert not LeadCaptureForm.objects.exists()


def test_capture_form_is_closed(admin_client, north):
    capture_form = CaptureFormFactory(default_team=north)
    data = capture_data(north, name=capture_form.name)
    del data["is_active"]
    admin_client.post(url("capture-form-edit", capture_form.pk), data)
    capture_form.refresh_from_db()
    assert capture_form.is_active is False
    assert "Closed" in admin_client.get(url("capture-form-list")).content.decode()


# Disqualification reasons -----------------------------------------------------------------------


def test_reason_is_created_and_offered(admin_client, rep_client, rep):
    data = {"name": "Bought elsewhere", "position": "3", "is_active": "on"}
    assert admin_client.post(url("reason-create"), data)["Location"] == url("reason-list")
    lead = LeadFactory(owner=rep)
    assert "Bought elsewhere" in rep_client.get(lead.get_absolute_url()).content.decode()


def test_reason_is_retired(admin_client):
    reason = DisqualificationReason.objects.get(name="Unreachable")
    admin_client.post(url("reason-edit", reason.pk), {"name": "Unreachable", "position": "1"})
    reason.refresh_from_db()
    assert reason.is_active is False
    assert "Retired" in admin_client.get(url("reason-list")).content.decode()


def test_reason_without_a_name_shows_the_error(admin_client):
    count = DisqualificationReason.objects.count()
    response = admin_client.post(url("reason-create"), {"name": "", "position": "1"})
    assert response.context["form"].errors["name"]
    assert DisqualificationReason.objects.count() == count


# Campaigns --------------------------------------------------------------------------------------


def campaign_data(**changes):
    data = {
        "name": "Logistics fair 2025",
        "channel": "outbound",
        "source": "exhibition",
        "cost": "12000",
        "currency": "EUR",
        "starts_on": "2025-03-01",
        "ends_on": "2025-03-03",
        "is_active": "on",
    }
    return {**data, **changes}


def test_a_manager_creates_and_edits_a_campaign(manager_client):
    assert manager_client.get(url("campaign-list")).status_code == 200
    response = manager_client.post(url("campaign-create"), campaign_data())
    assert response["Location"] == url("campaign-list")
    campaign = Campaign.objects.get()
    manager_client.post(url("campaign-edit", campaign.pk), campaign_data(cost="15000.50"))
    campaign.refresh_from_db()
    assert campaign.cost == Decimal("15000.50")
    assert "Logistics fair 2025" in manager_client.get(url("campaign-list")).content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cost": "-1"}, "cost"),
        ({"ends_on": "2025-02-01"}, "ends_on"),
        ({"channel": ""}, "channel"),
    ],
)
def test_campaign_with_bad_input_shows_errors_and_saves_nothing(manager_client, changes, field):
    response = manager_client.post(url("campaign-create"), campaign_data(**changes))
    assert field in response.context["form"].errors
    assert not Campaign.objects.exists()


def test_campaign_with_a_taken_name_is_refused(manager_client):
    CampaignFactory(name="Logistics fair 2025")
    response = manager_client.post(url("campaign-create"), campaign_data())
    assert response.context["form"].errors["name"]
    assert Campaign.objects.count() == 1


@pytest.mark.parametrize("name", ["campaign-list", "campaign-create"])
def test_campaigns_are_forbidden_to_a_rep(rep_client, name):
    assert rep_client.get(url(name)).status_code == 403


def test_campaign_edit_is_forbidden_to_a_rep(rep_client):
    campaign = CampaignFactory(cost=100)
    response = rep_client.post(url("campaign-edit", campaign.pk), campaign_data())
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.cost == 100


@pytest.mark.parametrize("name", ["criterion-list", "scoring", "campaign-list"])
def test_settings_require_login(client, name):
    response = client.get(url(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
