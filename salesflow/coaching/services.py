"""Writes of call review: recordings, transcripts and notes on an activity; the rubric; reviews."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from salesflow.activities.models import Activity, ActivityType
from salesflow.coaching.call_signals import Signals, signals_compute
from salesflow.coaching.models import (
    SCORE_MAX,
    SCORE_MIN,
    CallRecord,
    Review,
    ReviewScore,
    RubricCriterion,
)
from salesflow.coaching.recordings import recording_check
from salesflow.coaching.selectors import review_allowed_check, rubric_active
from salesflow.coaching.transcripts import speaker_key, speakers_of, transcript_parse
from salesflow.core.services import fields_assign
from salesflow.users.policy import require_admin
from salesflow.users.services import record_require_write

# The activities a recording or transcript belongs to: conversations with the customer.
REVIEWABLE_TYPES = (ActivityType.CALL, ActivityType.MEETING, ActivityType.VISIT, ActivityType.DEMO)
NOTES_MAX = 20_000
COMMENT_MAX = 5_000


def activity_reviewable_check(activity: Activity) -> None:
    if activity.type not in REVIEWABLE_TYPES:
        raise ValidationError(
            {"activity": "Recordings and transcripts belong to calls, meetings, visits and demos."}
        )


def _call_record_locked(activity: Activity) -> CallRecord:
    """The activity's call record, created on first use, locked for this transaction."""
    record, _ = CallRecord.objects.get_or_create(activity=activity)
    return CallRecord.objects.select_for_update().get(pk=record.pk)


def recording_attach(activity: Activity, *, upload: Any, acting_user: Any) -> CallRecord:
    """Check the upload (type, size, content) and store it through the default storage under a
    name nobody can guess, replacing an earlier recording. A refused upload stores nothing."""
    record_require_write(acting_user, activity)
    activity_reviewable_check(activity)
    checked = recording_check(upload)
    upload.seek(0)
    with transaction.atomic():
        record = _call_record_locked(activity)
        storage = record.recording.storage
        previous = record.recording.name if record.recording else ""
        record.recording.save(f"recording{checked.extension}", File(upload), save=False)
        stored = record.recording.name
        record.recording_filename = checked.filename
        record.recording_content_type = checked.content_type
        record.recording_size = checked.size
        record.recording_seconds = checked.seconds
        record.recording_uploaded_at = timezone.now()
        record.recording_uploaded_by = acting_user
        try:
            record.save()
        except Exception:
            storage.delete(stored)  # the row was not written: nor is the file kept
            raise
        if previous:
            # The old file goes once the new row is committed, never before.
            transaction.on_commit(lambda: storage.delete(previous))
    return record


def _signals_apply(record: CallRecord, signals: Signals | None) -> None:
    record.talk_share = signals.talk_share if signals else None
    record.talk_basis = signals.talk_basis if signals else ""
    record.open_questions = signals.open_questions if signals else None
    record.closed_questions = signals.closed_questions if signals else None
    record.played_back = signals.played_back if signals else None
    record.next_step_agreed = signals.next_step_agreed if signals else None


@transaction.atomic
def transcript_save(
    activity: Activity, *, format: str, text: str, rep_speaker: str, acting_user: Any
) -> CallRecord:
    """Read the transcript, find the rep in it, compute the coaching signals and keep all
    three. Refused (ValidationError naming `format`, `text` or `rep_speaker`) when it cannot be
    read, has no speaker labels, or the rep does not speak in it."""
    record_require_write(acting_user, activity)
    activity_reviewable_check(activity)
    rep_speaker = " ".join((rep_speaker or "").split())
    if not rep_speaker:
        raise ValidationError({"rep_speaker": "Name the rep as the transcript labels them."})
    if len(rep_speaker) > 100:
        raise ValidationError({"rep_speaker": "At most 100 characters."})
    cues = transcript_parse(text, format=format)
    speakers = speakers_of(cues)
    if speaker_key(rep_speaker) not in {speaker_key(name) for name in speakers}:
        raise ValidationError(
            {"rep_speaker": f"“{rep_speaker}” does not speak in this transcript; its speakers "
             f"are: {', '.join(speakers)}."}
        )  # fmt: skip
    signals = signals_compute(cues, rep_speaker=rep_speaker)
    record = _call_record_locked(activity)
    record.transcript_format = format
    record.transcript_text = text
    record.rep_speaker = rep_speaker
    record.transcript_saved_at = timezone.now()
    _signals_apply(record, signals)
    record.save()
    return record


