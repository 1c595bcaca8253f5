"""The scoring-rule form with rules on lead custom fields."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from conftest import client_for
from salesflow.customfields.models import CustomField
from salesflow.customfields.services import custom_field_archive, custom_field_create
from salesflow.leads.models import ScoringRule
from salesflow.leads.scoring_rules import scoring_rule_save

pytestmark = pytest.mark.django_db


def url(name: str, *args: object) -> str:
    return reverse(f"lead-settings:{name}", args=args)


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


def define(admin, key: str, type_: str, kind: str = "lead", **extra) -> CustomField:
    label = key.replace("_", " ").capitalize()
    return custom_field_create(
        acting_user=admin, kind=kind, key=key, label=label, type=type_, **extra
    )


@pytest.fixture
def visits(admin_user) -> CustomField:
    return define(admin_user, "total_visits", "number")


@pytest.fixture
def origin(admin_user) -> CustomField:
    return define(
        admin_user,
        "lead_origin",
        "choice",
        choices=["API", "Landing Page Submission", "Lead Add Form"],
    )


def rule_data(field: CustomField, **changes) -> dict:
    data = {
        "name": "",
        "condition": "custom_number_range",
        "custom_field": str(field.pk),
        "threshold": "5",
        "threshold_max": "10",
        "values": "",
        "points": "15",
        "half_life_days": "",
        "position": "30",
        "is_active": "on",
    }
    return {**data, **changes}


def test_an_admin_adds_a_range_rule_and_the_page_says_what_it_tests(admin_client, visits):
    response = admin_client.post(url("scoring-rule-create"), rule_data(visits))

    assert response["Location"] == url("scoring")
    rule = ScoringRule.objects.get(custom_field=visits)
    assert (rule.threshold, rule.threshold_max, rule.points) == (5, 10, 15)
    assert "Total visits between 5 and 10" in admin_client.get(url("scoring")).content.decode()


def test_an_admin_adds_a_choice_rule_by_labels_one_per_line(admin_client, origin):
    data = rule_data(
        origin,
        condition="custom_choice_in",
        threshold="",
        threshold_max="",
        values="Lead Add Form\napi",
        name="Strong origin",
    )

    admin_client.post(url("scoring-rule-create"), data)

    rule = ScoringRule.objects.get(custom_field=origin)
    assert (rule.name, rule.values) == ("Strong origin", ["api", "lead_add_form"])


def test_the_edit_form_shows_a_rules_choices_by_label_and_keeps_them(
    admin_client, admin_user, origin
):
    rule = scoring_rule_save(
        ScoringRule(), acting_user=admin_user, condition="custom_choice_in",
        custom_field=origin, values=["api", "lead_add_form"], points=20,
    )  # fmt: skip

    form = admin_client.get(url("scoring-rule-edit", rule.pk)).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data["points"] = "25"
    admin_client.post(url("scoring-rule-edit", rule.pk), {**data, "is_active": "on"})

    assert form.initial["values"] == "API\nLead Add Form"
    rule.refresh_from_db()
    assert (rule.points, rule.values) == (25, ["api", "lead_add_form"])


def test_a_rule_on_a_field_of_the_wrong_type_shows_an_error_naming_the_field(admin_client, origin):
    response = admin_client.post(url("scoring-rule-create"), rule_data(origin))

    errors = response.context["form"].errors
    assert set(errors) == {"custom_field"}
    assert "“Lead origin” (lead_origin) is a one choice field" in errors["custom_field"][0]
    assert not ScoringRule.objects.filter(custom_field=origin).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"threshold": "", "threshold_max": ""}, "threshold"),
        ({"threshold": "10", "threshold_max": "5"}, "threshold_max"),
        ({"custom_field": ""}, "custom_field"),
        ({"half_life_days": "7"}, "half_life_days"),
    ],
)
def test_bad_custom_rule_input_shows_the_error_and_saves_nothing(
    admin_client, visits, changes, field
):
    response = admin_client.post(url("scoring-rule-create"), rule_data(visits, **changes))

    assert field in response.context["form"].errors
    assert not ScoringRule.objects.filter(custom_field=visits).exists()


def test_an_unknown_choice_shows_an_error_naming_the_field_and_its_choices(admin_client, origin):
    data = rule_data(
        origin, condition="custom_choice_in", threshold="", threshold_max="", values="Billboard"
    )

    errors = admin_client.post(url("scoring-rule-create"), data).context["form"].errors

    assert errors["values"] == [
        "Lead origin has no choice 'Billboard'; it has API, Landing Page Submission, Lead Add Form."
    ]


def test_a_date_rule_may_decay(admin_client, admin_user):
    last_visit = define(admin_user, "last_visit_on", "date")
    data = rule_data(
        last_visit, condition="custom_date_within", threshold="30", threshold_max="",
        half_life_days="10",
    )  # fmt: skip

    admin_client.post(url("scoring-rule-create"), data)

    rule = ScoringRule.objects.get(custom_field=last_visit)
    assert (rule.threshold, rule.half_life_days) == (30, 10)


def test_a_built_in_rule_still_needs_a_name(admin_client):
    data = {"name": "", "condition": "budget_confirmed", "points": "5", "position": "1"}

    response = admin_client.post(url("scoring-rule-create"), data)

    assert "name" in response.context["form"].errors


def test_the_form_offers_only_active_lead_fields_a_rule_can_read(admin_client, admin_user, visits):
    define(admin_user, "visits", "number", kind="contact")
    define(admin_user, "notes_text", "text")
    archived = define(admin_user, "old_score", "number")
    custom_field_archive(archived, acting_user=admin_user)

    offered = admin_client.get(url("scoring-rule-create")).context["form"]["custom_field"]

    assert [choice.choice_label for choice in offered] == [
        "None (the other conditions)",
        "Total visits (whole number)",
    ]


def test_the_scoring_page_says_a_rule_on_an_archived_field_is_not_counting(
    admin_client, admin_user, visits
):
    scoring_rule_save(
        ScoringRule(), acting_user=admin_user, condition="custom_number_range",
        custom_field=visits, threshold=5, points=15,
    )  # fmt: skip
    custom_field_archive(visits, acting_user=admin_user)

    content = html.unescape(admin_client.get(url("scoring")).content.decode())

    assert "Not counting" in content
    assert "Total visits is archived: the rule counts again once it is restored." in content


def test_custom_rule_pages_are_forbidden_to_a_manager(manager, admin_user, visits):
    rule = scoring_rule_save(
        ScoringRule(), acting_user=admin_user, condition="custom_number_range",
        custom_field=visits, threshold=5, points=15,
    )  # fmt: skip
    client = client_for(manager)

    assert client.get(url("scoring-rule-edit", rule.pk)).status_code == 403
    assert client.post(url("scoring-rule-edit", rule.pk), rule_data(visits)).status_code == 403
    rule.refresh_from_db()
    assert rule.threshold_max is None
