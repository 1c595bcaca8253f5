"""The customer's people and the competition on a deal."""

from __future__ import annotations

import pytest

from salesflow.api.tests.conftest import invalid_fields
from salesflow.pipeline.models import Competitor, DealCompetitor, DealStakeholder
from salesflow.pipeline.tests.factories import CompetitorFactory, StakeholderFactory
from tests.factories import ContactFactory, DealFactory


def test_a_rep_adds_changes_lists_and_removes_a_stakeholder(api_as, rep):
    deal = DealFactory(owner=rep)
    contact = ContactFactory(owner=rep, account=deal.account, first_name="Ines", last_name="Berg")
    api = api_as(rep)

    added = api.post(
        f"/deals/{deal.pk}/stakeholders",
        {"contact_id": contact.pk, "role": "decision_maker", "personality": "Direct"},
    )
    path = f"/deals/{deal.pk}/stakeholders/{added.json()['id']}"
    changed = api.patch(path, {"attitude": "supporter"})
    listed = api.get(f"/deals/{deal.pk}/stakeholders")
    removed = api.delete(path)

    assert added.status_code == 201
    assert (added.json()["contact_name"], added.json()["role"]) == ("Ines Berg", "decision_maker")
    assert (added.json()["attitude"], added.json()["added_by_id"]) == ("neutral", rep.pk)
    assert changed.json()["attitude"] == "supporter"
    assert [item["id"] for item in listed.json()["items"]] == [added.json()["id"]]
    assert removed.status_code == 204
    assert not DealStakeholder.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contact_id": 999999, "role": "champion"}, "contact_id"),
        ({"role": "champion"}, "contact_id"),
        ({"contact_id": 1, "role": "king"}, "role"),
        ({"contact_id": 1, "role": "user", "attitude": "grumpy"}, "attitude"),
    ],
)
def test_a_bad_stakeholder_answers_422_naming_the_field(api_as, rep, body, field):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(f"/deals/{deal.pk}/stakeholders", body)

    assert invalid_fields(response) == {field}


def test_a_contact_you_cannot_see_cannot_become_a_stakeholder(api_as, rep, outsider):
    deal = DealFactory(owner=rep)
    hidden = ContactFactory(owner=outsider)

    response = api_as(rep).post(
        f"/deals/{deal.pk}/stakeholders", {"contact_id": hidden.pk, "role": "user"}
    )

    assert invalid_fields(response) == {"contact_id"}


def test_the_same_contact_twice_answers_422(api_as, rep):
    stakeholder = StakeholderFactory(deal=DealFactory(owner=rep))

    response = api_as(rep).post(
        f"/deals/{stakeholder.deal_id}/stakeholders",
        {"contact_id": stakeholder.contact_id, "role": "user"},
    )

    assert invalid_fields(response) == {"contact_id"}


def test_a_stakeholder_of_another_deal_answers_404(api_as, rep):
    deal = DealFactory(owner=rep)
    elsewhere = StakeholderFactory(deal=DealFactory(owner=rep))
    api = api_as(rep)

    path = f"/deals/{deal.pk}/stakeholders/{elsewhere.pk}"
    assert api.patch(path, {"role": "user"}).status_code == 404
    assert api.delete(path).status_code == 404
    assert DealStakeholder.objects.filter(pk=elsewhere.pk).exists()


def test_stakeholders_follow_the_deals_access(api_as, rep, outsider, teammate):
    hidden = StakeholderFactory(deal=DealFactory(owner=teammate))
    shared = StakeholderFactory(deal=DealFactory(owner=outsider, visibility="everyone"))
    contact = ContactFactory(owner=rep)

    for api, stakeholder, status in ((api_as(outsider), hidden, 404), (api_as(rep), shared, 403)):
        base = f"/deals/{stakeholder.deal_id}/stakeholders"
        assert api.post(base, {"contact_id": contact.pk, "role": "user"}).status_code == status
        assert api.patch(f"{base}/{stakeholder.pk}", {"role": "user"}).status_code == status
        assert api.delete(f"{base}/{stakeholder.pk}").status_code == status
    assert api_as(outsider).get(f"/deals/{hidden.deal_id}/stakeholders").status_code == 404
    assert api_as(rep).get(f"/deals/{shared.deal_id}/stakeholders").json()["count"] == 1
    assert DealStakeholder.objects.filter(role="decision_maker").count() == 2


