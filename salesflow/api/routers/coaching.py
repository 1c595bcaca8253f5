"""Call review and coaching: recordings, transcripts, signals, rubric and reviews."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from salesflow.activities.selectors import activity_get_for_user
from salesflow.api.auth import ADMIN_ONLY, MANAGER_ONLY
from salesflow.api.schemas import (
    ADMIN_READ_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    PageQuery,
    PatchSchema,
    filtered,
    page,
)
from salesflow.coaching import services
from salesflow.coaching.models import CallRecord, Review, RubricCriterion
from salesflow.coaching.selectors import (
    call_record_of,
    review_get_for_user,
    review_queue,
    reviews_visible_to,
    signal_trends,
)
from salesflow.coaching.transcripts import MAX_TEXT
from salesflow.users.policy import require_admin, require_manager

router = Router(tags=["coaching"])


# -- call records --------------------------------------------------------------------------


class SignalsOut(Schema):
    talk_share: float = Field(description="The rep's share of the talk, 0 to 1.")
    talk_basis: str = Field(description="time (cue times) or words (no times in the transcript).")
    open_questions: int
    closed_questions: int
    played_back: bool = Field(description="The rep restated what they heard.")
    next_step_agreed: bool = Field(description="A next step with a time was proposed and accepted.")


class TranscriptIn(InputSchema):
    format: Literal["vtt", "srt", "lines"] = Field(
        description="vtt (WebVTT), srt, or lines (one `Name: text` line per turn)."
    )
    text: str = Field(max_length=MAX_TEXT)
    rep_speaker: str = Field(max_length=100, description="The rep's name as the transcript has it.")


class TranscriptOut(SignalsOut):
    activity_id: int
    rep_speaker: str
    format: str


class RecordingOut(Schema):
    filename: str
    content_type: str
    size: int | None
    seconds: float | None
    uploaded_at: dt.datetime | None
    url: str = Field(description="Play it in the browser (signed-in readers of the activity).")


class CallRecordOut(Schema):
    activity_id: int
    recording: RecordingOut | None
    transcript_format: str
    transcript_text: str
    rep_speaker: str
    transcript_saved_at: dt.datetime | None
    notes: str
    signals: SignalsOut | None


def _call_record_out(activity_id: int, record: CallRecord | None) -> dict[str, Any]:
    if record is None:
        return {
            "activity_id": activity_id, "recording": None, "transcript_format": "",
            "transcript_text": "", "rep_speaker": "", "transcript_saved_at": None, "notes": "",
            "signals": None,
        }  # fmt: skip
    recording = None
    if record.recording:
        recording = {
            "filename": record.recording_filename,
            "content_type": record.recording_content_type,
            "size": record.recording_size,
            "seconds": record.recording_seconds,
            "uploaded_at": record.recording_uploaded_at,
            "url": reverse("coaching:recording", args=[activity_id]),
        }
    return {
        "activity_id": activity_id,
        "recording": recording,
        "transcript_format": record.transcript_format,
        "transcript_text": record.transcript_text,
        "rep_speaker": record.rep_speaker,
        "transcript_saved_at": record.transcript_saved_at,
        "notes": record.notes,
        "signals": record if record.has_signals else None,
    }


@router.post("/activities/{activity_id}/transcript", response={200: TranscriptOut, **WRITE_ERRORS})
def transcript_add(request: HttpRequest, activity_id: int, payload: TranscriptIn) -> Any:
    """Store a transcript with speaker labels on the call and answer its coaching signals
    (rules in docs/coaching.md). Refused with 422 naming `text` (unreadable, no speaker labels)
    or `rep_speaker` (not a speaker of it)."""
    activity = activity_get_for_user(request.auth, activity_id, write=True)
    record = services.transcript_save(
        activity,
        format=payload.format,
        text=payload.text,
        rep_speaker=payload.rep_speaker,
        acting_user=request.auth,
    )
    return {
        "activity_id": activity.pk,
        "rep_speaker": record.rep_speaker,
        "format": record.transcript_format,
        "talk_share": record.talk_share,
        "talk_basis": record.talk_basis,
        "open_questions": record.open_questions,
        "closed_questions": record.closed_questions,
        "played_back": record.played_back,
        "next_step_agreed": record.next_step_agreed,
    }


@router.post("/activities/{activity_id}/recording", response={201: CallRecordOut, **WRITE_ERRORS})
def recording_add(
    request: HttpRequest, activity_id: int, recording: File[UploadedFile] = None
) -> Status[Any]:
    """Multipart upload of the call's recording (field `recording`): MP3, M4A/MP4 audio,
    Ogg/Opus, WAV or WebM audio within the size limit. Anything else is refused with 422 naming
    `recording`, and nothing is stored."""
    activity = activity_get_for_user(request.auth, activity_id, write=True)
    record = services.recording_attach(activity, upload=recording, acting_user=request.auth)
    return Status(201, _call_record_out(activity.pk, record))


@router.get("/activities/{activity_id}/call-record", response={200: CallRecordOut, **READ_ERRORS})
def call_record_detail(request: HttpRequest, activity_id: int) -> Any:
    """The recording, transcript, notes and signals of a call (empty when none is attached)."""
    activity = activity_get_for_user(request.auth, activity_id)
    return _call_record_out(activity.pk, call_record_of(activity))


class TrendOut(Schema):
    rep_id: int
    rep: str
    period: dt.date = Field(description="First day of the month (or the week's Monday).")
    calls: int
    talk_share: float = Field(description="Average talk share of the rep's calls.")
    open_questions: int
    closed_questions: int
    open_question_ratio: float | None = Field(description="Open / all questions asked.")
    played_back_rate: float
    next_step_rate: float


class TrendQuery(Schema):
    period: Literal["month", "week"] = "month"
    rep_id: int | None = Field(None, ge=1, le=2**63 - 1)


@router.get("/coaching/trends", response={200: list[TrendOut], **READ_ERRORS})
def trends(request: HttpRequest, query: Query[TrendQuery]) -> list[dict[str, Any]]:
    """Coaching signals per rep and month or week: yours as a rep, your teams' as a manager."""
    return signal_trends(request.auth, period=query.period, rep_id=query.rep_id)


