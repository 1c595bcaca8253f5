"""The playbook panels of the deal page: the stage checklist (inside the stage playbook), the
first-meeting judgment, the needs assessment and the objections (see `salesflow.core.panels`)."""

from __future__ import annotations

from functools import partial
from typing import Any

from salesflow.core.panels import Panel, PanelCall
from salesflow.pipeline.panels import deal_panels
from salesflow.playbooks.forms import (
    AssessmentForm,
    FirstMeetingForm,
    ObjectionAnswerForm,
    ObjectionLogForm,
)
from salesflow.playbooks.models import ObjectionStatus
from salesflow.playbooks.selectors import (
    assessment_any,
    assessments_for_deal,
    checklist_for_deal,
    checklist_ticks_any,
    deal_library_responses,
    deal_objection_rows,
    first_meeting_any,
    first_meeting_latest,
    next_action_for,
    question_sets_for_deal,
)

TEMPLATE = "playbooks/deal_panels.html"


def _checklist(call: PanelCall) -> dict[str, Any]:
    return {"checklist": checklist_for_deal(call.record)}


def _first_meeting(call: PanelCall) -> dict[str, Any]:
    deal = call.record
    return {
        "meeting": first_meeting_latest(deal),
        "next_action": next_action_for(deal),
        "meeting_form": call.form("meeting", FirstMeetingForm),
    }


def _assessment(call: PanelCall) -> dict[str, Any]:
    """Each question set of the deal with its answers, the form to answer, and how many are
    answered."""
    assessments = []
    deal = call.record
    for view in assessments_for_deal(deal, question_sets_for_deal(deal)):
        question_set = view.question_set
        form = call.forms.get(("assessment", question_set.pk)) or AssessmentForm(view=view)
        answered = sum(1 for line in view.lines if line.answer is not None)
        assessments.append((view, form, answered))
    return {"assessments": assessments}


def _objections(call: PanelCall) -> dict[str, Any]:
    """Each objection with its answer form (none once resolved) and the library's responses of
    its category."""
    deal = call.record
    objections = deal_objection_rows(deal)
    library: dict[str, list[Any]] = {}
    for response in deal_library_responses(deal) if objections else []:
        library.setdefault(response.category, []).append(response)
    rows = [
        (
            row,
            row.status != ObjectionStatus.RESOLVED
            and call.form(("objection", row.pk), partial(ObjectionAnswerForm, deal=deal, row=row)),
            library.get(row.category, []),
        )
        for row in objections
    ]
    return {"objection_rows": rows, "objection_form": call.form("objection", ObjectionLogForm)}


def panels_register() -> None:
    """Called from `PlaybooksConfig.ready()`."""
    for panel in (
        Panel("checklist", f"{TEMPLATE}#checklist", _checklist, slot="playbook",
              meets=("checklist",), anchor_id="checklist", annotate=checklist_ticks_any),
        Panel("first-meeting", f"{TEMPLATE}#panel-first-meeting", _first_meeting, order=20,
              label="First meeting", annotate=first_meeting_any),
        Panel("assessment", f"{TEMPLATE}#panel-assessment", _assessment, order=30,
              label="Needs assessment", meets=("assessment_answered", "assessment_confirmed"),
              annotate=assessment_any),
        Panel("objections", f"{TEMPLATE}#panel-objections", _objections, order=70,
              label="Objections", meets=("no_open_objection",)),
    ):  # fmt: skip
        deal_panels.register(panel)