def test_stakeholders_take_a_constant_number_of_queries(api_as, rep, django_assert_max_num_queries):
    deal = DealFactory(owner=rep)
    for _ in range(4):
        StakeholderFactory(deal=deal)
    api = api_as(rep)

    with django_assert_max_num_queries(5):
        assert api.get(f"/deals/{deal.pk}/stakeholders").json()["count"] == 4


# Competitors ------------------------------------------------------------------------------------


def test_a_rep_names_a_new_competitor_on_a_deal_and_it_joins_the_list(api_as, rep):
    deal = DealFactory(owner=rep)
    api = api_as(rep)

    added = api.post(
        f"/deals/{deal.pk}/competitors",
        {"name": "Rival Co", "strengths": "Cheap", "counter_strategy": "Show the total cost"},
    )
    path = f"/deals/{deal.pk}/competitors/{added.json()['id']}"
    changed = api.patch(path, {"status": "eliminated"})
    removed = api.delete(path)

    assert added.status_code == 201
    assert (added.json()["competitor_name"], added.json()["status"]) == ("Rival Co", "active")
    assert Competitor.objects.filter(name="Rival Co").exists()
    assert changed.json()["status"] == "eliminated"
    assert removed.status_code == 204
    assert not DealCompetitor.objects.exists()


def test_a_competitor_of_the_list_is_named_by_id_or_by_its_name(api_as, rep):
    rival = CompetitorFactory(name="Globex")
    first, second = DealFactory(owner=rep), DealFactory(owner=rep)
    api = api_as(rep)

    by_id = api.post(f"/deals/{first.pk}/competitors", {"competitor_id": rival.pk})
    by_name = api.post(f"/deals/{second.pk}/competitors", {"name": "globex"})

    assert by_id.json()["competitor_id"] == by_name.json()["competitor_id"] == rival.pk
    assert Competitor.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"competitor_id", "name"}),
        ({"competitor_id": 999999}, {"competitor_id"}),
        ({"name": "x", "status": "winning"}, {"status"}),
    ],
)
def test_a_bad_competitor_answers_422_naming_the_field(api_as, rep, body, fields):
    deal = DealFactory(owner=rep)

    assert invalid_fields(api_as(rep).post(f"/deals/{deal.pk}/competitors", body)) == fields


def test_the_same_competitor_twice_on_a_deal_answers_422(api_as, rep):
    deal = DealFactory(owner=rep)
    api = api_as(rep)
    api.post(f"/deals/{deal.pk}/competitors", {"name": "Initech"})

    response = api.post(f"/deals/{deal.pk}/competitors", {"name": "Initech"})

    assert invalid_fields(response) == {"competitor_id"}


def test_competitors_follow_the_deals_access(api_as, rep, outsider, teammate):
    rival = CompetitorFactory()
    hidden = DealCompetitor.objects.create(deal=DealFactory(owner=teammate), competitor=rival)
    shared = DealCompetitor.objects.create(
        deal=DealFactory(owner=outsider, visibility="everyone"), competitor=rival
    )

    for api, entry, status in ((api_as(outsider), hidden, 404), (api_as(rep), shared, 403)):
        base = f"/deals/{entry.deal_id}/competitors"
        assert api.post(base, {"name": "New rival"}).status_code == status
        assert api.patch(f"{base}/{entry.pk}", {"status": "lost_to"}).status_code == status
        assert api.delete(f"{base}/{entry.pk}").status_code == status
    assert set(DealCompetitor.objects.values_list("status", flat=True)) == {"active"}
    assert not Competitor.objects.filter(name="New rival").exists()


def test_competitors_take_a_constant_number_of_queries(api_as, rep, django_assert_max_num_queries):
    deal = DealFactory(owner=rep)
    for _ in range(4):
        DealCompetitor.objects.create(deal=deal, competitor=CompetitorFactory())
    api = api_as(rep)

    with django_assert_max_num_queries(5):
        assert api.get(f"/deals/{deal.pk}/competitors").json()["count"] == 4
