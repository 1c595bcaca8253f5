"""Permission rules of call review and coaching (see tests/permission_rules/__init__.py).

Calls, their recordings, transcripts and signals follow the activity: its readers read, its
writers write. Reviewing is for a manager of the rep's team or an admin ("manager" rules on a
rep's team activity). A review is read by the rep, its reviewer, the team's managers and
admins, never by other reps: the "own" rule is checked on a review of a call that belongs to no
team, so only its rep and admins may read it (the team manager's access is tested in
salesflow/coaching/tests/test_api.py).
"""

from __future__ import annotations

import io
import wave
from typing import Any

from tests.permission_rules.rule import Rule

# One small WAV kept in the default storage for the matrix's recording page (media/ is not
# in version control); each test's database row points at it.
MATRIX_RECORDING = "coaching/recordings/permission-matrix.wav"


def wav_bytes(seconds: float = 0.2, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x01" * int(seconds * rate))
    return buffer.getvalue()


def _criterion(name: str, owner: Any, visibility: str) -> Any:
    from salesflow.coaching.models import RubricCriterion

    return RubricCriterion.objects.create(label=name, description=name, position=99)


def _recording(name: str, owner: Any, visibility: str) -> Any:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from salesflow.coaching.models import CallRecord
    from tests.factories import ActivityFactory

    if not default_storage.exists(MATRIX_RECORDING):
        default_storage.save(MATRIX_RECORDING, ContentFile(wav_bytes()))
    activity = ActivityFactory(owner=owner, visibility=visibility, subject=name)
    CallRecord.objects.create(
        activity=activity,
        recording=MATRIX_RECORDING,
        recording_filename=f"{name}.wav",
        recording_content_type="audio/wav",
    )
    return activity


def _review(name: str, owner: Any, visibility: str) -> Any:
    from salesflow.coaching.models import CallRecord, Review, ReviewScore, RubricCriterion
    from salesflow.users.models import Role
    from tests.factories import ActivityFactory, UserFactory

    activity = ActivityFactory(owner=owner, visibility=visibility, subject=name, team=None)
    record = CallRecord.objects.create(activity=activity, notes=name)
    coach = UserFactory(username="zebra-coach", role=Role.ADMIN)
    review = Review.objects.create(call_record=record, reviewer=coach, comment=name)
    criterion = RubricCriterion.objects.filter(is_active=True).first()
    ReviewScore.objects.create(review=review, criterion=criterion, score=4, comment=name)
    return review


RECORDS: dict[str, Any] = {
    "rubric_criterion": _criterion,
    "coaching_recording": _recording,
    "coaching_review": _review,
}

PAGE_RULES: dict[str, Rule] = {
    "coaching:queue": Rule("manager"),
    "coaching:trends": Rule("signed_in"),
    "coaching:feedback": Rule("signed_in"),
    "coaching:rubric": Rule("admin"),
    "coaching:rubric-edit": Rule("admin", "rubric_criterion"),
    "coaching:call": Rule("read", "activity"),
    "coaching:recording": Rule("read", "coaching_recording"),
    "coaching:recording-upload": Rule("write", "activity", method="POST"),
    "coaching:transcript": Rule("write", "activity", method="POST"),
    "coaching:notes": Rule("write", "activity", method="POST"),
    "coaching:review": Rule("manager", "activity", method="POST"),
}

TRANSCRIPT = {
    "format": "lines",
    "text": "Rep: What matters most to you?\nCustomer: Uptime.",
    "rep_speaker": "Rep",
}

API_RULES: dict[str, Rule] = {
    "POST /activities/{activity_id}/transcript": Rule("write", "activity", "POST", TRANSCRIPT),
    "POST /activities/{activity_id}/recording": Rule("write", "activity", "POST"),
    "GET /activities/{activity_id}/call-record": Rule("read", "activity"),
    "GET /coaching/trends": Rule("signed_in"),
    "GET /rubric-criteria": Rule("signed_in"),
    "POST /rubric-criteria": Rule("admin", method="POST", body={"label": "Zebra new"}),
    "GET /rubric-criteria/{criterion_id}": Rule("signed_in", "rubric_criterion"),
    "PATCH /rubric-criteria/{criterion_id}": Rule(
        "admin", "rubric_criterion", "PATCH", {"description": "Asked about budget"}
    ),
    "GET /reviews": Rule("signed_in"),
    "GET /reviews/queue": Rule("manager"),
    "GET /reviews/{review_id}": Rule("own", "coaching_review"),
    "POST /activities/{activity_id}/reviews": Rule(
        "manager", "activity", "POST", {"scores": [], "comment": "Good discovery"}
    ),
}

ROUTES: list[tuple[str, str]] = [
    ("post", "/activities/{activity_id}/transcript"),
    ("post", "/activities/{activity_id}/recording"),
    ("get", "/activities/{activity_id}/call-record"),
    ("get", "/coaching/trends"),
    ("get", "/rubric-criteria"),
    ("post", "/rubric-criteria"),
    ("get", "/rubric-criteria/{criterion_id}"),
    ("patch", "/rubric-criteria/{criterion_id}"),
    ("get", "/reviews"),
    ("get", "/reviews/queue"),
    ("get", "/reviews/{review_id}"),
    ("post", "/activities/{activity_id}/reviews"),
]
