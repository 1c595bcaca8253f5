"""Call review in the browser: the rep attaches a recording (a real WAV made here) and a
transcript to a call, the manager plays it, scores it against the rubric with comments, and the
rep then reads the feedback on the call and on "My feedback"."""

from __future__ import annotations

import io
import wave

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.coaching.models import Review, RubricCriterion
from salesflow.coaching.panels import activity_page_url
from salesflow.users.models import Role
from tests.factories import ActivityFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TRANSCRIPT = """Rita: What made you look for a new tracking system?
Dana: Our trucks arrive late and nobody knows where they are.
Rita: So you're saying the late trucks are the problem, not the drivers?
Dana: Exactly.
Rita: Shall we book a demo on Tuesday at 10?
Dana: Yes, that works."""


def tiny_wav(path) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        buffer = io.BytesIO()
        for n in range(8000):  # one second of a quiet square wave
            buffer.write((800 if (n // 20) % 2 else -800).to_bytes(2, "little", signed=True))
        out.writeframes(buffer.getvalue())


def sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url("/login/")


def test_a_manager_scores_a_call_and_the_rep_sees_the_feedback(
    page, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    north = TeamFactory(name="North")
    rita = UserFactory(username="rita", first_name="Rita", last_name="Rep", team=north)
    UserFactory(username="maria", first_name="Maria", role=Role.MANAGER, team=north)
    UserFactory(username="rob", first_name="Rob", team=north)
    call = ActivityFactory(owner=rita, type="call", subject="Discovery call with Dana")
    recording = tmp_path / "dana-call.wav"
    tiny_wav(recording)

    # The rep attaches the recording and the transcript.
    sign_in(page, "rita")
    page.goto(activity_page_url(call))
    panel = page.get_by_role("region", name="Call review")
    panel.get_by_label("Audio file").set_input_files(str(recording))
    panel.get_by_role("button", name="Upload recording").click()
    expect(page.get_by_text("Recording attached.")).to_be_visible()
    panel.get_by_label("Format").select_option("lines")
    panel.get_by_label("Rep's speaker name").fill("Rita")
    panel.get_by_label("Transcript", exact=True).fill(TRANSCRIPT)
    panel.get_by_role("button", name="Save transcript").click()
    expect(page.get_by_text("Transcript saved")).to_be_visible()
    expect(panel.locator('[data-signal="played_back"]')).to_have_text("Yes")
    expect(panel.locator('[data-signal="next_step_agreed"]')).to_have_text("Yes")

    # The manager finds it in the review queue, plays it and scores it.
    sign_in(page, "maria")
    page.goto("/coaching/")
    page.get_by_role("link", name="Discovery call with Dana").click()
    panel = page.get_by_role("region", name="Call review")
    audio = panel.locator("audio")
    expect(audio).to_be_visible()
    # The player reads the recording through the permission-checked view: one second of audio.
    duration = audio.evaluate(
        "a => new Promise(done => { setTimeout(() => done(0), 10000);"
        " a.readyState >= 1 ? done(a.duration)"
        " : a.addEventListener('loadedmetadata', () => done(a.duration)); })"
    )
    assert duration == pytest.approx(1.0, abs=0.05)
    for criterion in RubricCriterion.objects.filter(is_active=True):
        score = "5" if criterion.label == "Next step agreed" else "3"
        panel.get_by_role("group", name=f"{criterion.label} (score)").get_by_label(score).check()
    panel.get_by_label("Needs discovered (comment)").fill("Ask about the budget earlier.")
    panel.get_by_label("Overall comment").fill("Good play-back; keep the demo date habit.")
    screenshot("call-review-scoring")
    panel.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Review saved")).to_be_visible()
    assert Review.objects.get().reviewer.username == "maria"
    expect(page.get_by_role("link", name="Discovery call with Dana")).to_have_count(0)

    # The rep reads the feedback on the call and on "My feedback".
    sign_in(page, "rita")
    page.goto(activity_page_url(call))
    panel = page.get_by_role("region", name="Call review")
    expect(panel.get_by_role("heading", name="Your feedback")).to_be_visible()
    expect(panel).to_contain_text("Good play-back; keep the demo date habit.")
    expect(panel).to_contain_text("Ask about the budget earlier.")
    expect(panel.get_by_role("row", name="Next step agreed 5 / 5")).to_be_visible()
    screenshot("call-review-feedback")
    page.goto("/coaching/feedback/")
    expect(page.get_by_role("heading", name="My feedback")).to_be_visible()
    expect(page.get_by_text("Good play-back; keep the demo date habit.")).to_be_visible()

    # Another rep of the team sees the call but not the feedback.
    sign_in(page, "rob")
    page.goto(activity_page_url(call))
    expect(page.get_by_role("region", name="Call review")).not_to_contain_text("Good play-back")
    assert page.console_errors == []
