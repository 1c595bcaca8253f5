"""Call recordings: checked (type, size, content), stored through the default storage under a
name nobody can guess, served only to the activity's readers."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import client_for
from salesflow.coaching.models import CallRecord
from salesflow.coaching.services import recording_attach
from salesflow.coaching.tests.factories import wav_bytes, wav_upload
from salesflow.users.models import Visibility
from tests.factories import ActivityFactory


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


@pytest.fixture
def call(rep):
    return ActivityFactory(owner=rep, type="call", subject="Discovery call")


def test_a_wav_recording_is_stored_under_a_name_nobody_can_guess(call, rep, media_in_tmp):
    record = recording_attach(call, upload=wav_upload("Dana call.wav"), acting_user=rep)
    assert record.recording_filename == "Dana call.wav"
    assert record.recording_content_type == "audio/wav"
    assert record.recording_seconds == pytest.approx(0.25)
    name = record.recording.name
    assert name.startswith("coaching/recordings/") and name.endswith(".wav")
    assert "Dana" not in name and len(Path(name).stem) >= 30
    assert default_storage.open(name).read() == wav_bytes()
    assert stored_files(media_in_tmp) == [media_in_tmp / name]


@pytest.mark.parametrize(
    ("name", "content", "content_type", "reason"),
    [
        ("notes.txt", b"hello", "text/plain", "not an allowed recording"),
        ("fake.wav", b"this is plain text, not audio at all", "audio/wav", "not WAV audio"),
        ("fake.mp3", b"<html>not audio</html>" * 20, "audio/mpeg", "not MP3 audio"),
        ("call.wav", wav_bytes(), "text/html", "not as audio"),
        ("empty.wav", b"", "audio/wav", "is empty"),
        ("movie.webm", b"\x1a\x45\xdf\xa3\x00matroska", "audio/webm", "not WEBM audio"),
    ],
)
def test_what_is_not_audio_is_refused_and_nothing_is_stored(
    call, rep, media_in_tmp, name, content, content_type, reason
):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    with pytest.raises(ValidationError) as refused:
        recording_attach(call, upload=upload, acting_user=rep)
    assert reason in refused.value.message_dict["recording"][0]
    assert stored_files(media_in_tmp) == []
    assert not CallRecord.objects.filter(activity=call).exists()


def test_a_recording_over_the_limit_is_refused_and_nothing_is_stored(
    call, rep, media_in_tmp, settings
):
    settings.SALESFLOW_RECORDING_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as refused:
        recording_attach(call, upload=wav_upload(), acting_user=rep)
    assert "at most 1000" in refused.value.message_dict["recording"][0]
    assert stored_files(media_in_tmp) == []


def test_a_webm_with_the_webm_doctype_is_accepted(call, rep):
    header = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 40
    upload = SimpleUploadedFile("memo.webm", header, content_type="audio/webm")
    assert recording_attach(call, upload=upload, acting_user=rep).recording_content_type == (
        "audio/webm"
    )


def test_a_new_recording_replaces_the_old_file_once_committed(
    call, rep, media_in_tmp, django_capture_on_commit_callbacks
):
    first = recording_attach(call, upload=wav_upload(), acting_user=rep).recording.name
    with django_capture_on_commit_callbacks() as callbacks:
        second = recording_attach(call, upload=wav_upload(), acting_user=rep).recording.name
    assert first != second
    assert len(stored_files(media_in_tmp)) == 2  # the old one stays until the commit
    for callback in callbacks:
        callback()
    assert stored_files(media_in_tmp) == [media_in_tmp / second]


def test_only_writers_of_the_activity_attach_and_only_to_conversations(rep, outsider, media_in_tmp):
    shared = ActivityFactory(owner=outsider, visibility=Visibility.EVERYONE)
    with pytest.raises(PermissionDenied):
        recording_attach(shared, upload=wav_upload(), acting_user=rep)
    task = ActivityFactory(owner=rep, type="task")
    with pytest.raises(ValidationError) as refused:
        recording_attach(task, upload=wav_upload(), acting_user=rep)
    assert "activity" in refused.value.message_dict
    assert stored_files(media_in_tmp) == []


def test_the_upload_page_shows_the_refusal_and_stores_nothing(call, rep_client, media_in_tmp):
    upload = SimpleUploadedFile("song.wav", b"not really a wav file", content_type="audio/wav")
    response = rep_client.post(
        f"/coaching/calls/{call.pk}/recording/upload/", {"recording": upload}
    )
    assert response.status_code == 200
    assert "song.wav is not WAV audio" in response.content.decode()
    assert stored_files(media_in_tmp) == []


def test_the_upload_page_goes_back_to_the_call(call, rep_client):
    response = rep_client.post(
        f"/coaching/calls/{call.pk}/recording/upload/", {"recording": wav_upload()}
    )
    assert response.status_code == 302
    page = rep_client.get(response["Location"]).content.decode()
    assert f'<audio controls preload="metadata" src="/coaching/calls/{call.pk}/recording/"' in page


def test_readers_play_the_recording_with_its_content_type(call, rep, teammate, outsider):
    recording_attach(call, upload=wav_upload(), acting_user=rep)
    url = f"/coaching/calls/{call.pk}/recording/"
    response = client_for(teammate).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"] == "inline"
    assert b"".join(response.streaming_content) == wav_bytes()
    assert client_for(outsider).get(url).status_code == 404


def test_the_recording_is_served_in_byte_ranges_for_seeking(call, rep, rep_client):
    recording_attach(call, upload=wav_upload(), acting_user=rep)
    response = rep_client.get(f"/coaching/calls/{call.pk}/recording/", HTTP_RANGE="bytes=4-11")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 4-11/{len(wav_bytes())}"
    assert response.content == wav_bytes()[4:12]


def test_the_recording_is_not_a_public_media_url(call, rep, client):
    record = recording_attach(call, upload=wav_upload(), acting_user=rep)
    assert client.get(f"/media/{record.recording.name}").status_code == 404
    assert client.get(f"/coaching/calls/{call.pk}/recording/").status_code == 302  # sign in


def test_deleting_the_activity_deletes_its_recording_file(
    call, rep, media_in_tmp, django_capture_on_commit_callbacks
):
    from salesflow.activities.services import activity_delete

    recording_attach(call, upload=wav_upload(), acting_user=rep)
    with django_capture_on_commit_callbacks(execute=True):
        activity_delete(call, acting_user=rep)
    assert stored_files(media_in_tmp) == []


def test_a_recording_goes_with_its_call_when_the_deal_is_deleted(
    rep, media_in_tmp, django_capture_on_commit_callbacks
):
    from tests.factories import DealFactory

    deal = DealFactory(owner=rep)
    call = ActivityFactory(owner=rep, type="call", deal=deal)
    recording_attach(call, upload=wav_upload(), acting_user=rep)
    with django_capture_on_commit_callbacks(execute=True):
        deal.delete()  # the call record goes by cascade, through no coaching service
    assert not CallRecord.objects.exists()
    assert stored_files(media_in_tmp) == []


def test_a_rolled_back_deletion_keeps_the_recording_file(call, rep, media_in_tmp):
    from django.db import transaction

    record = recording_attach(call, upload=wav_upload(), acting_user=rep)
    with pytest.raises(RuntimeError), transaction.atomic():
        call.delete()
        raise RuntimeError("the deletion fails later")
    assert stored_files(media_in_tmp) == [media_in_tmp / record.recording.name]
