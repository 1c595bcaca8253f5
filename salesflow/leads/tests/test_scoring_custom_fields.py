"""Scoring rules on lead custom fields: number ranges, choices, yes/no and dated values that
decay; what the breakdown says; archived fields; refusals that name the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from salesflow.customfields.models import CustomField, FieldType, RecordKind
from salesflow.customfields.services import (
    custom_field_archive,
    custom_field_create,
    custom_field_restore,
    custom_field_type_change,
    custom_field_update,
)
from salesflow.leads.models import Lead, ScoringRule
from salesflow.leads.scoring import (
    LeadFacts,
    ScoringContext,
    lead_rescore,
    leads_rescore_all,
    score_compute,
)
from salesflow.leads.scoring_rules import scoring_rule_save
from salesflow.leads.selectors import scoring_settings
from salesflow.leads.services import lead_update
from tests.factories import LeadFactory

NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
TODAY = NOW.date()

# In-memory definitions for the pure tests: (key, label, type, choices, currency)
DEFINITIONS = [
    ("total_visits", "Total visits", FieldType.NUMBER, [], ""),
    ("page_views", "Page views per visit", FieldType.DECIMAL, [], ""),
    ("budget", "Budget", FieldType.MONEY, [], "EUR"),
    ("lead_origin", "Lead origin", FieldType.CHOICE, ["API", "Landing Page", "Lead Add Form"], ""),
    ("interests", "Interests", FieldType.CHOICES, ["Data", "Marketing", "Design"], ""),
    ("newsletter", "Newsletter", FieldType.YES_NO, [], ""),
    ("last_visit_on", "Last visit", FieldType.DATE, [], ""),
    ("demo_at", "Demo", FieldType.DATETIME, [], ""),
    ("notes_text", "Notes", FieldType.TEXT, [], ""),
]


def _choices(labels: list[str]) -> list[dict]:
    return [
        {"key": label.lower().replace(" ", "_"), "label": label, "archived": False}
        for label in labels
    ]


FIELDS = {
    key: CustomField(
        pk=n + 1,
        kind=RecordKind.LEAD,
        key=key,
        label=label,
        type=type_,
        choices=_choices(labels),
        currency=currency,
    )
    for n, (key, label, type_, labels, currency) in enumerate(DEFINITIONS)
}


def rule(field: str, condition: str, points: int = 15, name: str = "", **extra) -> ScoringRule:
    made = ScoringRule(
        pk=1, name=name, condition=condition, points=points, custom_field=FIELDS[field], **extra
    )
    return made


def scored(custom: dict, *rules: ScoringRule):
    ctx = ScoringContext(rules=list(rules), criteria=[], hot_min=60, warm_min=30, now=NOW)
    return score_compute(LeadFacts(created_at=NOW, custom=custom), ctx)


def labels(custom: dict, *rules: ScoringRule) -> list[str]:
    return [item["label"] for item in scored(custom, *rules).breakdown]


# Conditions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visits", "points"), [(4, 0), (5, 15), (7, 15), (10, 15), (11, 0), (None, 0)]
)
def test_a_number_range_counts_from_its_lowest_to_its_highest_value(visits, points):
    between = rule("total_visits", "custom_number_range", threshold=5, threshold_max=10)
    custom = {} if visits is None else {"total_visits": visits}

    assert scored(custom, between).score == points


def test_a_range_open_at_one_end_counts_everything_beyond_the_other():
    at_least = rule("page_views", "custom_number_range", 10, threshold=Decimal("2.5"))
    at_most = rule("page_views", "custom_number_range", -5, threshold_max=Decimal("1"))

    assert scored({"page_views": 2.49}, at_least, at_most).score == 0
    assert scored({"page_views": 2.5}, at_least, at_most).score == 10
    assert scored({"page_views": 55.0}, at_least, at_most).score == 10
    assert scored({"page_views": 0}, at_least, at_most).score == -5


def test_a_choice_rule_counts_when_the_lead_has_one_of_its_choices():
    origin = rule("lead_origin", "custom_choice_in", 20, values=["api", "lead_add_form"])
    interests = rule("interests", "custom_choice_in", 5, values=["data"])

    assert scored({"lead_origin": "lead_add_form"}, origin).score == 20
    assert scored({"lead_origin": "landing_page"}, origin).score == 0
    assert scored({"interests": ["marketing", "data"]}, interests).score == 5
    assert scored({"interests": ["marketing", "design"]}, interests).score == 0


def test_yes_and_no_rules_count_only_the_answer_they_name():
    yes = rule("newsletter", "custom_yes", 5)
    no = rule("newsletter", "custom_no", -5)

    assert scored({"newsletter": True}, yes, no).score == 5
    assert scored({"newsletter": False}, yes, no).score == -5
    assert scored({}, yes, no).score == 0  # not answered is neither


@pytest.mark.parametrize(
    ("days_ago", "points"), [(0, 20), (10, 10), (20, 5), (30, 2), (31, 0), (-3, 0)]
)
def test_a_date_rule_halves_its_points_every_half_life_since_the_date(days_ago, points):
    recent = rule("last_visit_on", "custom_date_within", 20, threshold=30, half_life_days=10)
    day = (TODAY - dt.timedelta(days=days_ago)).isoformat()

    assert scored({"last_visit_on": day}, recent).score == points


def test_a_date_rule_without_a_half_life_keeps_its_points_within_its_days():
    recent = rule("last_visit_on", "custom_date_within", 20, threshold=30)
    day = (TODAY - dt.timedelta(days=29)).isoformat()

    assert scored({"last_visit_on": day}, recent).score == 20


def test_a_date_and_time_field_decays_from_its_moment():
    recent = rule("demo_at", "custom_date_within", 16, threshold=7, half_life_days=1)
    two_days_ago = (NOW - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert scored({"demo_at": two_days_ago}, recent).score == 4


def test_a_value_of_another_shape_gives_no_points():
    at_least = rule("total_visits", "custom_number_range", threshold=1)
    recent = rule("last_visit_on", "custom_date_within", threshold=30)

    assert scored({"total_visits": "many", "last_visit_on": "soon"}, at_least, recent).score == 0
    assert scored({"total_visits": True}, at_least).score == 0
    no = rule("newsletter", "custom_no", -5)
    assert scored({"newsletter": 0}, no).score == 0  # yes/no values are true or false only


# What the breakdown says ------------------------------------------------------------------------


def test_the_breakdown_says_what_each_custom_rule_tested():
    rules = [
        rule("total_visits", "custom_number_range", 15, threshold=5),
        rule("page_views", "custom_number_range", 5, threshold=2, threshold_max=Decimal("3.5")),
        rule("total_visits", "custom_number_range", -5, threshold_max=20),
        rule("budget", "custom_number_range", 10, threshold=5000),
        rule("lead_origin", "custom_choice_in", 20, values=["api", "lead_add_form"]),
        rule("interests", "custom_choice_in", 3, values=["data"]),
        rule("newsletter", "custom_yes", 2),
        rule("last_visit_on", "custom_date_within", 8, threshold=30),
    ]
    custom = {
        "total_visits": 7, "page_views": 2.5, "budget": 12000.0, "lead_origin": "api",
        "interests": ["data"], "newsletter": True, "last_visit_on": TODAY.isoformat(),
    }  # fmt: skip

    assert labels(custom, *rules) == [
        "+15 Total visits of at least 5",
        "+5 Page views per visit between 2 and 3.5",
        "-5 Total visits of at most 20",
        "+10 Budget of at least EUR 5,000",
        "+20 Lead origin is API or Lead Add Form",
        "+3 Interests includes Data",
        "+2 Newsletter is yes",
        "+8 Last visit in the last 30 days",
    ]
    assert {item["category"] for item in scored(custom, *rules).breakdown} == {"custom"}


def test_an_admins_own_name_comes_before_what_the_rule_tested():
    named = rule("total_visits", "custom_number_range", 15, "Engaged visitor", threshold=5)

    assert labels({"total_visits": 9}, named) == [
        "+15 Engaged visitor (Total visits of at least 5)"
    ]


def test_the_breakdown_uses_the_fields_current_labels():
    origin = rule("lead_origin", "custom_choice_in", 20, values=["api"])
    renamed = CustomField(
        pk=99, kind="lead", key="lead_origin", label="Origin", type=FieldType.CHOICE,
        choices=[{"key": "api", "label": "Partner API", "archived": False}],
    )  # fmt: skip
    origin.custom_field = renamed

    assert labels({"lead_origin": "api"}, origin) == ["+20 Origin is Partner API"]


# Rules that stop counting -----------------------------------------------------------------------


def test_a_rule_on_an_archived_field_gives_no_points():
    archived = CustomField(**{**_definition("total_visits"), "archived_at": NOW})
    at_least = rule("total_visits", "custom_number_range", threshold=1)
    at_least.custom_field = archived

    assert scored({"total_visits": 9}, at_least).score == 0
    assert "archived" in at_least.not_counting_reason


def test_a_rule_whose_field_changed_type_gives_no_points():
    now_text = CustomField(**{**_definition("total_visits"), "type": FieldType.TEXT})
    at_least = rule("total_visits", "custom_number_range", threshold=1)
    at_least.custom_field = now_text

    assert scored({"total_visits": "9"}, at_least).score == 0
    assert "Total visits" in at_least.not_counting_reason
    assert "text field" in at_least.not_counting_reason


def _definition(key: str) -> dict:
    field = FIELDS[key]
    return {f.attname: getattr(field, f.attname) for f in CustomField._meta.fields}


# With the database: rescoring, archiving, refusals ---------------------------------------------


@pytest.fixture
def visits(admin_user) -> CustomField:
    return custom_field_create(
        acting_user=admin_user, kind="lead", key="total_visits", label="Total visits", type="number"
    )


@pytest.fixture
def origin(admin_user) -> CustomField:
    return custom_field_create(
        acting_user=admin_user,
        kind="lead",
        key="lead_origin",
        label="Lead origin",
        type="choice",
        choices=["API", "Landing Page Submission", "Lead Add Form"],
    )


def _only_custom_rules() -> None:
    # The seeded default rules would add "No activity" and the like; these tests read only theirs.
    ScoringRule.objects.all().delete()


@pytest.mark.django_db
@pytest.mark.parametrize("leads", [5, 40])
def test_rescoring_many_leads_reads_their_custom_values_with_the_lead_rows(
    admin_user, rep, visits, origin, leads, django_assert_max_num_queries
):
    _only_custom_rules()
    scoring_rule_save(
        ScoringRule(), acting_user=admin_user, condition="custom_number_range",
        custom_field=visits, threshold=5, points=15,
    )  # fmt: skip
    scoring_rule_save(
        ScoringRule(), acting_user=admin_user, condition="custom_choice_in",
        custom_field=origin, values=["Lead Add Form"], points=20,
    )  # fmt: skip
    for n in range(leads):
        custom = {"total_visits": n % 10, "lead_origin": "lead_add_form" if n % 3 else "api"}
        LeadFactory(owner=rep, custom=custom)
    scoring_settings()

    # Settings, rules with their fields (one join), criteria; per chunk: leads with their
    # custom values, engagement, the savepoint around the writes (executemany and scored_at);
    # then the empty chunk that ends it. The same for 5 or 40 leads.
    with django_assert_max_num_queries(3 + (1 + 1 + 2 + 2) + 1):
        leads_rescore_all(chunk_size=100)

    expected = {
        pk: 15 * (custom["total_visits"] >= 5) + 20 * (custom["lead_origin"] == "lead_add_form")
        for pk, custom in Lead.objects.values_list("pk", "custom")
    }
    assert dict(Lead.objects.values_list("pk", "score")) == expected


@pytest.mark.django_db
def test_changing_a_custom_value_rescores_the_lead(admin_user, rep, visits):
    _only_custom_rules()
    scoring_rule_save(
        ScoringRule(), acting_user=admin_user, condition="custom_number_range",
        custom_field=visits, threshold=5, points=15,
    )  # fmt: skip
    lead = LeadFactory(owner=rep)

    lead = lead_update(lead, acting_user=rep, custom={"total_visits": 6})

    assert lead.score == 15
    assert [item["label"] for item in lead.score_breakdown] == ["+15 Total visits of at least 5"]


@pytest.mark.django_db
def test_archiving_the_field_stops_its_rules_counting_until_it_is_restored(admin_user, rep, visits):
    _only_custom_rules()
    scoring_rule_save(
        ScoringRule(), acting_user=admin_user, condition="custom_number_range",
        custom_field=visits, threshold=5, points=15,
    )  # fmt: skip
    lead = LeadFactory(owner=rep, custom={"total_visits": 8})
    assert lead_rescore(lead).score == 15

    custom_field_archive(visits, acting_user=admin_user)
    leads_rescore_all()
    lead.refresh_from_db()
    assert (lead.score, lead.score_breakdown) == (0, [])

    custom_field_restore(visits, acting_user=admin_user)
    assert lead_rescore(lead).score == 15


@pytest.mark.django_db
def test_a_field_changing_type_under_a_rule_stops_it_counting(admin_user, rep, visits):
    _only_custom_rules()
    made = scoring_rule_save(
        ScoringRule(), acting_user=admin_user, condition="custom_number_range",
        custom_field=visits, threshold=5, points=15,
    )  # fmt: skip
    lead = LeadFactory(owner=rep, custom={"total_visits": 8})

    custom_field_type_change(visits, acting_user=admin_user, to_type="text")

    assert lead_rescore(lead).score == 0
    made.refresh_from_db()
    assert "text field" in made.not_counting_reason


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("condition", "extra"),
    [
        ("custom_number_range", {"threshold": 5}),
        ("custom_yes", {}),
        ("custom_date_within", {"threshold": 30}),
    ],
)
def test_a_rule_on_a_field_of_the_wrong_type_is_refused_naming_the_field(
    admin_user, origin, condition, extra
):
    with pytest.raises(ValidationError) as caught:
        scoring_rule_save(
            ScoringRule(), acting_user=admin_user, condition=condition, custom_field=origin,
            points=5, **extra,
        )  # fmt: skip

    message = caught.value.message_dict["custom_field"][0]
    assert "Lead origin" in message and "one choice field" in message
    assert not ScoringRule.objects.filter(custom_field=origin).exists()


@pytest.mark.django_db
def test_a_rule_on_a_contact_field_is_refused_naming_the_field(admin_user):
    contact_field = custom_field_create(
        acting_user=admin_user, kind="contact", key="visits", label="Visits", type="number"
    )

    with pytest.raises(ValidationError) as caught:
        scoring_rule_save(
            ScoringRule(), acting_user=admin_user, condition="custom_number_range",
            custom_field=contact_field, threshold=1, points=5,
        )  # fmt: skip

    assert caught.value.message_dict["custom_field"] == [
        "“Visits” (visits) is a contact field; scoring rules read lead fields."
    ]


@pytest.mark.django_db
def test_a_rule_cannot_be_put_on_an_archived_field(admin_user, visits):
    custom_field_archive(visits, acting_user=admin_user)

    with pytest.raises(ValidationError, match="Total visits is archived"):
        scoring_rule_save(
            ScoringRule(), acting_user=admin_user, condition="custom_number_range",
            custom_field=visits, threshold=1, points=5,
        )  # fmt: skip


@pytest.mark.django_db
def test_choices_are_given_by_label_or_key_and_stored_as_keys(admin_user, origin):
    made = scoring_rule_save(
        ScoringRule(), acting_user=admin_user, condition="custom_choice_in",
        custom_field=origin, values=["lead add form", "api"], points=20,
    )  # fmt: skip

    assert made.values == ["api", "lead_add_form"]
    assert made.title == "Lead origin is API or Lead Add Form"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"values": ["Billboard"]}, "values", "Lead origin has no choice 'Billboard'"),
        ({"values": []}, "values", "at least one choice of Lead origin"),
    ],
)
def test_a_choice_rule_needs_choices_of_its_field(admin_user, origin, extra, field, words):
    with pytest.raises(ValidationError) as caught:
        scoring_rule_save(
            ScoringRule(), acting_user=admin_user, condition="custom_choice_in",
            custom_field=origin, points=5, **extra,
        )  # fmt: skip

    assert words in caught.value.message_dict[field][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({}, "threshold"),
        ({"threshold": 10, "threshold_max": 5}, "threshold_max"),
    ],
)
def test_a_number_range_needs_an_end_and_its_ends_in_order(admin_user, visits, extra, field):
    with pytest.raises(ValidationError) as caught:
        scoring_rule_save(
            ScoringRule(), acting_user=admin_user, condition="custom_number_range",
            custom_field=visits, points=5, **extra,
        )  # fmt: skip

    assert set(caught.value.message_dict) == {field}
    assert "Total visits" in caught.value.message_dict[field][0]


@pytest.mark.django_db
def test_a_rule_without_a_name_is_named_by_what_it_tests_now(admin_user, rep, visits):
    _only_custom_rules()
    made = scoring_rule_save(
        ScoringRule(), acting_user=admin_user, condition="custom_number_range",
        custom_field=visits, threshold=5, points=15,
    )  # fmt: skip
    scoring_rule_save(made, acting_user=admin_user, threshold=8)
    assert str(made) == "+15 Total visits of at least 8"
    custom_field_update(visits, acting_user=admin_user, label="Visits")
    lead = LeadFactory(owner=rep, custom={"total_visits": 9})

    assert [item["label"] for item in lead_rescore(lead).score_breakdown] == [
        "+15 Visits of at least 8"
    ]


@pytest.mark.django_db
def test_a_rule_on_a_built_in_condition_needs_a_name(admin_user):
    with pytest.raises(ValidationError) as caught:
        scoring_rule_save(
            ScoringRule(), acting_user=admin_user, name=" ", condition="budget_confirmed", points=5
        )

    assert set(caught.value.message_dict) == {"name"}


@pytest.mark.django_db
def test_switching_a_rule_to_a_built_in_condition_drops_its_field(admin_user, visits):
    made = scoring_rule_save(
        ScoringRule(), acting_user=admin_user, condition="custom_number_range",
        custom_field=visits, threshold=5, threshold_max=9, points=15,
    )  # fmt: skip

    scoring_rule_save(
        made, acting_user=admin_user, name="Budget", condition="budget_confirmed", threshold=None
    )

    made.refresh_from_db()
    assert (made.custom_field, made.threshold_max, made.values) == (None, None, [])


@pytest.mark.django_db
def test_only_an_admin_writes_scoring_rules(manager, visits):
    with pytest.raises(PermissionDenied):
        scoring_rule_save(
            ScoringRule(), acting_user=manager, condition="custom_number_range",
            custom_field=visits, threshold=5, points=15,
        )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    "row",
    [
        {"condition": "custom_yes"},  # a custom condition without its field
        {"condition": "budget_confirmed", "name": ""},
        {"condition": "budget_confirmed", "threshold_max": 5},
        {"condition": "custom_number_range", "with_field": True},  # no end
        {
            "condition": "custom_number_range",
            "threshold": 9,
            "threshold_max": 5,
            "with_field": True,
        },
    ],
)
def test_the_database_refuses_rules_that_cannot_be_scored(visits, row):
    row = dict(row)
    field = visits if row.pop("with_field", False) else None

    with pytest.raises(IntegrityError), transaction.atomic():
        ScoringRule.objects.create(**{"name": "x", "points": 1, "custom_field": field, **row})
