"""The set-based rescoring run (`leads_rescore_all`, `leads_rescore`: salesflow/leads/rescoring.py)
stores exactly what scoring each lead on its own (`lead_rescore`) stores: score, grade, fit,
breakdown and when it was scored, for every kind of rule and every kind of lead."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime

from salesflow.customfields.models import CustomField, FieldType, RecordKind
from salesflow.leads.models import Lead, ProfileCriterion, Qualification, ScoringRule
from salesflow.leads.rescoring import _datetime_converter, _Run
from salesflow.leads.scoring import lead_rescore, leads_rescore, leads_rescore_all, scoring_context
from salesflow.leads.tests.factories import CaptureFormFactory
from tests.factories import ActivityFactory, LeadFactory

NOW = dt.datetime(2027, 3, 1, 12, 30, 15, 250000, tzinfo=dt.UTC)
TODAY = NOW.date()
DAY = dt.timedelta(days=1)
STORED = ("fit_score", "score", "grade", "score_breakdown", "scored_at")


def _field(key: str, type_: str, choices: tuple[str, ...] = (), archived: bool = False):
    return CustomField.objects.create(
        kind=RecordKind.LEAD,
        key=key,
        label=key.replace("_", " ").capitalize(),
        type=type_,
        choices=[{"key": c, "label": c.title(), "archived": False} for c in choices],
        archived_at=NOW - DAY if archived else None,
    )


def _rules() -> list[ScoringRule]:
    """Every kind of rule, with edges: thresholds above 1, no half-life, archived fields."""
    ScoringRule.objects.all().delete()
    visits = _field("visits", FieldType.NUMBER)
    origin = _field("origin", FieldType.CHOICE, ("api", "form", "import"))
    interests = _field("interests", FieldType.CHOICES, ("data", "design"))
    newsletter = _field("newsletter", FieldType.YES_NO)
    visited = _field("visited_on", FieldType.DATE)
    demo_at = _field("demo_at", FieldType.DATETIME)
    gone = _field("gone", FieldType.NUMBER, archived=True)
    specs = [
        ("Fits", "profile_fit", 50, 10, None, {}),
        ("Fits well", "profile_fit", 80, 10, None, {}),
        ("Budget", "budget_confirmed", None, 20, None, {}),
        ("Big budget", "budget_at_least", Decimal("10000.49"), 5, None, {}),
        ("Decides", "is_decision_maker", None, 15, None, {}),
        ("Need", "need_stated", None, 5, None, {}),
        ("Pain", "pain_level_gte", 4, 10, None, {}),
        ("Soon", "timeline_within_days", 90, 10, None, {}),
        ("Replied", "email_replied", 1, 10, 14, {}),
        ("Replied twice", "email_replied", 2, 7, None, {}),
        ("Met", "meeting_held", 1, 15, 30, {}),
        ("Visited", "visit_held", 1, 15, None, {}),
        ("Demo", "demo_requested", 1, 20, 30, {}),
        ("Form", "form_filled", None, 5, 30, {}),
        ("Form, lasting", "form_filled", None, 3, None, {}),
        ("Idle", "no_activity_days", 30, -10, None, {}),
        ("", "custom_number_range", 5, 8, None, {"custom_field": visits, "threshold_max": 10}),
        ("Origin", "custom_choice_in", None, 6, None, {"custom_field": origin, "values": ["api"]}),
        ("", "custom_choice_in", None, 4, None, {"custom_field": interests, "values": ["data"]}),
        ("", "custom_yes", None, 3, None, {"custom_field": newsletter}),
        ("Said no", "custom_no", None, -3, None, {"custom_field": newsletter}),
        ("", "custom_date_within", 30, 12, 10, {"custom_field": visited}),
        ("", "custom_date_within", 60, 9, None, {"custom_field": demo_at}),
        ("", "custom_number_range", 1, 50, None, {"custom_field": gone}),
        ("Wrong type", "custom_yes", None, 50, None, {"custom_field": visits}),
    ]
    return [
        ScoringRule.objects.create(
            name=name,
            condition=condition,
            threshold=threshold,
            points=points,
            half_life_days=half_life,
            position=position,
            **extra,
        )
        for position, (name, condition, threshold, points, half_life, extra) in enumerate(specs)
    ]


def _leads(owner) -> list[Lead]:
    """Leads with nothing, with every kind of fact, and with odd values."""
    ProfileCriterion.objects.create(dimension="industry", value="Logistics", weight=30)
    ProfileCriterion.objects.create(dimension="role", value="CEO", weight=30)
    ProfileCriterion.objects.create(dimension="region", value="Europe", weight=20)
    form = CaptureFormFactory()
    bants = [
        {},
        {"is_budget_confirmed": True, "budget_amount": Decimal("10000.50"), "pain_level": 4},
        # 10000.49 is stored on SQLite as a float a little below it: read as Django reads it.
        {"budget_amount": Decimal("10000.49"), "is_decision_maker": False, "need": "   "},
        {"is_decision_maker": True, "need": "Routing", "timeline_on": TODAY + 90 * DAY},
        {"pain_level": 3, "timeline_on": TODAY - DAY, "budget_amount": Decimal("999999.99")},
        {"timeline_on": TODAY, "is_budget_confirmed": False, "budget_amount": Decimal("10000.48")},
    ]
    customs = [
        {},
        {"visits": 5, "origin": "api", "interests": ["design", "data"], "newsletter": True},
        {"visits": 10.0, "origin": "form", "interests": "data", "newsletter": False},
        {"visits": "7", "visited_on": (TODAY - 10 * DAY).isoformat(), "gone": 3},
        {"visits": True, "visited_on": "not a date", "demo_at": (NOW - 59 * DAY).isoformat()},
        {"visited_on": (TODAY + DAY).isoformat(), "demo_at": "2027-02-20T09:00:00"},
        {"visits": None, "newsletter": None, "interests": []},
    ]
    profiles = [
        ("", "", ""),
        ("CEO", "Logistics", "Europe"),
        ("CEO & co-founder", "logistics ", "Asia"),
        ("Director", "Retail", "Europe"),
    ]
    leads = []
    for index in range(42):
        title, industry, region = profiles[index % len(profiles)]
        bant = bants[index % len(bants)]
        lead = LeadFactory(
            owner=owner,
            title=title,
            industry=industry,
            region=region,
            custom=customs[index % len(customs)],
            qualification=Qualification.objects.create(**bant) if bant else None,
            capture_form=form if index % 3 == 0 else None,
        )
        # Created from today to 50 days ago, at odd times: decay and idleness by the day.
        created = NOW - dt.timedelta(days=index * 1.2, seconds=index * 3607)
        Lead.objects.filter(pk=lead.pk).update(created_at=created)
        leads.append(lead)
    kinds = [
        ("email", "Replied: yes", True),
        ("email", "replied later", True),
        ("email", "Replied", False),
        ("email", "No answer", True),
        ("meeting", "", True),
        ("meeting", "", False),
        ("visit", "", True),
        ("demo", "", False),
        ("demo", "", True),
        ("call", "", True),
        ("note", "", True),
        ("task", "", False),
    ]
    for index, lead in enumerate(leads[1:], start=1):
        for offset in range(index % 5):
            kind, outcome, done = kinds[(index * 7 + offset * 5) % len(kinds)]
            when = NOW - dt.timedelta(days=(index * 3 + offset * 11) % 70, minutes=index)
            ActivityFactory(
                owner=owner,
                deal=None,
                account=None,
                lead=lead,
                type=kind,
                outcome=outcome,
                done_at=when if done else None,
                due_at=None if done or offset % 2 else when + 2 * DAY,
            )
    for days in (3, 20):  # two answers: the rule that wants two counts
        ActivityFactory(
            owner=owner, deal=None, account=None, lead=leads[5], type="email",
            outcome="REPLIED", done_at=NOW - days * DAY,
        )  # fmt: skip
    return leads


def _stored() -> dict[int, tuple]:
    return {pk: tuple(rest) for pk, *rest in Lead.objects.values_list("pk", *STORED)}


def _scored_one_by_one(leads: list[Lead]) -> dict[int, tuple]:
    Lead.objects.update(fit_score=0, score=0, grade="cold", score_breakdown=[], scored_at=None)
    for lead in leads:
        lead_rescore(lead, now=NOW)
    return _stored()


@pytest.fixture
def varied(rep):
    rules = _rules()
    leads = _leads(rep)
    return rules, leads, _scored_one_by_one(leads)


@pytest.mark.django_db
def test_rescoring_all_leads_stores_what_scoring_each_lead_stores(varied):
    rules, leads, expected = varied
    Lead.objects.update(fit_score=0, score=0, grade="cold", score_breakdown=[], scored_at=None)

    assert leads_rescore_all(now=NOW, chunk_size=5) == len(leads)

    assert _stored() == expected
    # Not vacuous: every rule that can give points gave them to some lead, in every grade.
    given = {item["rule"] for row in expected.values() for item in row[3]}
    assert given == {rule.pk for rule in rules if rule.name not in ("Wrong type",)} - {
        rules[-2].pk  # the archived field's rule
    }
    assert {row[2] for row in expected.values()} == {"hot", "warm", "cold"}


@pytest.mark.django_db
def test_rescoring_chosen_leads_stores_what_scoring_each_lead_stores(varied):
    _, leads, expected = varied
    chosen = [lead.pk for lead in leads[::2]]
    Lead.objects.filter(pk__in=chosen).update(score=999, grade="hot", score_breakdown=[])

    assert leads_rescore([*chosen, *chosen], now=NOW, chunk_size=4) == len(chosen)

    assert _stored() == expected


@pytest.mark.django_db
def test_rescoring_with_only_some_kinds_of_rules_stores_the_same(varied):
    """No BANT, custom or engagement rule active: their columns and aggregates are not read."""
    _, leads, _ = varied
    for kept in (("profile_fit",), ("budget_at_least", "need_stated"), ("demo_requested",)):
        ScoringRule.objects.update(is_active=False)
        ScoringRule.objects.filter(condition__in=kept).update(is_active=True)
        expected = _scored_one_by_one(leads)
        Lead.objects.update(score=-1, score_breakdown=[])

        leads_rescore_all(now=NOW, chunk_size=7)

        assert _stored() == expected, kept


@pytest.mark.django_db
def test_an_unchanged_lead_is_not_written_again_and_a_changed_one_is(varied):
    _, leads, expected = varied
    leads_rescore_all(now=NOW)
    with CaptureQueriesContext(connection) as unchanged:
        leads_rescore_all(now=NOW)
    writes = [q["sql"] for q in unchanged.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 1  # scored_at, for the one chunk
    assert "score_breakdown" not in writes[0]

    # Each stored column that differs from the result gets the lead written.
    tampered = {
        leads[1].pk: {"fit_score": 1},
        leads[2].pk: {"score": expected[leads[2].pk][1] + 1},
        leads[3].pk: {"grade": "hot" if expected[leads[3].pk][2] != "hot" else "cold"},
        leads[4].pk: {"score_breakdown": [{"rule": 1, "points": 0}]},
    }
    for pk, values in tampered.items():
        Lead.objects.filter(pk=pk).update(**values)
    with CaptureQueriesContext(connection) as changed:
        leads_rescore_all(now=NOW)
    assert _stored() == expected
    written = [q["sql"] for q in changed.captured_queries if "UPDATE" in q["sql"]]
    # One executemany of the tampered leads, then scored_at for the chunk.
    assert written[0].startswith(f"{len(tampered)} times: UPDATE")
    assert len(written) == 2


def test_the_breakdown_text_is_the_json_that_is_stored():
    breakdown = [
        {"rule": 3, "name": "Budget", "category": "bant", "points": 20, "label": "+20 Budget"},
        {"rule": 9, "name": 'Ünïcode "q"', "category": "", "points": -5, "label": "-5 x"},
    ]
    run = _Run.__new__(_Run)
    run._fragments = {}
    run._breakdown_field = Lead._meta.get_field("score_breakdown")

    assert run.breakdown_text(breakdown) == json.dumps(breakdown)
    assert run.breakdown_text(breakdown[1:]) == json.dumps(breakdown[1:])
    assert run.breakdown_text([]) == json.dumps([])


@pytest.mark.parametrize(
    "text",
    [
        "2027-03-01 12:30:15.250000",
        "2027-03-01 12:30:15",
        "2027-03-01T12:30:15+02:00",
        "2027-03-01 12:30:15.25",
        "2027-3-1 12:30",  # not ISO: Django's own pattern reads it
    ],
)
def test_a_stored_datetime_reads_as_django_reads_it(text):
    def django_read(value, *_):  # sqlite3's DatabaseOperations.convert_datetimefield_value
        if value is None:
            return None
        moment = value if isinstance(value, dt.datetime) else parse_datetime(value)
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment

    class Database:
        timezone = dt.UTC

    read = _datetime_converter(django_read, Database())

    assert read(text) == django_read(text)
    assert read(text).utcoffset() == django_read(text).utcoffset()
    assert read(None) is None
    assert read(NOW) == NOW


@pytest.mark.django_db
def test_the_run_reads_only_what_the_active_rules_need(varied):
    ScoringRule.objects.exclude(condition="profile_fit").update(is_active=False)
    run = _Run(scoring_context(now=NOW))

    assert "custom" not in run.columns
    assert not any(name.startswith("qualification__") for name in run.columns)
    assert run.aggregates == {}
    with CaptureQueriesContext(connection) as queries:
        leads_rescore_all(now=NOW)
    assert not any("activities_activity" in q["sql"] for q in queries.captured_queries)
