"""The "Call review" panel of an activity's page (see `salesflow.core.panels`)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.urls import NoReverseMatch, reverse

from salesflow.activities.models import Activity
from salesflow.coaching.forms import NotesForm, RecordingForm, ReviewForm, TranscriptForm
from salesflow.coaching.selectors import call_record_of, may_review, reviews_of_call, rubric_active
from salesflow.coaching.services import REVIEWABLE_TYPES
from salesflow.core.panels import Panel, PanelCall

PANEL = "call-review"
TEMPLATE = "coaching/panel.html#panel-call-review"


def activity_page_url(activity: Activity) -> str:
    """The activity's page with the call review panel; this app's call page while the
    activities app has no page of its own."""
    try:
        url = reverse("activities:activity-detail", args=[activity.pk])
    except NoReverseMatch:
        return reverse("coaching:call", args=[activity.pk])
    return f"{url}#panel-{PANEL}"


def call_review_context(call: PanelCall) -> dict[str, Any]:
    activity: Activity = call.record
    if activity.type not in REVIEWABLE_TYPES:
        return {"call_review": None}
    user = call.user
    record = call_record_of(activity)
    reviews = reviews_of_call(user, record)
    reviewer = may_review(user, activity)
    criteria = list(rubric_active()) if reviewer else []
    reviewed = any(review.reviewer_id == user.pk for review in reviews)
    review_form = None
    if reviewer and not reviewed:
        review_form = call.forms.get("review") or ReviewForm(criteria=criteria)
    # A review sent again (a second tab) is refused; the form is gone, its reason stays.
    review_refused = (
        call.forms["review"].non_field_errors() if reviewed and "review" in call.forms else []
    )
    rep_name = ""
    if activity.owner_id:
        rep_name = activity.owner.first_name or activity.owner.username
    transcript_initial = {
        "format": (record.transcript_format if record else "") or "lines",
        "rep_speaker": (record.rep_speaker if record else "") or rep_name,
    }
    return {
        "call_review": {
            "activity": activity,
            "record": record,
            "can_edit": call.can_edit,
            "recording_form": call.form("recording", RecordingForm),
            "transcript_form": call.form(
                "transcript", partial(TranscriptForm, initial=transcript_initial)
            ),
            "notes_form": call.form(
                "notes", partial(NotesForm, initial={"notes": record.notes if record else ""})
            ),
            "may_review": reviewer,
            "reviewed": reviewed,
            "review_form": review_form,
            "review_refused": review_refused,
            "reviews": reviews,
            "is_rep": activity.owner_id == user.pk,
        }
    }


def panels_register() -> None:
    """Called from `CoachingConfig.ready()`."""
    from salesflow.activities.panels import activity_panels

    activity_panels.register(
        # No section-nav label: the panel draws nothing on emails, notes and tasks.
        Panel(PANEL, TEMPLATE, call_review_context, order=40)
    )
