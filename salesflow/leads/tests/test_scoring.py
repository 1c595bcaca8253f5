from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from salesflow.activities.services import activity_complete, activity_create
from salesflow.leads.models import Lead, ScoreCondition, ScoringRule
from salesflow.leads.scoring import (
    Engagement,
    LeadFacts,
    ScoringContext,
    lead_rescore,
    leads_rescore_all,
    score_compute,
)
from salesflow.leads.selectors import scoring_settings
from salesflow.leads.services import lead_qualification_record, lead_update
from salesflow.leads.tests.factories import ProfileCriterionFactory
from tests.factories import ActivityFactory, LeadFactory

NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)

# Scoring rules as an admin might set them up: any condition, threshold and points.
rules = st.lists(
    st.builds(
        ScoringRule,
        pk=st.integers(min_value=1, max_value=10_000),
        name=st.text(min_size=1, max_size=20),
        condition=st.sampled_from(ScoreCondition.values),
        threshold=st.one_of(st.none(), st.decimals(min_value=0, max_value=200, places=0)),
        points=st.integers(min_value=-50, max_value=50),
        half_life_days=st.one_of(st.none(), st.integers(min_value=1, max_value=60)),
    ),
    max_size=12,
)
moments = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 3, 1)).map(
    lambda d: d.replace(tzinfo=dt.UTC)
)
engagement = st.dictionaries(
    st.sampled_from(["email_replied", "meeting_held", "visit_held", "demo_requested"]),
    st.builds(Engagement, count=st.integers(0, 5), last_at=moments),
)
facts = st.builds(
    LeadFacts,
    created_at=moments,
    title=st.sampled_from(["", "CEO", "Head of Logistics", "Intern"]),
    industry=st.sampled_from(["", "Logistics", "Retail"]),
    has_capture_form=st.booleans(),
    is_budget_confirmed=st.booleans(),
    budget_amount=st.one_of(st.none(), st.decimals(min_value=0, max_value=100_000, places=2)),
    is_decision_maker=st.one_of(st.none(), st.booleans()),
    need=st.sampled_from(["", "Faster routing"]),
    pain_level=st.one_of(st.none(), st.integers(1, 5)),
    timeline_on=st.one_of(st.none(), st.dates(dt.date(2027, 1, 1), dt.date(2027, 12, 31))),
    engagement=engagement,
    last_touch_at=st.one_of(st.none(), moments),
)


def context(rule_list, criteria=()) -> ScoringContext:
    return ScoringContext(
        rules=rule_list, criteria=list(criteria), hot_min=60, warm_min=30, now=NOW
    )


@given(facts, rules)
def test_the_score_is_the_sum_of_its_explanation(lead_facts, rule_list):
    result = score_compute(lead_facts, context(rule_list))
    assert result.score == sum(item["points"] for item in result.breakdown)
    assert all(item["points"] != 0 for item in result.breakdown)
    assert result.grade == (
        "hot" if result.score >= 60 else "warm" if result.score >= 30 else "cold"
    )


@given(facts, rules)
def test_confirming_the_budget_never_lowers_the_score_when_its_rules_reward_it(
    lead_facts, rule_list
):
    for rule in rule_list:
        if rule.condition == ScoreCondition.BUDGET_CONFIRMED:
            rule.points = abs(rule.points)
    ctx = context(rule_list)
    unconfirmed = score_compute(
        LeadFacts(**{**lead_facts.__dict__, "is_budget_confirmed": False}), ctx
    )
    confirmed = score_compute(
        LeadFacts(**{**lead_facts.__dict__, "is_budget_confirmed": True}), ctx
    )
    assert confirmed.score >= unconfirmed.score


def test_engagement_points_halve_every_half_life():
    rule = ScoringRule(
        pk=1, name="Meeting held", condition="meeting_held", points=20, half_life_days=10
    )

    def held(days_ago: int) -> LeadFacts:
        return LeadFacts(
            created_at=NOW - dt.timedelta(days=90),
            engagement={"meeting_held": Engagement(1, NOW - dt.timedelta(days=days_ago))},
            last_touch_at=NOW,
        )

    assert score_compute(held(0), context([rule])).score == 20
    assert score_compute(held(10), context([rule])).score == 10
    assert score_compute(held(20), context([rule])).score == 5


def test_the_explanation_reads_like_a_sentence():
    rules_ = [
        ScoringRule(pk=1, name="Budget confirmed", condition="budget_confirmed", points=20),
        ScoringRule(
            pk=2,
            name="No activity in 30 days",
            condition="no_activity_days",
            threshold=30,
            points=-5,
        ),
    ]
    lead_facts = LeadFacts(created_at=NOW - dt.timedelta(days=40), is_budget_confirmed=True)
    result = score_compute(lead_facts, context(rules_))
    assert [item["label"] for item in result.breakdown] == [
        "+20 Budget confirmed",
        "-5 No activity in 30 days",
    ]
    assert result.score == 15


