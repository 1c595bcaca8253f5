"""The coaching API: transcripts and their signals, recordings, the rubric and reviews."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from salesflow.api.tests.conftest import BASE, ApiClient, invalid_fields
from salesflow.coaching.models import CallRecord, Review, RubricCriterion
from salesflow.coaching.services import notes_save, review_submit
from salesflow.coaching.tests.factories import DIALOGUE, wav_upload, with_transcript
from salesflow.users.models import Role, Visibility
from tests.factories import ActivityFactory, TeamFactory, UserFactory

VTT = """WEBVTT

00:00:00.000 --> 00:00:06.000
<v Rita>What does a normal morning look like for your dispatchers?

00:00:06.000 --> 00:00:24.000
<v Dana>They phone every driver, one by one, to find out where the trucks are.

00:00:24.000 --> 00:00:30.000
<v Rita>Can I call you on Thursday at 3pm with a plan?

00:00:30.000 --> 00:00:32.000
<v Dana>Sure, Thursday works.
"""


@pytest.fixture
def call(rep):
    return ActivityFactory(owner=rep, type="call", subject="Discovery call")


def all_scores() -> list[dict]:
    return [
        {"criterion_id": pk, "score": 3, "comment": ""}
        for pk in RubricCriterion.objects.filter(is_active=True).values_list("pk", flat=True)
    ]


def test_a_transcript_answers_its_signals(db, rep, call):
    body = {"format": "vtt", "text": VTT, "rep_speaker": "Rita"}
    response = ApiClient(rep).post(f"/activities/{call.pk}/transcript", body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["talk_share"] == pytest.approx(12 / 32, abs=0.001)
    assert answer["talk_basis"] == "time"
    assert (answer["open_questions"], answer["closed_questions"]) == (1, 1)
    assert answer["played_back"] is False
    assert answer["next_step_agreed"] is True
    detail = ApiClient(rep).get(f"/activities/{call.pk}/call-record").json()
    assert detail["rep_speaker"] == "Rita" and detail["signals"]["next_step_agreed"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"format": "lines", "text": DIALOGUE, "rep_speaker": "Nobody"}, "rep_speaker"),
        ({"format": "lines", "text": "no labels\nanywhere", "rep_speaker": "Rita"}, "text"),
        ({"format": "vtt", "text": "not a vtt file at all", "rep_speaker": "Rita"}, "text"),
        ({"format": "srt", "text": "1\ngarbage", "rep_speaker": "Rita"}, "text"),
        ({"format": "doc", "text": DIALOGUE, "rep_speaker": "Rita"}, "format"),
        ({"format": "lines", "text": DIALOGUE}, "rep_speaker"),
    ],
)
def test_bad_transcripts_answer_422_naming_the_field_and_keep_the_old_one(
    db, rep, call, body, field
):
    with_transcript(call)
    before = CallRecord.objects.get(activity=call)
    response = ApiClient(rep).post(f"/activities/{call.pk}/transcript", body)
    assert field in invalid_fields(response)
    after = CallRecord.objects.get(activity=call)
    assert (after.transcript_text, after.rep_speaker, after.talk_share) == (
        before.transcript_text, before.rep_speaker, before.talk_share,
    )  # fmt: skip


def test_a_read_only_reader_may_not_post_a_transcript(db, rep, outsider):
    shared = ActivityFactory(owner=outsider, type="call", visibility=Visibility.EVERYONE)
    body = {"format": "lines", "text": DIALOGUE, "rep_speaker": "Rita"}
    assert ApiClient(rep).post(f"/activities/{shared.pk}/transcript", body).status_code == 403
    assert not CallRecord.objects.exists()


def test_a_recording_is_uploaded_as_multipart(db, rep, call, media_in_tmp):
    client = ApiClient(rep)
    response = client.client.post(
        f"{BASE}/activities/{call.pk}/recording",
        {"recording": wav_upload()},
        headers=client.headers,
    )
    assert response.status_code == 201, response.content
    recording = response.json()["recording"]
    assert recording["content_type"] == "audio/wav"
    assert recording["url"] == f"/coaching/calls/{call.pk}/recording/"


def test_a_recording_that_is_not_audio_answers_422_and_stores_nothing(db, rep, call, media_in_tmp):
    client = ApiClient(rep)
    fake = SimpleUploadedFile("call.mp3", b"MZ\x90\x00 an executable", content_type="audio/mpeg")
    response = client.client.post(
        f"{BASE}/activities/{call.pk}/recording", {"recording": fake}, headers=client.headers
    )
    assert invalid_fields(response) == {"recording"}
    assert "call.mp3 is not MP3 audio" in response.content.decode()
    assert not media_in_tmp.exists() or not any(p.is_file() for p in media_in_tmp.rglob("*"))
    missing = client.client.post(f"{BASE}/activities/{call.pk}/recording", headers=client.headers)
    assert invalid_fields(missing) == {"recording"}


def test_admins_manage_the_rubric_and_everyone_reads_it(db, rep, admin_user):
    created = ApiClient(admin_user).post("/rubric-criteria", {"label": "Pain quantified"})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert ApiClient(rep).post("/rubric-criteria", {"label": "Mine"}).status_code == 403
    duplicate = ApiClient(admin_user).post("/rubric-criteria", {"label": "pain quantified"})
    assert invalid_fields(duplicate) == {"label"}
    patched = ApiClient(admin_user).patch(f"/rubric-criteria/{pk}", {"is_active": False})
    assert patched.json()["is_active"] is False
    assert ApiClient(rep).patch(f"/rubric-criteria/{pk}", {"label": "x"}).status_code == 403
    assert RubricCriterion.objects.get(pk=pk).label == "Pain quantified"
    active = ApiClient(rep).get("/rubric-criteria", {"active": "true"}).json()
    assert "Pain quantified" not in [c["label"] for c in active["items"]]
    assert active["count"] == 5


def test_a_manager_reviews_a_call_and_the_rep_reads_it(db, rep, teammate, manager, call):
    with_transcript(call)
    body = {"scores": all_scores(), "comment": "Good questions; book the demo sooner."}
    response = ApiClient(manager).post(f"/activities/{call.pk}/reviews", body)
    assert response.status_code == 201, response.content
    review = response.json()
    assert review["rep_id"] == rep.pk and review["average_score"] == 3
    assert len(review["scores"]) == 5
    assert ApiClient(rep).get(f"/reviews/{review['id']}").json()["comment"] == body["comment"]
    assert ApiClient(rep).get("/reviews").json()["count"] == 1
    assert ApiClient(teammate).get(f"/reviews/{review['id']}").status_code == 404
    assert ApiClient(teammate).get("/reviews").json()["count"] == 0
    assert ApiClient(manager).get("/reviews", {"rep_id": rep.pk}).json()["count"] == 1


def test_a_review_missing_a_criterion_answers_422_naming_scores(db, manager, call):
    with_transcript(call)
    body = {"scores": all_scores()[1:], "comment": ""}
    response = ApiClient(manager).post(f"/activities/{call.pk}/reviews", body)
    assert invalid_fields(response) == {"scores"}
    assert not Review.objects.exists()
    bad = {"scores": [{**all_scores()[0], "score": 9}]}
    assert invalid_fields(ApiClient(manager).post(f"/activities/{call.pk}/reviews", bad)) == {
        "score"
    }


def test_the_rep_and_other_teams_managers_may_not_review(db, rep, call):
    with_transcript(call)
    body = {"scores": all_scores()}
    assert ApiClient(rep).post(f"/activities/{call.pk}/reviews", body).status_code == 403
    south = UserFactory(username="south-boss", role=Role.MANAGER, team=TeamFactory(name="South"))
    assert ApiClient(south).post(f"/activities/{call.pk}/reviews", body).status_code == 404
    assert not Review.objects.exists()


def test_the_queue_lists_the_teams_unreviewed_calls(
    db, rep, manager, call, django_assert_max_num_queries
):
    with_transcript(call)
    done = ActivityFactory(owner=rep, type="demo", subject="Reviewed demo")
    notes_save(done, notes="Demo went well", acting_user=rep)
    with_transcript(done)
    review_submit(done, scores={c["criterion_id"]: 4 for c in all_scores()}, acting_user=manager)
    with django_assert_max_num_queries(6):
        response = ApiClient(manager).get("/reviews/queue")
    assert [item["activity_id"] for item in response.json()["items"]] == [call.pk]
    assert response.json()["items"][0]["has_transcript"] is True
    assert ApiClient(rep).get("/reviews/queue").status_code == 403


def test_trends_answer_per_rep_and_period(db, rep, manager, call):
    with_transcript(call)
    rows = ApiClient(manager).get("/coaching/trends", {"period": "week"}).json()
    assert len(rows) == 1 and rows[0]["rep_id"] == rep.pk
    assert rows[0]["next_step_rate"] == 1.0
    assert invalid_fields(ApiClient(rep).get("/coaching/trends", {"period": "year"})) == {"period"}
