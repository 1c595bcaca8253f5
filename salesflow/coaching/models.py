"""Call review and coaching: a call's recording, transcript and signals; the rubric; reviews."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.core.models import TimeStampedModel


def recording_path(record: CallRecord, filename: str) -> str:
    """A name nobody can guess: the stored file is reached only through the permission-checked
    view, never through a public media URL. The extension comes from the checked audio type."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    month = timezone.now().strftime("%Y/%m")
    return f"coaching/recordings/{month}/{secrets.token_urlsafe(24)}.{extension}"


class TranscriptFormat(models.TextChoices):
    VTT = "vtt", "WebVTT"
    SRT = "srt", "SRT"
    LINES = "lines", "Name: text lines"


class TalkBasis(models.TextChoices):
    TIME = "time", "By time"
    WORDS = "words", "By words"


class CallRecord(TimeStampedModel):
    """What was said on a call, meeting, visit or demo: the recording, the transcript (with the
    coaching signals computed from it) and notes. Readers of the activity read it; its writers
    change it."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="call_record")

    recording = models.FileField(upload_to=recording_path, max_length=255, blank=True)
    recording_filename = models.CharField(max_length=255, blank=True)
    recording_content_type = models.CharField(max_length=64, blank=True)
    recording_size = models.PositiveBigIntegerField(null=True, blank=True)
    recording_seconds = models.FloatField(null=True, blank=True)
    recording_uploaded_at = models.DateTimeField(null=True, blank=True)
    recording_uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    transcript_format = models.CharField(max_length=8, choices=TranscriptFormat.choices, blank=True)
    transcript_text = models.TextField(blank=True)
    rep_speaker = models.CharField(max_length=100, blank=True)
    transcript_saved_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    # The coaching signals, computed from the transcript when it is saved (docs/coaching.md).
    talk_share = models.FloatField(null=True, blank=True)
    talk_basis = models.CharField(max_length=8, choices=TalkBasis.choices, blank=True)
    open_questions = models.PositiveIntegerField(null=True, blank=True)
    closed_questions = models.PositiveIntegerField(null=True, blank=True)
    played_back = models.BooleanField(null=True, blank=True)
    next_step_agreed = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(talk_share__isnull=True) | Q(talk_share__gte=0, talk_share__lte=1),
                name="call_record_talk_share_0_1",
            )
        ]

    def __str__(self) -> str:
        return f"Call record of {self.activity}"

    @property
    def has_recording(self) -> bool:
        return bool(self.recording)

    @property
    def has_transcript(self) -> bool:
        return bool(self.transcript_text)

    @property
    def has_signals(self) -> bool:
        return self.talk_share is not None

    @property
    def open_question_ratio(self) -> float | None:
        asked = (self.open_questions or 0) + (self.closed_questions or 0)
        return (self.open_questions or 0) / asked if asked else None


class RubricCriterion(TimeStampedModel):
    """One thing a manager scores a call on ("Needs discovered", "Next step agreed")."""

    label = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "label"]
        verbose_name_plural = "rubric criteria"

    def __str__(self) -> str:
        return self.label


SCORE_MIN, SCORE_MAX = 1, 5


class Review(TimeStampedModel):
    """A manager's scores and comments on one call; the rep (the activity's owner) reads it."""

    call_record = models.ForeignKey(CallRecord, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="call_reviews"
    )
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call_record", "reviewer"], name="review_one_per_reviewer"
            )
        ]

    def __str__(self) -> str:
        return f"Review of {self.call_record.activity} by {self.reviewer}"

    @property
    def average_score(self) -> float | None:
        scores = [score.score for score in self.scores.all()]
        return sum(scores) / len(scores) if scores else None


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["criterion__position", "criterion__label"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="review_score_once"),
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="review_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"
