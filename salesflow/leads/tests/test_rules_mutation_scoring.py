"""Lead scoring against its surviving mutants (issue 14, mutation testing, session 13).

What a rep sees on a lead: its score, grade, fit and the breakdown's lines. Each test pins one
rule of `salesflow/leads/scoring.py` at its edge (a threshold met exactly, a half-life to the
point, the facts a rescoring run reads from the database), so a changed comparison, a dropped
fact or a dropped filter changes a line a rep would read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from salesflow.activities.services import activity_create
from salesflow.customfields.models import CustomField, FieldType
from salesflow.leads.models import Lead, ProfileCriterion, ScoreCondition, ScoringRule
from salesflow.leads.scoring import (
    LeadFacts,
    ScoringContext,
    fit_score,
    lead_rescore,
    leads_rescore,
    leads_rescore_all,
    score_compute,
)
from salesflow.leads.selectors import scoring_settings
from salesflow.leads.tests.factories import CaptureFormFactory, CompleteBantFactory
from tests.factories import ActivityFactory, LeadFactory

NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
TODAY = NOW.date()
DAY = dt.timedelta(days=1)

_next_pk = iter(range(1, 1000))


def rule(condition: str, points: int, *, name: str = "", **extra) -> ScoringRule:
    """An in-memory rule for the pure tests."""
    return ScoringRule(
        pk=next(_next_pk), name=name or condition, condition=condition, points=points, **extra
    )


def criterion(dimension: str, value: str, weight: int) -> ProfileCriterion:
    return ProfileCriterion(dimension=dimension, value=value, weight=weight)


def context(rules, criteria=(), *, hot_min: int = 60, warm_min: int = 30) -> ScoringContext:
    return ScoringContext(
        rules=list(rules), criteria=list(criteria), hot_min=hot_min, warm_min=warm_min, now=NOW
    )


def facts(**values) -> LeadFacts:
    return LeadFacts(**{"created_at": NOW - 400 * DAY, **values})


def labels(result) -> list[str]:
    return [item["label"] for item in result.breakdown]


# -- thresholds met exactly, and the values below them -------------------------------------------


def test_a_profile_fit_rule_counts_from_its_threshold_and_never_for_no_fit_at_all():
    criteria = [criterion("industry", "Logistics", 1), criterion("region", "Europe", 99)]
    at_least_half = rule(ScoreCondition.PROFILE_FIT, 10, name="Half fit", threshold=Decimal(50))
    any_fit = rule(ScoreCondition.PROFILE_FIT, 5, name="Any fit")
    ctx = context([at_least_half, any_fit], criteria)

    assert labels(score_compute(facts(region="Europe", industry="Retail"), ctx)) == [
        "+10 Half fit", "+5 Any fit",
    ]  # fmt: skip
    # 1 % fit (weight 1 of 100) is some fit, below half.
    only_industry = score_compute(facts(industry="Logistics"), ctx)
    assert (only_industry.fit_score, labels(only_industry)) == (1, ["+5 Any fit"])
    # No fit at all earns nothing, not even from a rule without a threshold.
    none = score_compute(facts(industry="Retail"), ctx)
    assert (none.fit_score, labels(none)) == (0, [])
    exactly_half = context([at_least_half], [criterion("industry", "Logistics", 50),
                                             criterion("region", "Europe", 50)])  # fmt: skip
    assert labels(score_compute(facts(industry="Logistics"), exactly_half)) == ["+10 Half fit"]


def test_without_profile_criteria_no_lead_fits():
    result = score_compute(facts(industry="Logistics"), context([rule("profile_fit", 5)]))
    assert (result.fit_score, result.breakdown) == (0, [])


def test_the_best_matching_weight_of_a_dimension_counts_whatever_the_order():
    criteria = [criterion("role", "CTO", 50), criterion("role", "Chief", 20)]
    assert fit_score(facts(title="Chief Technology Officer (CTO)"), criteria) == 100
    assert fit_score(facts(title="Chief of Staff"), criteria) == 40


def test_a_criterion_without_a_value_matches_nobody():
    criteria = [criterion("industry", "  ", 50), criterion("region", "Europe", 50)]
    assert fit_score(facts(industry="Retail", region="Europe"), criteria) == 50


def test_bant_rules_count_from_their_threshold():
    ctx = context(
        [
            rule("budget_at_least", 1, name="Budget 20k", threshold=Decimal(20000)),
            rule("budget_at_least", 2, name="Any budget", threshold=Decimal(0)),
            rule("need_stated", 4, name="Need"),
            rule("pain_level_gte", 8, name="Pain 4", threshold=Decimal(4)),
            rule("timeline_within_days", 16, name="Within 30 days", threshold=Decimal(30)),
            rule("timeline_within_days", 32, name="Today", threshold=Decimal(0)),
        ]
    )
    at_the_edge = facts(
        budget_amount=Decimal("20000.00"), need="Route planning", pain_level=4,
        timeline_on=TODAY + 30 * DAY,
    )  # fmt: skip
    assert labels(score_compute(at_the_edge, ctx)) == [
        "+1 Budget 20k", "+2 Any budget", "+4 Need", "+8 Pain 4", "+16 Within 30 days",
    ]  # fmt: skip
    below = facts(budget_amount=Decimal(0), need="  ", pain_level=3, timeline_on=TODAY + 31 * DAY)
    assert labels(score_compute(below, ctx)) == ["+2 Any budget"]
    today = score_compute(facts(timeline_on=TODAY), ctx)
    assert labels(today) == ["+16 Within 30 days", "+32 Today"]
    assert labels(score_compute(facts(timeline_on=TODAY + DAY), ctx)) == ["+16 Within 30 days"]
    assert labels(score_compute(facts(timeline_on=TODAY - DAY), ctx)) == []  # a date passed


def test_a_lead_idle_exactly_the_threshold_loses_the_points():
    idle = rule("no_activity_days", -10, name="Idle 30 days", threshold=Decimal(30))
    at_once = rule("no_activity_days", -1, name="Idle at all", threshold=Decimal(0))
    ctx = context([idle, at_once])
    assert labels(score_compute(facts(created_at=NOW - 30 * DAY), ctx)) == [
        "-10 Idle 30 days", "-1 Idle at all",
    ]  # fmt: skip
    just_touched = facts(created_at=NOW - 300 * DAY, last_touch_at=NOW)
    assert labels(score_compute(just_touched, ctx)) == ["-1 Idle at all"]
    assert labels(
        score_compute(facts(created_at=NOW - 30 * DAY + dt.timedelta(seconds=1)), ctx)
    ) == ["-1 Idle at all"]


def test_a_form_lead_s_points_halve_every_half_life_since_it_came_in():
    form = rule("form_filled", 5, name="Web form", half_life_days=1)
    result = score_compute(facts(has_capture_form=True, created_at=NOW - DAY), context([form]))
    # 5 halved once is 2.5, rounded half to even: 2 (a day later to the second).
    assert labels(result) == ["+2 Web form"]


def test_a_custom_date_within_zero_days_counts_only_today_and_a_naive_moment_is_utc():
    day = CustomField(key="visited_on", label="Visited", type=FieldType.DATE)
    moment = CustomField(key="demo_at", label="Demo", type=FieldType.DATETIME)
    ctx = context(
        [
            rule("custom_date_within", 7, name="Today", threshold=Decimal(0), custom_field=day),
            rule(
                "custom_date_within", 5, name="Demo", threshold=Decimal(3), half_life_days=1,
                custom_field=moment,
            ),
        ]
    )  # fmt: skip
    today = facts(custom={"visited_on": TODAY.isoformat()})
    yesterday = facts(custom={"visited_on": (TODAY - DAY).isoformat()})
    assert labels(score_compute(today, ctx)) == ["+7 Today (Visited in the last 0 days)"]
    assert labels(score_compute(yesterday, ctx)) == []
    # Stored without a zone: read as UTC, so exactly one day ago, 5 halved: 2.5 -> 2.
    naive = facts(custom={"demo_at": (NOW - DAY).replace(tzinfo=None).isoformat()})
    assert labels(score_compute(naive, ctx)) == ["+2 Demo (Demo in the last 3 days)"]


def test_a_rule_of_a_condition_the_code_does_not_know_gives_nothing():
    result = score_compute(facts(), context([rule("retired_condition", 9)]))
    assert (result.score, result.breakdown) == (0, [])


def test_a_score_at_a_grade_threshold_has_that_grade():
    ctx = context([rule("need_stated", 60, name="Need")], hot_min=60, warm_min=30)
    assert score_compute(facts(need="x"), ctx).grade == "hot"
    warm = context([rule("need_stated", 30, name="Need")], hot_min=60, warm_min=30)
    assert score_compute(facts(need="x"), warm).grade == "warm"


def test_each_lead_of_a_run_gets_its_own_fit():
    ctx = context([], [criterion("industry", "Logistics", 10)])
    assert score_compute(facts(industry="Logistics"), ctx).fit_score == 100
    assert score_compute(facts(industry="Retail"), ctx).fit_score == 0


def test_a_breakdown_line_names_its_rule_category_and_points():
    need = rule("need_stated", 12, name="Need written down")
    (line,) = score_compute(facts(need="Faster routing"), context([need])).breakdown
    assert line == {
        "rule": need.pk, "name": "Need written down", "category": "bant", "points": 12,
        "label": "+12 Need written down",
    }  # fmt: skip


# -- what a rescoring run reads from the database ------------------------------------------------


@pytest.fixture
def only_these_rules(db):
    """No seeded rules: each test creates the ones it reads."""
    ScoringRule.objects.all().delete()
    ProfileCriterion.objects.all().delete()
    scoring_settings()


def _created(lead: Lead, when: dt.datetime) -> Lead:
    Lead.objects.filter(pk=lead.pk).update(created_at=when)
    lead.refresh_from_db()
    return lead


def _lead_activity(owner, lead, type_: str, *, created, **times):
    activity = ActivityFactory(owner=owner, deal=None, account=None, lead=lead, type=type_, **times)
    type(activity).objects.filter(pk=activity.pk).update(created_at=created)
    return activity


def _all_three_ways(lead: Lead) -> list[tuple]:
    """The lead scored alone, as one of a list and in a run over all leads."""
    seen = []
    for rescore in (
        lambda: lead_rescore(lead, now=NOW),
        lambda: leads_rescore([lead.pk], now=NOW),
        lambda: leads_rescore_all(now=NOW, chunk_size=2),
    ):
        Lead.objects.filter(pk=lead.pk).update(score=0, fit_score=0, score_breakdown=[])
        rescore()
        lead.refresh_from_db()
        seen.append(
            (lead.fit_score, lead.score, [i["label"] for i in lead.score_breakdown], lead.scored_at)
        )
    return seen


def test_a_rescoring_reads_every_fact_of_the_lead_from_the_database(rep, only_these_rules):
    for dimension, value in (("role", "CTO"), ("industry", "Logistics"),
                             ("size_band", "51-200"), ("region", "Europe")):  # fmt: skip
        ProfileCriterion.objects.create(dimension=dimension, value=value, weight=10)
    rules = [
        ("profile_fit", 1, "Fits", {"threshold": 100}),
        ("form_filled", 2, "Web form", {}),
        ("budget_confirmed", 4, "Budget confirmed", {}),
        ("budget_at_least", 8, "Budget 20k", {"threshold": 20000}),
        ("is_decision_maker", 16, "Decision maker", {}),
        ("need_stated", 32, "Need", {}),
        ("pain_level_gte", 64, "Pain 4", {"threshold": 4}),
        ("timeline_within_days", 128, "Within 60 days", {"threshold": 60}),
        ("meeting_held", 40, "Meeting", {"threshold": 1, "half_life_days": 10}),
        ("no_activity_days", -3, "Idle 30 days", {"threshold": 30}),
    ]
    for position, (condition, points, name, extra) in enumerate(rules):
        ScoringRule.objects.create(
            condition=condition, points=points, name=name, position=position, **extra
        )
    bant = CompleteBantFactory(timeline_on=TODAY + 45 * DAY)  # budget 25,000, pain 4
    lead = LeadFactory(
        owner=rep, title="CTO & co-founder", industry="Logistics", size_band="51-200",
        region="Europe", capture_form=CaptureFormFactory(), qualification=bant,
    )  # fmt: skip
    _created(lead, NOW - 60 * DAY)
    _lead_activity(rep, lead, "meeting", created=NOW - 12 * DAY, done_at=NOW - 10 * DAY)

    expected = (
        100,
        1 + 2 + 4 + 8 + 16 + 32 + 64 + 128 + 20,
        ["+1 Fits", "+2 Web form", "+4 Budget confirmed", "+8 Budget 20k", "+16 Decision maker",
         "+32 Need", "+64 Pain 4", "+128 Within 60 days", "+20 Meeting"],
        NOW,
    )  # fmt: skip
    assert _all_three_ways(lead) == [expected] * 3


def test_a_note_is_no_touch_and_engagement_decays_from_its_own_activity(rep, only_these_rules):
    ScoringRule.objects.create(
        condition="no_activity_days", points=-3, name="Idle 30 days", threshold=30, position=1
    )
    ScoringRule.objects.create(
        condition="meeting_held", points=40, name="Meeting", threshold=1, half_life_days=10
    )
    noted = _created(LeadFactory(owner=rep), NOW - 60 * DAY)
    _lead_activity(rep, noted, "note", created=NOW - DAY, done_at=NOW - DAY)
    met = _created(LeadFactory(owner=rep), NOW - 60 * DAY)
    _lead_activity(rep, met, "meeting", created=NOW - 21 * DAY, done_at=NOW - 20 * DAY)
    _lead_activity(rep, met, "call", created=NOW - DAY, done_at=NOW - DAY)

    leads_rescore_all(now=NOW)

    noted.refresh_from_db()
    met.refresh_from_db()
    assert [i["label"] for i in noted.score_breakdown] == ["-3 Idle 30 days"]
    # 40 halved twice (20 days, half-life 10): the later call does not refresh the meeting.
    assert [i["label"] for i in met.score_breakdown] == ["+10 Meeting"]


def test_a_demo_counts_from_when_it_was_held_else_planned_else_asked_for(rep, only_these_rules):
    ScoringRule.objects.create(
        condition="demo_requested", points=40, name="Demo", half_life_days=10
    )
    held = LeadFactory(owner=rep)
    _lead_activity(
        rep, held, "demo", created=NOW - 40 * DAY, due_at=NOW - 30 * DAY, done_at=NOW - 10 * DAY
    )
    planned = LeadFactory(owner=rep)
    _lead_activity(rep, planned, "demo", created=NOW - 40 * DAY, due_at=NOW - 10 * DAY)
    asked = LeadFactory(owner=rep)
    _lead_activity(rep, asked, "demo", created=NOW - 10 * DAY)

    leads_rescore([held.pk, planned.pk, asked.pk], now=NOW)

    for lead in (held, planned, asked):
        lead.refresh_from_db()
        assert [i["label"] for i in lead.score_breakdown] == ["+20 Demo"], lead


def test_rules_are_listed_in_the_admins_order(rep, only_these_rules):
    ScoringRule.objects.create(condition="need_stated", points=1, name="Second", position=2)
    ScoringRule.objects.create(condition="need_stated", points=2, name="First", position=1)
    lead = LeadFactory(owner=rep, qualification=CompleteBantFactory())
    lead_rescore(lead, now=NOW)
    assert [i["name"] for i in lead.score_breakdown] == ["First", "Second"]


def test_a_list_of_leads_is_rescored_in_chunks_each_once(
    rep, only_these_rules, django_assert_max_num_queries
):
    leads = LeadFactory.create_batch(5, owner=rep)
    assert leads_rescore([], now=NOW) == 0
    assert leads_rescore([lead.pk for lead in leads], chunk_size=2, now=NOW) == 5
    assert set(Lead.objects.values_list("scored_at", flat=True)) == {NOW}
    scoring_settings()
    # Settings, rules, criteria; then one chunk: leads, engagement, savepoint, the changed
    # scores, scored_at, release. The same for 5 leads as for one.
    with django_assert_max_num_queries(3 + 6):
        leads_rescore([lead.pk for lead in leads], now=NOW + DAY)


def test_the_lead_in_hand_knows_its_first_response(rep, only_these_rules):
    lead = LeadFactory(owner=rep)
    done = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    activity = activity_create(
        acting_user=rep, type="call", subject="First call", lead=lead, done_at=done
    )
    assert activity.lead.first_response_at == done
    lead.refresh_from_db()
    assert lead.first_response_at == done
