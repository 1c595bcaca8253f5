"""Leads created in bulk (imports) are the leads `lead_create` makes: same checks, same scores,
same audit-log entries."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from auditlog.context import set_actor
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from salesflow.audit.selectors import record_history
from salesflow.leads.bulk import LeadsBulkCreate, audit_create_changes
from salesflow.leads.models import Lead, ScoreCondition, ScoringRule
from salesflow.leads.scoring import leads_rescore
from salesflow.leads.services import lead_create
from salesflow.leads.tests.factories import ProfileCriterionFactory

pytestmark = pytest.mark.django_db

DATA = {
    "first_name": "Jörg",
    "last_name": "Müller",
    "email": "JOERG@Example.com",
    "phone": "+49 30 1234567",
    "company": "Müller Logistik GmbH",
    "title": "CEO",
    "industry": "Logistics",
    "region": "Europe",
    "source": "referral",
}


@pytest.fixture
def scoring_rules():
    ProfileCriterionFactory(dimension="industry", value="Logistics", weight=50)
    ProfileCriterionFactory(dimension="role", value="CEO", weight=50)
    ScoringRule.objects.create(
        name="Fits", condition=ScoreCondition.PROFILE_FIT, threshold=50, points=30
    )
    ScoringRule.objects.create(
        name="Quiet", condition=ScoreCondition.NO_ACTIVITY_DAYS, threshold=30, points=-10
    )


def bulk_create(user, *rows, created_at=None):
    bulk = LeadsBulkCreate(acting_user=user)
    leads = [bulk.build(**dict(row)) for row in rows]
    return bulk.insert(leads, created_at=created_at)


def test_a_bulk_lead_holds_what_lead_create_stores(rep, scoring_rules):
    one = lead_create(acting_user=rep, **dict(DATA))
    (two,) = bulk_create(rep, {**DATA, "email": "other@example.com"})
    one.refresh_from_db()
    two.refresh_from_db()
    skip = {"id", "email", "created_at", "updated_at", "assigned_at", "scored_at"}
    for field in Lead._meta.concrete_fields:
        if field.name not in skip:
            assert getattr(two, field.attname) == getattr(one, field.attname), field.name
    assert two.email == "other@example.com"
    assert two.phone == "+49301234567"
    assert (two.owner, two.team, two.channel) == (rep, rep.teams.first(), "inbound")
    assert two.score == one.score and two.fit_score == 100 and two.score_breakdown
    assert two.assigned_at is not None


def test_bulk_scores_are_what_a_rescore_finds(rep, scoring_rules):
    old = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    leads = bulk_create(rep, DATA, {**DATA, "email": "b@example.com"}, created_at={1: old})
    before = list(Lead.objects.order_by("pk").values_list("pk", "score", "score_breakdown"))
    assert before[1][1] < before[0][1]  # a year old and no activity: quiet
    assert Lead.objects.get(pk=leads[1].pk).created_at == old
    leads_rescore([lead.pk for lead in leads])
    after = list(Lead.objects.order_by("pk").values_list("pk", "score", "score_breakdown"))
    assert after == before


def test_bulk_leads_are_refused_as_lead_create_refuses_them(rep, outsider):
    bulk = LeadsBulkCreate(acting_user=rep)
    with pytest.raises(ValidationError) as caught:
        bulk.build(email="not an address", source="seo")
    assert "email" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        bulk.build(source="seo", title="CEO")
    assert "last_name" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        bulk.build(**DATA, owner=outsider)
    assert caught.value.message_dict == {
        "owner": ["You can only assign records to people in your teams."]
    }
    with pytest.raises(ValidationError) as caught:
        bulk.build(**{**DATA, "source": "carrier pigeon"})
    assert "source" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        bulk.build(**{**DATA, "first_name": "x" * 101})
    assert "first_name" in caught.value.message_dict
    assert not Lead.objects.exists()


def test_bulk_audit_entries_are_those_auditlog_writes(rep, admin_user):
    with set_actor(admin_user):
        (made,) = bulk_create(rep, {**DATA, "custom": {}})
        saved = lead_create(acting_user=rep, **{**DATA, "email": "saved@example.com"})
    entry = LogEntry.objects.get(object_id=made.pk, content_type__model="lead")
    reference = LogEntry.objects.get(object_id=saved.pk, content_type__model="lead")
    expected = json.loads(json.dumps(model_instance_diff(None, made, use_json_for_changes=True)))
    assert entry.changes == expected == audit_create_changes(made)
    # The same fields and values as the entry auditlog wrote for the lead saved row by row.
    assert entry.changes.keys() == reference.changes.keys()
    for name in ("first_name", "company", "owner", "team", "visibility", "custom", "merges"):
        assert entry.changes[name] == reference.changes[name]
    for name in ("action", "actor_id", "actor_email", "object_repr", "changes_text"):
        assert getattr(entry, name) == getattr(reference, name), name
    assert entry.object_pk == str(made.pk)
    # What the lead's history shows.
    assert [(e.action, e.actor) for e in record_history(made)] == [(0, admin_user)]


def test_an_ended_actor_context_is_not_written(rep, admin_user):
    with set_actor(admin_user):
        pass  # auditlog keeps the value after the block; its receiver is gone
    (made,) = bulk_create(rep, DATA)
    saved = lead_create(acting_user=rep, **{**DATA, "email": "saved@example.com"})
    entries = LogEntry.objects.filter(content_type__model="lead")
    assert {e.object_id: e.actor_id for e in entries} == {made.pk: None, saved.pk: None}
