"""A deal walked through the default seven-step sales process by services alone."""

from __future__ import annotations

import datetime as dt

import pytest

from salesflow.activities.models import Activity
from salesflow.core.errors import DomainError
from salesflow.pipeline.models import Outcome
from salesflow.pipeline.services import (
    deal_close,
    deal_create,
    deal_move,
    deal_qualification_record,
    stakeholder_add,
)
from salesflow.playbooks.models import CustomerState
from salesflow.playbooks.selectors import question_sets_for_stage
from salesflow.playbooks.services import (
    answer_record,
    assessment_confirm,
    checklist_tick,
    first_meeting_record,
    next_action_create_task,
    objection_answer,
    objection_log,
)
from salesflow.quotes.services import quote_create, quote_line_add, quote_send
from tests.factories import AccountFactory, ContactFactory, stage_named

pytestmark = pytest.mark.django_db


def refused(deal, stage_name, user):
    """Try the move; return the DomainError's message and missing list."""
    with pytest.raises(DomainError) as exc:
        deal_move(deal, to_stage=stage_named(stage_name), acting_user=user)
    deal.refresh_from_db()
    return exc.value.message, exc.value.missing


def test_a_deal_is_walked_from_prospecting_to_won_meeting_every_exit_criterion(rep):
    account = AccountFactory(owner=rep, name="Nordwind Logistics")
    deal = deal_create(acting_user=rep, name="Fleet CRM", account=account, amount=48000)
    assert deal.stage.name == "Prospecting"

    # Visit: the first-meeting judgment and its next step, one click.
    first_meeting_record(deal, state=CustomerState.PRELIMINARY_DEMAND, acting_user=rep)
    meeting = next_action_create_task(deal, acting_user=rep)
    assert (meeting.type, meeting.subject) == ("meeting", "Book the needs assessment meeting")

    deal_move(deal, to_stage=stage_named("Qualification"), acting_user=rep)

    # Qualification -> BANT.
    message, missing = refused(deal, "Needs assessment", rep)
    assert message == "This deal cannot leave Qualification yet."
    assert missing == [
        {"code": f"bant_recorded:{letter}", "message": text, "stage": "Qualification"}
        for letter, text in [
            ("budget", "BANT: record the budget."),
            ("authority", "BANT: record who decides (authority)."),
            ("need", "BANT: record the need."),
            ("timeline", "BANT: record the timeline."),
        ]
    ]
    deal_qualification_record(
        deal, acting_user=rep, budget_amount=50000, is_decision_maker=False,
        decision_maker_name="Ines Berg (COO)", need="Dispatch runs on spreadsheets",
        timeline_on=dt.date(2027, 6, 30),
    )  # fmt: skip
    deal_move(deal, to_stage=stage_named("Needs assessment"), acting_user=rep)

    # Needs assessment -> every open question answered, then confirmed by the customer.
    question_set = question_sets_for_stage(deal.stage).get()
    questions = list(question_set.questions.order_by("position"))
    message, missing = refused(deal, "Presentation / demo", rep)
    assert message == "This deal cannot leave Needs assessment yet."
    assert missing == [
        *(
            {
                "code": f"assessment_answered:{q.pk}",
                "message": f"Ask and note: “{q.text}”",
                "stage": "Needs assessment",
            }
            for q in questions
        ),
        {
            "code": f"assessment_confirmed:{question_set.pk}",
            "message": f"Play the answers to “{question_set.name}” back to the customer and "
            "mark them confirmed.",
            "stage": "Needs assessment",
        },
    ]
    for question in questions:
        answer_record(deal, question, text=f"Notes on: {question.text}", acting_user=rep)
    assessment_confirm(deal, question_set, acting_user=rep)
    deal_move(deal, to_stage=stage_named("Presentation / demo"), acting_user=rep)

    # Presentation -> a decision maker and the preparation checklist.
    items = list(deal.stage.checklist_items.order_by("position"))
    message, missing = refused(deal, "Proposal and objections", rep)
    assert message == "This deal cannot leave Presentation / demo yet."
    assert missing == [
        {
            "code": "decision_maker",
            "message": "Name the decision maker among the deal's stakeholders.",
            "stage": "Presentation / demo",
        },
        *(
            {
                "code": f"checklist:{item.pk}",
                "message": f"Tick “{item.label}” on the checklist.",
                "stage": "Presentation / demo",
            }
            for item in items
        ),
    ]
    coo = ContactFactory(owner=rep, account=account, first_name="Ines", last_name="Berg")
    stakeholder_add(deal, contact=coo, role="decision_maker", attitude="neutral", acting_user=rep)
    for item in items:
        checklist_tick(deal, item, acting_user=rep)
    deal_move(deal, to_stage=stage_named("Proposal and objections"), acting_user=rep)

    # Proposal and objections -> a quote sent and no objection left open.
    objection, suggestions = objection_log(
        deal, category="price", customer_words="Your competitor is 20% cheaper", acting_user=rep
    )
    message, missing = refused(deal, "Closing", rep)
    assert message == "This deal cannot leave Proposal and objections yet."
    assert missing == [
        {
            "code": "quote_sent",
            "message": "Send a quote to the customer.",
            "stage": "Proposal and objections",
        },
        {
            "code": f"no_open_objection:{objection.pk}",
            "message": "Answer the price objection: “Your competitor is 20% cheaper”",
            "stage": "Proposal and objections",
        },
    ]
    quote = quote_create(deal, acting_user=rep)
    quote_line_add(quote, description="Route planner, 20 seats", quantity=20, unit_price=2300,
                   acting_user=rep)  # fmt: skip
    quote_send(quote, acting_user=rep)
    words = suggestions[0].response.replace("…", "20,000 EUR")  # its placeholders filled in
    objection_answer(
        objection, library_response=suggestions[0], response_given=words, acting_user=rep
    )
    deal_move(deal, to_stage=stage_named("Closing"), acting_user=rep)

    # Closing -> won, with the hand-over to delivery.
    deal_close(deal, outcome=Outcome.WON, technique="direct", amount=46000, acting_user=rep)
    deal.refresh_from_db()
    assert (deal.outcome, deal.stage.name, deal.closing_technique) == ("won", "Won", "direct")
    path = [change.to_stage.name for change in deal.stage_changes.order_by("pk")]
    assert path == [
        "Prospecting", "Qualification", "Needs assessment", "Presentation / demo",
        "Proposal and objections", "Closing", "Won",
    ]  # fmt: skip
    assert not deal.stage_changes.exclude(override_reason="").exists()
    handover = Activity.objects.get(deal=deal, subject="Hand over to delivery")
    assert (handover.type, handover.owner, handover.done_at) == ("task", rep, None)
