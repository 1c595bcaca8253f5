"""Stage checklists: reps tick items per deal; the checklist can gate the stage's exit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from salesflow.core.errors import AccessDenied
from salesflow.pipeline.criteria import deal_missing_criteria
from salesflow.pipeline.services import pipeline_create
from salesflow.playbooks.configuration import checklist_item_add, checklist_item_update
from salesflow.playbooks.models import ChecklistItem
from salesflow.playbooks.selectors import checklist_for_deal
from salesflow.playbooks.services import checklist_tick
from tests.factories import DealFactory, stage_named

pytestmark = pytest.mark.django_db

PREPARATION = [
    "Agenda agreed with the customer",
    "End time agreed; everyone can stay to the end",
    "Expectations set on both sides",
    "Decision makers invited",
]


@pytest.fixture
def presentation():
    return stage_named("Presentation / demo")


@pytest.fixture
def deal(rep, presentation):
    return DealFactory(owner=rep, stage=presentation)


def test_the_presentation_preparation_checklist_is_seeded(presentation):
    labels = ChecklistItem.objects.filter(stage=presentation).order_by("position")
    assert [item.label for item in labels] == PREPARATION


def test_a_rep_ticks_and_unticks_an_item_on_their_deal(rep, teammate, deal, presentation):
    agenda = presentation.checklist_items.get(position=1)
    tick = checklist_tick(deal, agenda, acting_user=rep)
    assert (tick.ticked_by, tick.deal, tick.item) == (rep, deal, agenda)
    again = checklist_tick(deal, agenda, acting_user=teammate)
    assert again == tick and again.ticked_by == rep  # ticked once, by whoever ticked first
    lines = checklist_for_deal(deal)
    assert [line.is_ticked for line in lines] == [True, False, False, False]
    assert checklist_tick(deal, agenda, acting_user=rep, ticked=False) is None
    assert not deal.checklist_ticks.exists()


def test_the_checklist_gates_the_stage_until_every_active_item_is_ticked(
    rep, admin_user, deal, presentation
):
    def checklist_codes():
        return [
            m.code
            for m in deal_missing_criteria(deal, leaving=presentation)
            if m.code.startswith("checklist:")
        ]

    items = list(presentation.checklist_items.order_by("position"))
    assert checklist_codes() == [f"checklist:{item.pk}" for item in items]
    for item in items[:3]:
        checklist_tick(deal, item, acting_user=rep)
    assert checklist_codes() == [f"checklist:{items[3].pk}"]
    checklist_item_update(items[3], is_active=False, acting_user=admin_user)
    assert checklist_codes() == []


def test_an_outsider_or_a_reader_cannot_tick(rep, outsider, presentation):
    item = presentation.checklist_items.first()
    private = DealFactory(owner=rep, stage=presentation)
    public = DealFactory(owner=rep, stage=presentation, visibility="everyone")
    for deal in (private, public):
        with pytest.raises(AccessDenied):
            checklist_tick(deal, item, acting_user=outsider)
    assert not item.ticks.exists()


def test_a_retired_item_or_one_of_another_pipeline_cannot_be_ticked(
    rep, admin_user, deal, presentation
):
    item = presentation.checklist_items.first()
    checklist_item_update(item, is_active=False, acting_user=admin_user)
    with pytest.raises(ValidationError):
        checklist_tick(deal, item, acting_user=rep)
    other = pipeline_create(name="Other", stages=["Talk"], acting_user=admin_user)
    foreign = checklist_item_add(
        other.stages.get(name="Talk"), label="Coffee", acting_user=admin_user
    )
    with pytest.raises(ValidationError) as exc:
        checklist_tick(deal, foreign, acting_user=rep)
    assert "item" in exc.value.message_dict


def test_only_an_admin_edits_checklists(manager, presentation):
    with pytest.raises(AccessDenied):
        checklist_item_add(presentation, label="Projector works", acting_user=manager)