# -- the rubric ----------------------------------------------------------------------------


class RubricCriterionOut(Schema):
    id: int
    label: str
    description: str
    position: int
    is_active: bool


class RubricCriterionList(Schema):
    items: list[RubricCriterionOut]
    count: int


class RubricCriterionIn(InputSchema):
    label: str = Field(min_length=1, max_length=100)
    description: str = ""
    position: int | None = Field(None, ge=0, le=1_000_000)
    is_active: bool = True


class RubricCriterionPatch(PatchSchema):
    label: str = Field(None, min_length=1, max_length=100)
    description: str = Field(None)
    position: int = Field(None, ge=0, le=1_000_000)
    is_active: bool = Field(None)


class RubricQuery(PageQuery):
    active: bool | None = Field(None, description="true: the criteria managers score now.")


@router.get("/rubric-criteria", response={200: RubricCriterionList, **READ_ERRORS})
def rubric_list(request: HttpRequest, query: Query[RubricQuery]) -> dict[str, Any]:
    """The call review rubric, in order."""
    criteria = filtered(RubricCriterion.objects.all(), is_active=query.active)
    return page(criteria.order_by("position", "label", "pk"), query)


@router.post(
    "/rubric-criteria", response={201: RubricCriterionOut, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def rubric_add(request: HttpRequest, payload: RubricCriterionIn) -> Status[Any]:
    """Add a criterion (admins)."""
    data = payload.model_dump()
    return Status(201, services.rubric_criterion_create(acting_user=request.auth, **data))


@router.get("/rubric-criteria/{criterion_id}", response={200: RubricCriterionOut, **READ_ERRORS})
def rubric_detail(request: HttpRequest, criterion_id: int) -> RubricCriterion:
    return get_object_or_404(RubricCriterion, pk=criterion_id)


@router.patch(
    "/rubric-criteria/{criterion_id}",
    response={200: RubricCriterionOut, **WRITE_ERRORS},
    auth=ADMIN_ONLY,
)
def rubric_change(
    request: HttpRequest, criterion_id: int, payload: RubricCriterionPatch
) -> RubricCriterion:
    """Rename, reorder or retire a criterion (admins); reviews keep their scores."""
    require_admin(request.auth)
    criterion = get_object_or_404(RubricCriterion, pk=criterion_id)
    data = payload.model_dump(exclude_unset=True)
    return services.rubric_criterion_update(criterion, acting_user=request.auth, **data)


# -- reviews -------------------------------------------------------------------------------


class ScoreIn(InputSchema):
    criterion_id: int = Field(ge=1, le=2**63 - 1)
    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=5000)


class ReviewIn(InputSchema):
    scores: list[ScoreIn] = Field(
        max_length=200, description="A 1-5 score for every active rubric criterion."
    )
    comment: str = Field("", max_length=5000, description="The overall comment.")


class ScoreOut(Schema):
    criterion_id: int
    criterion: str
    score: int
    comment: str

    @staticmethod
    def resolve_criterion(score: Any) -> str:
        return score.criterion.label


class ReviewOut(Schema):
    id: int
    activity_id: int
    rep_id: int | None
    reviewer_id: int
    comment: str
    average_score: float | None
    scores: list[ScoreOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_activity_id(review: Review) -> int:
        return review.call_record.activity_id

    @staticmethod
    def resolve_rep_id(review: Review) -> int | None:
        return review.call_record.activity.owner_id

    @staticmethod
    def resolve_scores(review: Review) -> list[Any]:
        return list(review.scores.all())


class ReviewList(Schema):
    items: list[ReviewOut]
    count: int


# Ids bounded to what the databases store (a larger one is refused, not sent to SQLite).
ID: dict[str, Any] = {"ge": 1, "le": 2**63 - 1}


class ReviewQuery(PageQuery):
    activity_id: int | None = Field(None, **ID)
    rep_id: int | None = Field(None, description="The reviewed rep (the activity's owner).", **ID)
    reviewer_id: int | None = Field(None, **ID)


class QueueItemOut(Schema):
    activity_id: int
    subject: str
    type: str
    rep_id: int | None
    happened_at: dt.datetime
    has_recording: bool
    has_transcript: bool
    talk_share: float | None

    @staticmethod
    def resolve_subject(record: CallRecord) -> str:
        return record.activity.subject

    @staticmethod
    def resolve_type(record: CallRecord) -> str:
        return record.activity.type

    @staticmethod
    def resolve_rep_id(record: CallRecord) -> int | None:
        return record.activity.owner_id

    @staticmethod
    def resolve_happened_at(record: CallRecord) -> dt.datetime:
        activity = record.activity
        return activity.done_at or activity.due_at or activity.created_at


class QueueList(Schema):
    items: list[QueueItemOut]
    count: int


@router.get("/reviews", response={200: ReviewList, **READ_ERRORS})
def review_list(request: HttpRequest, query: Query[ReviewQuery]) -> dict[str, Any]:
    """Reviews you may read: of your own calls, written by you, or (managers) of your teams'
    calls; newest first."""
    reviews = filtered(
        reviews_visible_to(request.auth),
        call_record__activity_id=query.activity_id,
        call_record__activity__owner_id=query.rep_id,
        reviewer_id=query.reviewer_id,
    ).prefetch_related("scores__criterion")
    return page(reviews.order_by("-created_at", "-pk"), query)


@router.get("/reviews/queue", response={200: QueueList, **ADMIN_READ_ERRORS}, auth=MANAGER_ONLY)
def review_queue_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """Your teams' calls with a recording or transcript that nobody reviewed, oldest first
    (managers and admins)."""
    require_manager(request.auth, what="see the review queue")
    return page(review_queue(request.auth), query)


@router.get("/reviews/{review_id}", response={200: ReviewOut, **READ_ERRORS})
def review_detail(request: HttpRequest, review_id: int) -> Review:
    return review_get_for_user(request.auth, review_id)


@router.post(
    "/activities/{activity_id}/reviews",
    response={201: ReviewOut, **WRITE_ERRORS},
    auth=MANAGER_ONLY,
)
def review_add(request: HttpRequest, activity_id: int, payload: ReviewIn) -> Status[Any]:
    """Score a call against the active rubric (a manager of the rep's team, or an admin; not
    your own call). Each reviewer reviews a call once."""
    activity = activity_get_for_user(request.auth, activity_id)
    scores: dict[int, int] = {}
    comments: dict[int, str] = {}
    for item in payload.scores:
        if item.criterion_id in scores:
            raise ValidationError({"scores": f"Criterion {item.criterion_id} is scored twice."})
        scores[item.criterion_id] = item.score
        comments[item.criterion_id] = item.comment
    try:
        review = services.review_submit(
            activity,
            scores=scores,
            comments=comments,
            comment=payload.comment,
            acting_user=request.auth,
        )
    except ValidationError as error:
        raise _as_scores_error(error) from None
    return Status(201, review_get_for_user(request.auth, review.pk))


def _as_scores_error(error: ValidationError) -> ValidationError:
    """The service names a form's per-criterion fields (score_3); the API's field is `scores`."""
    if not hasattr(error, "error_dict"):
        return error
    renamed: dict[str, list[str]] = {}
    for name, messages in error.message_dict.items():
        key = "scores" if name.startswith(("score_", "comment_")) else name
        renamed.setdefault(key, []).extend(messages)
    return ValidationError(renamed)