@transaction.atomic
def notes_save(activity: Activity, *, notes: str, acting_user: Any) -> CallRecord:
    record_require_write(acting_user, activity)
    activity_reviewable_check(activity)
    if len(notes or "") > NOTES_MAX:
        raise ValidationError({"notes": f"At most {NOTES_MAX:,} characters."})
    record = _call_record_locked(activity)
    record.notes = (notes or "").strip()
    record.save(update_fields=["notes", "updated_at"])
    return record


# -- the rubric ----------------------------------------------------------------------------

RUBRIC_FIELDS = {"label", "description", "position", "is_active"}


def _rubric_label_check(label: Any, *, pk: int | None = None) -> None:
    if not str(label or "").strip():
        raise ValidationError({"label": "Give the criterion a label."})
    taken = RubricCriterion.objects.filter(label__iexact=str(label).strip())
    if taken.exclude(pk=pk).exists():
        raise ValidationError({"label": "The rubric has a criterion with this label already."})


@transaction.atomic
def rubric_criterion_create(*, acting_user: Any, **data: Any) -> RubricCriterion:
    require_admin(acting_user)
    _rubric_label_check(data.get("label"))
    criterion = RubricCriterion()
    if data.get("position") is None:
        last = RubricCriterion.objects.order_by("-position").first()
        data["position"] = (last.position + 10) if last else 10
    data["label"] = str(data["label"]).strip()
    fields_assign(criterion, data, allowed=RUBRIC_FIELDS)
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def rubric_criterion_update(
    criterion: RubricCriterion, *, acting_user: Any, **data: Any
) -> RubricCriterion:
    """Change a criterion; reviews already written keep their scores (retire it instead of
    deleting it)."""
    require_admin(acting_user)
    if "label" in data:
        _rubric_label_check(data["label"], pk=criterion.pk)
        data["label"] = str(data["label"]).strip()
    changed = fields_assign(criterion, data, allowed=RUBRIC_FIELDS)
    if changed:
        criterion.full_clean()
        criterion.save(update_fields=[*changed, "updated_at"])
    return criterion


# -- reviews -------------------------------------------------------------------------------


@transaction.atomic
def review_submit(
    activity: Activity,
    *,
    scores: dict[int, int],
    comments: dict[int, str] | None = None,
    comment: str = "",
    acting_user: Any,
) -> Review:
    """A manager of the rep's team (or an admin) scores the call against the active rubric:
    `scores` and `comments` by criterion id, a score from 1 to 5 for every active criterion,
    and an overall `comment`. Each reviewer reviews a call once."""
    review_allowed_check(acting_user, activity)
    record = CallRecord.objects.filter(activity=activity).first()
    if record is None or not (record.recording or record.transcript_text or record.notes):
        raise ValidationError(
            {"activity": "Attach a recording, a transcript or notes before reviewing this call."}
        )
    criteria = list(rubric_active())
    if not criteria:
        raise ValidationError({"scores": "The rubric has no active criteria; an admin adds them."})
    comments = comments or {}
    known = {criterion.pk for criterion in criteria}
    unknown = sorted(set(scores) - known) + sorted(set(comments) - known)
    if unknown:
        raise ValidationError({"scores": f"Not an active rubric criterion: {unknown[0]}."})
    errors: dict[str, str] = {}
    for criterion in criteria:
        score = scores.get(criterion.pk)
        if score is None:
            errors[f"score_{criterion.pk}"] = f"Score “{criterion.label}” from 1 to 5."
        elif not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
            errors[f"score_{criterion.pk}"] = f"“{criterion.label}”: a score from 1 to 5."
        if len(comments.get(criterion.pk, "") or "") > COMMENT_MAX:
            errors[f"comment_{criterion.pk}"] = f"At most {COMMENT_MAX:,} characters."
    if len(comment or "") > COMMENT_MAX:
        errors["comment"] = f"At most {COMMENT_MAX:,} characters."
    if errors:
        raise ValidationError(errors)
    try:  # the unique constraint refuses a second review, sent later or at the same moment
        with transaction.atomic():
            review = Review.objects.create(
                call_record=record, reviewer=acting_user, comment=(comment or "").strip()
            )
    except IntegrityError:
        raise ValidationError({"activity": "You have reviewed this call already."}) from None
    ReviewScore.objects.bulk_create(
        ReviewScore(
            review=review,
            criterion=criterion,
            score=scores[criterion.pk],
            comment=(comments.get(criterion.pk) or "").strip(),
        )
        for criterion in criteria
    )
    return review
