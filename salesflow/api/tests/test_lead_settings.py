"""Lead management settings (admins), campaigns (managers and admins), disqualification reasons."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from salesflow.api.tests.conftest import ids, invalid_fields
from salesflow.customfields.services import custom_field_archive, custom_field_create
from salesflow.leads.models import (
    AssignmentRule,
    Campaign,
    DisqualificationReason,
    LeadCaptureForm,
    ProfileCriterion,
    ScoringRule,
)
from salesflow.leads.scoring_rules import scoring_rule_save
from salesflow.leads.selectors import scoring_settings
from salesflow.leads.tests.factories import (
    AssignmentRuleFactory,
    CaptureFormFactory,
    ProfileCriterionFactory,
    ScoringRuleFactory,
)
from tests.factories import LeadFactory

# (collection, a valid new row, a change, the factory for an existing row)
SETTINGS = {
    "profile-criteria": (
        {"dimension": "industry", "value": "Logistics", "weight": 30},
        {"weight": 40},
        ProfileCriterionFactory,
    ),
    "scoring-rules": (
        {"name": "Demo asked", "condition": "demo_requested", "points": 25, "half_life_days": 30},
        {"points": 30},
        ScoringRuleFactory,
    ),
}


@pytest.mark.parametrize("collection", sorted(SETTINGS))
def test_an_admin_adds_changes_lists_and_deletes_a_setting(api_as, admin_user, collection):
    new, change, _ = SETTINGS[collection]
    api = api_as(admin_user)

    created = api.post(f"/settings/{collection}", new)
    changed = api.patch(f"/settings/{collection}/{created.json()['id']}", change)
    listed = api.get(f"/settings/{collection}")
    deleted = api.delete(f"/settings/{collection}/{created.json()['id']}")

    assert created.status_code == 201, created.content
    assert changed.status_code == 200
    assert changed.json() == {**created.json(), **change}
    assert created.json()["id"] in ids(listed)
    assert deleted.status_code == 204
    assert created.json()["id"] not in ids(api.get(f"/settings/{collection}"))


@pytest.mark.parametrize("collection", sorted(SETTINGS))
@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_settings_are_refused_with_403_to_everyone_but_admins(api_as, request, collection, persona):
    new, change, factory = SETTINGS[collection]
    existing = factory()
    api = api_as(request.getfixturevalue(persona))

    assert api.get(f"/settings/{collection}").status_code == 403
    assert api.post(f"/settings/{collection}", new).status_code == 403
    assert api.patch(f"/settings/{collection}/{existing.pk}", change).status_code == 403
    assert api.delete(f"/settings/{collection}/{existing.pk}").status_code == 403
    assert type(existing).objects.filter(pk=existing.pk).exists()


@pytest.mark.parametrize("collection", sorted(SETTINGS))
def test_an_unknown_setting_answers_404(api_as, admin_user, collection):
    _, change, _ = SETTINGS[collection]
    api = api_as(admin_user)

    assert api.patch(f"/settings/{collection}/999999", change).status_code == 404
    assert api.delete(f"/settings/{collection}/999999").status_code == 404


@pytest.mark.parametrize(
    ("collection", "body", "field"),
    [
        ("profile-criteria", {"dimension": "mood", "value": "x"}, "dimension"),
        ("profile-criteria", {"dimension": "region", "value": "EU", "weight": 0}, "weight"),
        ("scoring-rules", {"name": "x", "condition": "astrology", "points": 5}, "condition"),
        ("scoring-rules", {"name": "x", "condition": "meeting_held"}, "points"),
        (
            "scoring-rules",
            {"name": "x", "condition": "visit_held", "points": 1, "half_life_days": 0},
            "half_life_days",
        ),
    ],
)
def test_bad_setting_input_answers_422_naming_the_field(
    api_as, admin_user, collection, body, field
):
    model = ProfileCriterion if collection == "profile-criteria" else ScoringRule
    before = model.objects.count()

    response = api_as(admin_user).post(f"/settings/{collection}", body)

    assert invalid_fields(response) == {field}
    assert model.objects.count() == before


def test_the_same_profile_criterion_twice_answers_422(api_as, admin_user):
    ProfileCriterionFactory(dimension="region", value="Nordics")

    response = api_as(admin_user).post(
        "/settings/profile-criteria", {"dimension": "region", "value": "Nordics"}
    )

    assert response.status_code == 422


def test_a_scoring_rule_shows_its_category(api_as, admin_user):
    response = api_as(admin_user).post(
        "/settings/scoring-rules", {"name": "Pain", "condition": "pain_level_gte", "points": 5}
    )

    assert response.json()["category"] == "bant"


def test_the_settings_lists_take_a_constant_number_of_queries(
    api_as, admin_user, north, django_assert_max_num_queries
):
    for n in range(4):
        ProfileCriterionFactory(value=f"Industry {n}")
        ScoringRuleFactory()
        AssignmentRuleFactory(team=north)
        CaptureFormFactory(default_team=north)
    api = api_as(admin_user)

    for collection in ("profile-criteria", "scoring-rules", "assignment-rules", "capture-forms"):
        with django_assert_max_num_queries(3):
            assert api.get(f"/settings/{collection}").json()["count"] >= 4


# Grade thresholds -------------------------------------------------------------------------------


def test_an_admin_reads_and_changes_the_grade_thresholds(api_as, admin_user):
    api = api_as(admin_user)

    before = api.get("/settings/scoring").json()
    after = api.patch("/settings/scoring", {"hot_min": 75, "warm_min": 40})

    assert (before["hot_min"], before["warm_min"]) == (60, 30)
    assert after.status_code == 200
    assert (after.json()["hot_min"], after.json()["warm_min"]) == (75, 40)
    assert (scoring_settings().hot_min, scoring_settings().warm_min) == (75, 40)


def test_hot_must_start_above_warm(api_as, admin_user):
    api = api_as(admin_user)

    assert invalid_fields(api.patch("/settings/scoring", {"hot_min": 30})) == {"hot_min"}
    assert invalid_fields(api.patch("/settings/scoring", {"warm_min": 90})) == {"warm_min"}
    assert scoring_settings().hot_min == 60


def test_grade_thresholds_are_for_admins(api_as, manager):
    api = api_as(manager)

    assert api.get("/settings/scoring").status_code == 403
    assert api.patch("/settings/scoring", {"hot_min": 90}).status_code == 403
    assert scoring_settings().hot_min == 60


# Assignment rules -------------------------------------------------------------------------------


def test_an_admin_routes_a_region_to_a_team_and_a_fixed_rep(api_as, admin_user, north, rep):
    api = api_as(admin_user)

    created = api.post(
        "/settings/assignment-rules",
        {"name": "Nordics", "region": "Nordics", "team_id": north.pk, "owner_id": rep.pk},
    )
    changed = api.patch(f"/settings/assignment-rules/{created.json()['id']}", {"owner_id": None})

    assert created.status_code == 201
    assert (created.json()["team_id"], created.json()["owner_id"]) == (north.pk, rep.pk)
    assert changed.json()["owner_id"] is None
    assert api.delete(f"/settings/assignment-rules/{created.json()['id']}").status_code == 204
    assert not AssignmentRule.objects.exists()


def test_an_assignment_rule_needs_a_team_that_exists(api_as, admin_user):
    api = api_as(admin_user)

    assert invalid_fields(api.post("/settings/assignment-rules", {"name": "x"})) == {"team_id"}
    missing = api.post("/settings/assignment-rules", {"name": "x", "team_id": 999999})
    assert invalid_fields(missing) == {"team_id"}


def test_assignment_rules_are_for_admins(api_as, manager, north):
    rule = AssignmentRuleFactory(team=north)
    api = api_as(manager)
    new = {"name": "x", "team_id": north.pk}

    assert api.get("/settings/assignment-rules").status_code == 403
    assert api.post("/settings/assignment-rules", new).status_code == 403
    assert api.patch(f"/settings/assignment-rules/{rule.pk}", {"priority": 1}).status_code == 403
    assert api.delete(f"/settings/assignment-rules/{rule.pk}").status_code == 403


# Capture forms ----------------------------------------------------------------------------------


def test_an_admin_creates_a_capture_form_with_an_embeddable_snippet(api_as, admin_user, north):
    response = api_as(admin_user).post(
        "/settings/capture-forms", {"name": "Contact us", "default_team_id": north.pk}
    )

    assert response.status_code == 201
    body = response.json()
    form_key = LeadCaptureForm.objects.get(pk=body["id"]).form_key
    assert body["form_key"] == form_key
    assert body["submit_url"] == f"http://testserver/api/v1/public/forms/{form_key}"
    html = body["embed_html"]
    assert f'<form action="{body["submit_url"]}" method="post">' in html
    assert 'name="website_url"' in html
    honeypot = re.search(r'<p style="([^"]*)" aria-hidden="true">.*?name="website_url"', html)
    assert honeypot is not None and "left:-10000px" in honeypot.group(1)
    assert 'tabindex="-1"' in html


def test_the_snippets_form_fields_create_a_lead_when_posted(api_as, admin_user, north):
    body = (
        api_as(admin_user)
        .post("/settings/capture-forms", {"name": "Contact us", "default_team_id": north.pk})
        .json()
    )
    names = set(re.findall(r'name="(\w+)"', body["embed_html"]))
    posted = {name: "" for name in names} | {"last_name": "Lima", "email": "ana@lima.example"}

    response = Client().post(body["submit_url"].removeprefix("http://testserver"), posted)

    assert response.status_code == 201
    assert response.json()["message"] == body["success_message"]


def test_a_capture_form_needs_a_default_owner_or_team(api_as, admin_user):
    response = api_as(admin_user).post("/settings/capture-forms", {"name": "Orphan"})

    assert invalid_fields(response) == {"default_team_id"}
    assert not LeadCaptureForm.objects.exists()


def test_a_capture_form_cannot_lose_both_its_owner_and_team(api_as, admin_user, north):
    form = CaptureFormFactory(default_team=north)

    response = api_as(admin_user).patch(
        f"/settings/capture-forms/{form.pk}", {"default_team_id": None}
    )

    assert invalid_fields(response) == {"default_team_id"}


def test_deactivating_a_capture_form(api_as, admin_user, north):
    form = CaptureFormFactory(default_team=north)

    response = api_as(admin_user).patch(f"/settings/capture-forms/{form.pk}", {"is_active": False})

    assert response.json()["is_active"] is False


def test_a_capture_form_leads_came_through_is_not_deleted(api_as, admin_user, north):
    form = CaptureFormFactory(default_team=north)
    LeadFactory(capture_form=form)
    api = api_as(admin_user)

    refused = api.delete(f"/settings/capture-forms/{form.pk}")

    assert refused.status_code == 409
    assert LeadCaptureForm.objects.filter(pk=form.pk).exists()


def test_capture_forms_are_for_admins(api_as, manager, north):
    form = CaptureFormFactory(default_team=north)
    api = api_as(manager)

    new = {"name": "x", "default_team_id": north.pk}

    assert api.get("/settings/capture-forms").status_code == 403
    assert api.post("/settings/capture-forms", new).status_code == 403
    assert api.patch(f"/settings/capture-forms/{form.pk}", {"is_active": False}).status_code == 403
    assert api.delete(f"/settings/capture-forms/{form.pk}").status_code == 403


def test_a_capture_form_with_a_bad_limit_answers_422(api_as, admin_user, north):
    response = api_as(admin_user).post(
        "/settings/capture-forms",
        {"name": "x", "default_team_id": north.pk, "max_submissions_per_ip": 0},
    )

    assert invalid_fields(response) == {"max_submissions_per_ip"}


# Disqualification reasons and campaigns ---------------------------------------------------------


def test_every_signed_in_user_reads_the_disqualification_reasons(api_as, rep):
    retired = DisqualificationReason.objects.create(name="Old reason", is_active=False)
    api = api_as(rep)

    every = api.get("/disqualification-reasons")
    active = api.get("/disqualification-reasons", {"active": "true"})

    assert retired.pk in ids(every)
    assert retired.pk not in ids(active)
    assert active.json()["items"][0]["name"] == "No budget"


def test_a_manager_adds_a_campaign_and_everyone_lists_it(api_as, manager, rep):
    created = api_as(manager).post(
        "/campaigns",
        {"name": "Spring fair", "channel": "outbound", "source": "exhibition", "cost": "2500"},
    )

    assert created.status_code == 201
    assert (created.json()["cost"], created.json()["currency"]) == ("2500.00", "EUR")
    assert created.json()["id"] in ids(api_as(rep).get("/campaigns", {"q": "spring"}))


def test_a_rep_cannot_add_a_campaign(api_as, rep):
    response = api_as(rep).post("/campaigns", {"name": "Mine", "channel": "inbound"})

    assert response.status_code == 403
    assert not Campaign.objects.filter(name="Mine").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "channel": "sideways"}, "channel"),
        ({"name": "x", "channel": "inbound", "cost": "-1"}, "cost"),
        (
            {"name": "x", "channel": "inbound", "starts_on": "2027-05-02", "ends_on": "2027-05-01"},
            "ends_on",
        ),
    ],
)
def test_bad_campaign_input_answers_422_naming_the_field(api_as, admin_user, body, field):
    assert invalid_fields(api_as(admin_user).post("/campaigns", body)) == {field}


def test_a_campaign_name_is_unique(api_as, admin_user):
    api = api_as(admin_user)
    api.post("/campaigns", {"name": "Fair", "channel": "inbound"})

    assert invalid_fields(api.post("/campaigns", {"name": "Fair", "channel": "inbound"})) == {
        "name"
    }


def test_the_campaign_list_takes_a_constant_number_of_queries(
    api_as, rep, django_assert_max_num_queries
):
    for n in range(5):
        Campaign.objects.create(name=f"Campaign {n}", channel="inbound")
    api = api_as(rep)

    with django_assert_max_num_queries(4):
        assert api.get("/campaigns").json()["count"] == 5


# Scoring rules on lead custom fields ------------------------------------------------------------


@pytest.fixture
def visits(admin_user):
    return custom_field_create(
        acting_user=admin_user, kind="lead", key="total_visits", label="Total visits", type="number"
    )


@pytest.fixture
def origin(admin_user):
    return custom_field_create(
        acting_user=admin_user,
        kind="lead",
        key="lead_origin",
        label="Lead origin",
        type="choice",
        choices=["API", "Landing Page Submission", "Lead Add Form"],
    )


def test_an_admin_adds_a_range_rule_on_a_lead_field_by_its_key(api_as, admin_user, visits):
    api = api_as(admin_user)

    created = api.post(
        "/settings/scoring-rules",
        {
            "condition": "custom_number_range",
            "custom_field": "total_visits",
            "threshold": "5",
            "points": 15,
        },
    )
    changed = api.patch(f"/settings/scoring-rules/{created.json()['id']}", {"threshold_max": "10"})

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["custom_field"], body["category"], body["name"]) == ("total_visits", "custom", "")
    assert body["explained"] == "Total visits of at least 5"
    assert body["not_counting_reason"] == ""
    assert changed.json()["explained"] == "Total visits between 5 and 10"


def test_a_choice_rule_takes_choices_by_label_and_answers_their_keys(api_as, admin_user, origin):
    response = api_as(admin_user).post(
        "/settings/scoring-rules",
        {
            "name": "Strong origin",
            "condition": "custom_choice_in",
            "custom_field": "lead_origin",
            "values": ["Lead Add Form", "api"],
            "points": 20,
        },
    )

    assert response.status_code == 201, response.content
    assert response.json()["values"] == ["api", "lead_add_form"]
    assert response.json()["explained"] == "Lead origin is API or Lead Add Form"


def test_a_rule_on_a_field_of_the_wrong_type_answers_422_naming_the_field(
    api_as, admin_user, origin
):
    response = api_as(admin_user).post(
        "/settings/scoring-rules",
        {"condition": "custom_yes", "custom_field": "lead_origin", "points": 5},
    )

    assert invalid_fields(response) == {"custom_field"}
    message = response.json()["detail"][0]["msg"]
    assert "“Lead origin” (lead_origin) is a one choice field" in message
    assert "yes/no" in message
    assert not ScoringRule.objects.filter(custom_field=origin).exists()


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("shoe_size", "There is no lead field with the key 'shoe_size'."),
        ("visits", "“Visits” (visits) is a contact field; scoring rules read lead fields."),
    ],
)
def test_a_rule_on_a_field_that_is_not_a_lead_field_answers_422_naming_it(
    api_as, admin_user, key, words
):
    custom_field_create(
        acting_user=admin_user, kind="contact", key="visits", label="Visits", type="number"
    )

    response = api_as(admin_user).post(
        "/settings/scoring-rules",
        {"condition": "custom_number_range", "custom_field": key, "threshold": 1, "points": 5},
    )

    assert invalid_fields(response) == {"custom_field"}
    assert response.json()["detail"][0]["msg"] == words


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"condition": "custom_number_range", "custom_field": "total_visits"}, "threshold"),
        (
            {"condition": "custom_number_range", "custom_field": "total_visits", "threshold": 9,
             "threshold_max": 5},
            "threshold_max",
        ),
        ({"condition": "custom_number_range", "threshold": 1}, "custom_field"),
        ({"condition": "budget_confirmed", "threshold_max": 5, "name": "x"}, "threshold_max"),
        ({"condition": "budget_confirmed"}, "name"),
    ],
)  # fmt: skip
def test_bad_custom_rule_input_answers_422_naming_the_field(
    api_as, admin_user, visits, body, field
):
    before = ScoringRule.objects.count()

    response = api_as(admin_user).post("/settings/scoring-rules", {**body, "points": 5})

    assert invalid_fields(response) == {field}
    assert ScoringRule.objects.count() == before


def test_the_rule_list_says_a_rule_on_an_archived_field_is_not_counting(api_as, admin_user, visits):
    api = api_as(admin_user)
    created = api.post(
        "/settings/scoring-rules",
        {"condition": "custom_number_range", "custom_field": "total_visits", "threshold": 5,
         "points": 15},
    )  # fmt: skip
    custom_field_archive(visits, acting_user=admin_user)

    listed = {item["id"]: item for item in api.get("/settings/scoring-rules").json()["items"]}

    assert listed[created.json()["id"]]["not_counting_reason"] == (
        "Total visits is archived: the rule counts again once it is restored."
    )


def test_custom_rules_are_for_admins(api_as, manager, visits):
    response = api_as(manager).post(
        "/settings/scoring-rules",
        {"condition": "custom_yes", "custom_field": "total_visits", "points": 5},
    )

    assert response.status_code == 403


def test_the_rule_list_with_custom_rules_takes_a_constant_number_of_queries(
    api_as, admin_user, visits, origin, django_assert_max_num_queries
):
    for n in range(4):
        scoring_rule_save(
            ScoringRule(), acting_user=admin_user, condition="custom_number_range",
            custom_field=visits, threshold=n, points=5,
        )  # fmt: skip
        scoring_rule_save(
            ScoringRule(), acting_user=admin_user, condition="custom_choice_in",
            custom_field=origin, values=["api"], points=5,
        )  # fmt: skip
    api = api_as(admin_user)

    with django_assert_max_num_queries(3):
        assert api.get("/settings/scoring-rules").json()["count"] >= 8
