"""BANT answers "as read" through the API (salesflow/api/bant.py): with `read`, a field sent as
read is not written and a field changed since the client read it by someone else is refused
(409, the field named with its stored value, nothing saved); without `read`, as before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from salesflow.api.tests.conftest import ApiClient
from salesflow.leads.models import Lead, Qualification
from salesflow.pipeline.models import Deal
from tests.factories import DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


def _answers(qualification: Qualification) -> dict:
    fields = ("budget_amount", "budget_currency", "is_budget_confirmed", "is_decision_maker",
              "decision_maker_name", "need", "pain_level", "timeline_on")  # fmt: skip
    return {name: getattr(qualification, name) for name in fields}


@pytest.fixture
def deal(rep):
    return DealFactory(owner=rep)


def _deal_read(api, deal) -> dict:
    response = api.get(f"/deals/{deal.pk}/qualification")
    assert response.status_code == 200
    read = response.json()
    for name in ("recorded_at", "recorded_by_id", "missing", "is_complete"):
        read.pop(name)
    return read


def test_a_deal_field_changed_by_someone_else_since_the_read_is_refused(rep, teammate, deal):
    mine, theirs = ApiClient(rep), ApiClient(teammate)
    Deal.objects.filter(pk=deal.pk).update(visibility="team")
    assert (
        mine.put(
            f"/deals/{deal.pk}/qualification", {"need": "Routing", "pain_level": 3}
        ).status_code
        == 200
    )
    read = _deal_read(mine, deal)  # this client's tab
    # Another tab changes the need.
    other = {**_deal_read(theirs, deal), "need": "Routing and billing"}
    assert theirs.put(f"/deals/{deal.pk}/qualification", other).status_code == 200
    before = _answers(Deal.objects.get(pk=deal.pk).qualification)

    response = mine.put(
        f"/deals/{deal.pk}/qualification",
        {**read, "need": "Only routing", "pain_level": 5, "read": read},
    )
    assert response.status_code == 409
    body = response.json()
    assert "need" in body["detail"]
    assert body["missing"] == [
        {
            "code": "changed_since_read",
            "field": "need",
            "stored": "Routing and billing",
            "message": "need: someone else changed this since you read it; it is now Routing "
            "and billing. Send read.need = Routing and billing to replace it.",
        }
    ]
    assert _answers(Deal.objects.get(pk=deal.pk).qualification) == before  # nothing saved

    # Sent again with the stored value as read: replaced.
    again = {**read, "need": "Only routing", "pain_level": 5,
             "read": {**read, "need": "Routing and billing"}}  # fmt: skip
    assert mine.put(f"/deals/{deal.pk}/qualification", again).status_code == 200
    saved = Deal.objects.get(pk=deal.pk).qualification
    assert (saved.need, saved.pain_level) == ("Only routing", 5)


def test_a_deal_field_sent_as_read_is_not_written(rep, deal):
    api = ApiClient(rep)
    assert api.put(f"/deals/{deal.pk}/qualification", {"need": "Routing"}).status_code == 200
    read = _deal_read(api, deal)
    # Someone else records the budget meanwhile (this client's copy still has none).
    qualification = Deal.objects.get(pk=deal.pk).qualification
    Qualification.objects.filter(pk=qualification.pk).update(budget_amount=Decimal("50000"))

    response = api.put(f"/deals/{deal.pk}/qualification", {**read, "pain_level": 4, "read": read})
    assert response.status_code == 200, response.content
    assert response.json()["budget_amount"] == "50000.00"  # kept: this client did not change it
    assert response.json()["pain_level"] == 4
    # The same value typed on both sides is no conflict.
    Qualification.objects.filter(pk=qualification.pk).update(need="Fleet")
    same = {**read, "need": "Fleet", "pain_level": 4, "read": read}
    assert api.put(f"/deals/{deal.pk}/qualification", same).status_code == 200


def test_without_read_a_deal_put_replaces_everything_as_before(rep, deal):
    api = ApiClient(rep)
    assert (
        api.put(f"/deals/{deal.pk}/qualification", {"need": "Routing", "pain_level": 2}).status_code
        == 200
    )
    qualification = Deal.objects.get(pk=deal.pk).qualification
    Qualification.objects.filter(pk=qualification.pk).update(need="Someone else's")
    response = api.put(f"/deals/{deal.pk}/qualification", {"pain_level": 3})
    assert response.status_code == 200
    assert (response.json()["need"], response.json()["pain_level"]) == ("", 3)


def test_a_lead_answer_changed_since_the_read_is_refused_and_nothing_is_saved(rep):
    lead = LeadFactory(owner=rep)
    api = ApiClient(rep)
    first = {"budget_amount": "20000", "timeline_on": "2027-03-01"}
    assert api.post(f"/leads/{lead.pk}/qualification", first).status_code == 200
    read = api.get(f"/leads/{lead.pk}").json()["qualification"]
    qualification = Lead.objects.get(pk=lead.pk).qualification
    Qualification.objects.filter(pk=qualification.pk).update(timeline_on=dt.date(2027, 6, 1))
    before = (_answers(Lead.objects.get(pk=lead.pk).qualification), lead.status)

    response = api.post(
        f"/leads/{lead.pk}/qualification",
        {
            "budget_amount": "30000",
            "timeline_on": "2027-04-01",
            "status": "qualified",
            "read": {"budget_amount": read["budget_amount"], "timeline_on": read["timeline_on"]},
        },
    )
    assert response.status_code == 409
    assert [(item["field"], item["stored"]) for item in response.json()["missing"]] == [
        ("timeline_on", "2027-06-01")
    ]
    fresh = Lead.objects.get(pk=lead.pk)
    assert (_answers(fresh.qualification), fresh.status) == before  # budget not saved either

    # A field sent as read is not written; one changed with nobody else on it is.
    response = api.post(
        f"/leads/{lead.pk}/qualification",
        {"budget_amount": "30000", "timeline_on": read["timeline_on"],
         "read": {"budget_amount": read["budget_amount"], "timeline_on": read["timeline_on"]}},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    saved = Lead.objects.get(pk=lead.pk).qualification
    assert (saved.budget_amount, saved.timeline_on) == (Decimal("30000"), dt.date(2027, 6, 1))


def test_the_schema_documents_read(rep):
    schema = ApiClient(rep).get("/openapi.json").json()
    components = schema["components"]["schemas"]
    for name in ("DealBantIn", "LeadQualificationIn"):
        read = components[name]["properties"]["read"]
        assert "409" in read["description"]
    assert "timeline_on" in components["BantRead"]["properties"]