def test_profile_fit_is_the_share_of_the_best_weights_matched():
    criteria = [
        ProfileCriterionFactory.build(dimension="industry", value="Logistics", weight=30),
        ProfileCriterionFactory.build(dimension="industry", value="Retail", weight=10),
        ProfileCriterionFactory.build(dimension="role", value="CEO", weight=20),
        ProfileCriterionFactory.build(dimension="region", value="Europe", weight=50),
    ]
    lead_facts = LeadFacts(
        created_at=NOW, industry="logistics", title="CEO & Founder", region="Asia"
    )
    # 30 (industry) + 20 (role) of 30 + 20 + 50
    assert score_compute(lead_facts, context([], criteria)).fit_score == 50
    director = LeadFacts(created_at=NOW, title="Director of Operations")
    assert score_compute(director, context([], criteria)).fit_score == 0


@pytest.mark.django_db
def test_recording_bant_rescores_the_lead(rep):
    lead = LeadFactory(owner=rep)
    assert lead_rescore(lead).score == 0
    lead_qualification_record(
        lead, acting_user=rep, budget_amount=Decimal("20000"), is_budget_confirmed=True,
        is_decision_maker=True,
    )  # fmt: skip
    lead.refresh_from_db()
    assert lead.score == 35  # +20 budget confirmed, +15 decision maker (seeded rules)
    assert lead.grade == "warm"
    assert {item["name"] for item in lead.score_breakdown} == {
        "Budget confirmed",
        "Talks to the decision maker",
    }


@pytest.mark.django_db
def test_changing_the_lead_to_fit_the_profile_rescores_it(rep):
    ProfileCriterionFactory(dimension="industry", value="Logistics", weight=10)
    lead = LeadFactory(owner=rep, industry="Retail")
    lead = lead_update(lead, acting_user=rep, industry="Logistics")
    assert lead.fit_score == 100
    assert lead.score == 20  # both seeded profile-fit rules


@pytest.mark.django_db
def test_a_meeting_with_the_lead_counts_as_engagement_and_first_response(rep):
    lead = LeadFactory(owner=rep)
    activity = activity_create(
        acting_user=rep, type="meeting", subject="Kick-off", lead=lead, due_at=timezone.now()
    )
    lead.refresh_from_db()
    assert lead.first_response_at is None  # planned, not held
    activity_complete(activity, acting_user=rep)
    lead.refresh_from_db()
    assert lead.first_response_at == activity.done_at
    assert lead.response_time == activity.done_at - lead.created_at
    assert "+15 Meeting held" in [item["label"] for item in lead.score_breakdown]


@pytest.mark.django_db
def test_a_note_is_not_a_response(rep):
    lead = LeadFactory(owner=rep)
    activity_create(
        acting_user=rep, type="note", subject="Looked them up", lead=lead, done_at=timezone.now()
    )
    lead.refresh_from_db()
    assert lead.first_response_at is None
    assert lead.response_time is None


@pytest.mark.django_db
def test_a_lead_idle_for_a_month_loses_points(rep):
    lead = LeadFactory(owner=rep)
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - dt.timedelta(days=45))
    assert lead_rescore(lead).score == -10


def _leads_with_activities(owner, count: int) -> None:
    for index in range(count):
        lead = LeadFactory(owner=owner, industry="Logistics")
        ActivityFactory(
            owner=owner, deal=None, account=None, lead=lead, type="meeting", done_at=timezone.now()
        )
        if index % 2:
            ActivityFactory(owner=owner, deal=None, account=None, lead=lead, type="demo")


@pytest.mark.django_db
def test_rescoring_all_leads_matches_rescoring_each(rep):
    _leads_with_activities(rep, 7)
    assert leads_rescore_all(chunk_size=3) == 7
    bulk = dict(Lead.objects.values_list("pk", "score"))
    for lead in Lead.objects.all():
        lead_rescore(lead)
    assert dict(Lead.objects.values_list("pk", "score")) == bulk
    assert set(bulk.values()) == {15, 35}  # meeting; meeting and demo


@pytest.mark.django_db
@pytest.mark.parametrize("leads", [5, 40])
def test_rescoring_all_leads_takes_a_few_queries_per_chunk(
    rep, leads, django_assert_max_num_queries
):
    _leads_with_activities(rep, leads)
    scoring_settings()
    # Settings, rules, criteria; per chunk of 100: leads, engagement, then in a savepoint
    # (2 statements) the changed scores (one executemany) and scored_at (one UPDATE); then the
    # empty chunk that ends it. The same for 5 or 40 leads.
    with django_assert_max_num_queries(3 + (1 + 1 + 2 + 2) + 1):
        leads_rescore_all(chunk_size=100)


@pytest.mark.django_db
def test_the_rescore_command_reports_what_it_did(rep, capsys):
    LeadFactory.create_batch(3, owner=rep)
    call_command("rescore")
    assert "Rescored 3 leads" in capsys.readouterr().out


@pytest.mark.django_db
def test_deferred_scoring_scores_a_batch_once_at_its_end(rep):
    from salesflow.leads.scoring import scoring_deferred
    from salesflow.leads.services import lead_create, lead_qualification_record

    with scoring_deferred():
        lead = lead_create(acting_user=rep, last_name="Batch", source="webinar")
        lead_qualification_record(lead, acting_user=rep, is_budget_confirmed=True, budget_amount=1)
        lead.refresh_from_db()
        assert lead.scored_at is None  # nothing scored inside the batch
    lead.refresh_from_db()
    assert lead.scored_at is not None
    assert lead.score == sum(item["points"] for item in lead.score_breakdown)
    assert any("budget" in item["label"].lower() for item in lead.score_breakdown)
