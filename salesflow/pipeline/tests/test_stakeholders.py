"""Stakeholders and competitors recorded on a deal."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from salesflow.core.errors import AccessDenied
from salesflow.pipeline.models import CompetitorStatus, StakeholderRole
from salesflow.pipeline.selectors import (
    competitors_active,
    deal_competitors_of,
    stakeholders_of,
)
from salesflow.pipeline.services import (
    competitor_create,
    competitor_update,
    deal_competitor_add,
    deal_competitor_remove,
    deal_competitor_update,
    stakeholder_add,
    stakeholder_remove,
    stakeholder_update,
)
from salesflow.pipeline.tests.factories import CompetitorFactory
from tests.factories import ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(rep):
    return DealFactory(owner=rep)


def test_a_stakeholder_is_added_with_role_attitude_and_profile(rep, deal):
    contact = ContactFactory(owner=rep, account=deal.account)
    stakeholder = stakeholder_add(
        deal,
        contact=contact,
        role=StakeholderRole.DECISION_MAKER,
        attitude="supporter",
        personality="Analytical, wants numbers",
        working_style="Decides after a week of reflection",
        acting_user=rep,
    )
    assert list(stakeholders_of(deal)) == [stakeholder]
    assert stakeholder.added_by == rep and stakeholder.get_role_display() == "Decision maker"
    stakeholder_update(stakeholder, attitude="opponent", acting_user=rep)
    stakeholder.refresh_from_db()
    assert stakeholder.attitude == "opponent"
    stakeholder_remove(stakeholder, acting_user=rep)
    assert not deal.stakeholders.exists()


def test_a_contact_the_user_cannot_see_is_refused(rep, outsider, deal):
    hidden = ContactFactory(owner=outsider)
    with pytest.raises(ValidationError) as exc:
        stakeholder_add(deal, contact=hidden, role="influencer", acting_user=rep)
    assert "contact" in exc.value.message_dict
    assert not deal.stakeholders.exists()


def test_the_same_contact_twice_or_an_unknown_role_is_refused(rep, deal):
    contact = ContactFactory(owner=rep)
    stakeholder_add(deal, contact=contact, role="champion", acting_user=rep)
    with pytest.raises(ValidationError) as exc:
        stakeholder_add(deal, contact=contact, role="user", acting_user=rep)
    assert "contact" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        stakeholder_add(deal, contact=ContactFactory(owner=rep), role="king", acting_user=rep)
    assert "role" in exc.value.message_dict


def test_someone_who_cannot_write_the_deal_cannot_add_stakeholders(outsider, rep):
    deal = DealFactory(owner=rep, visibility="everyone")
    contact = ContactFactory(owner=outsider)
    with pytest.raises(AccessDenied):
        stakeholder_add(deal, contact=contact, role="user", acting_user=outsider)


def test_competitors_are_a_shared_list_and_each_deal_tracks_its_own_view(rep, teammate, deal):
    rival = competitor_create(name="Acme CRM", strengths="Cheap", acting_user=rep)
    assert list(competitors_active()) == [rival]
    entry = deal_competitor_add(
        deal,
        competitor=rival,
        weaknesses="No on-premise option",
        counter_strategy="Lead with self-hosting and data ownership",
        acting_user=teammate,
    )
    deal_competitor_update(entry, status=CompetitorStatus.ELIMINATED, acting_user=rep)
    entry.refresh_from_db()
    assert entry.status == "eliminated" and entry.get_status_display() == "Eliminated"
    assert list(deal_competitors_of(deal)) == [entry]
    with pytest.raises(ValidationError):
        deal_competitor_add(deal, competitor=rival, acting_user=rep)
    with pytest.raises(ValidationError) as exc:
        deal_competitor_update(entry, status="asleep", acting_user=rep)
    assert "status" in exc.value.message_dict
    deal_competitor_remove(entry, acting_user=rep)
    assert not deal.competitors.exists()


def test_a_competitor_name_is_listed_once(rep):
    competitor_create(name="Acme CRM", acting_user=rep)
    with pytest.raises(ValidationError) as exc:
        competitor_create(name="acme crm", acting_user=rep)
    assert "name" in exc.value.message_dict


def test_only_managers_and_admins_edit_the_shared_competitor_notes(rep, manager):
    rival = CompetitorFactory(name="Acme CRM")
    with pytest.raises(AccessDenied):
        competitor_update(rival, weaknesses="Slow", acting_user=rep)
    competitor_update(rival, weaknesses="Slow support", acting_user=manager)
    rival.refresh_from_db()
    assert rival.weaknesses == "Slow support"


def test_an_outsider_cannot_record_competitors_on_a_deal(outsider, deal):
    with pytest.raises(AccessDenied):
        deal_competitor_add(deal, competitor=CompetitorFactory(), acting_user=outsider)
