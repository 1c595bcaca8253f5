"""The call review panel and pages: transcripts, reviews, feedback, the queue, the trends and
the rubric settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from conftest import client_for
from salesflow.activities.panels import activity_panels
from salesflow.coaching.models import CallRecord, Review, RubricCriterion
from salesflow.coaching.panels import activity_page_url
from salesflow.coaching.services import notes_save, review_submit
from salesflow.coaching.tests.factories import DIALOGUE, with_transcript
from salesflow.core.panels import PanelCall
from salesflow.users.models import Role
from tests.factories import ActivityFactory, TeamFactory, UserFactory


@pytest.fixture
def call(rep):
    return ActivityFactory(owner=rep, type="call", subject="Discovery call with Dana")


def all_scores(score: int = 4) -> dict[int, int]:
    return {c.pk: score for c in RubricCriterion.objects.filter(is_active=True)}


def review_post(score: int = 4, comment: str = "Great discovery") -> dict[str, str]:
    data = {f"score_{pk}": str(value) for pk, value in all_scores(score).items()}
    first = RubricCriterion.objects.filter(is_active=True).first()
    data[f"comment_{first.pk}"] = "Ask about budget earlier"
    data["comment"] = comment
    return data


def panel_html(user, activity) -> str:
    from django.template.loader import render_to_string

    request = RequestFactory().get("/")
    request.user = user
    call = PanelCall(request=request, record=activity, can_edit=True)
    context = activity_panels.context(call, ["call-review"])
    return render_to_string(activity_panels.get("call-review").template, context, request)


def test_the_rubric_is_seeded(db):
    labels = list(RubricCriterion.objects.values_list("label", flat=True))
    assert labels[:2] == ["Needs discovered", "Listened more than talked"]
    assert "Next step agreed" in labels and "Objections handled" in labels


def test_the_panel_is_registered_on_the_activity_page(call, rep):
    assert activity_panels.get("call-review").slot == "main"
    html = panel_html(rep, call)
    assert 'id="panel-call-review"' in html
    assert "Upload recording" in html and "Add a transcript" in html


def test_the_panel_stays_away_from_emails_and_tasks(rep):
    email = ActivityFactory(owner=rep, type="email")
    assert 'id="panel-call-review"' not in panel_html(rep, email)


def test_posting_a_transcript_shows_its_signals_beside_the_rubric(call, rep_client):
    response = rep_client.post(
        f"/coaching/calls/{call.pk}/transcript/",
        {"format": "lines", "text": DIALOGUE, "rep_speaker": "Rita"},
    )
    assert response.status_code == 302
    assert response["Location"] == activity_page_url(call)
    page = rep_client.get(f"/coaching/calls/{call.pk}/").content.decode()
    assert '<dd data-signal="open_questions">2</dd>' in page
    assert '<dd data-signal="played_back">Yes</dd>' in page
    assert '<dd data-signal="next_step_agreed">Yes</dd>' in page


def test_a_transcript_file_can_be_uploaded(call, rep_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    vtt = b"WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n<v Rita>What matters most?\n\n"
    vtt += b"00:00:04.000 --> 00:00:10.000\n<v Dana>Uptime, really.\n"
    upload = SimpleUploadedFile("call.vtt", vtt, content_type="text/vtt")
    response = rep_client.post(
        f"/coaching/calls/{call.pk}/transcript/",
        {"format": "vtt", "rep_speaker": "Rita", "file": upload},
    )
    assert response.status_code == 302
    record = CallRecord.objects.get(activity=call)
    assert record.talk_basis == "time" and record.talk_share == pytest.approx(0.4)


def test_a_transcript_without_the_rep_is_refused_on_the_page(call, rep_client):
    response = rep_client.post(
        f"/coaching/calls/{call.pk}/transcript/",
        {"format": "lines", "text": DIALOGUE, "rep_speaker": "Robert"},
    )
    assert response.status_code == 200
    assert "“Robert” does not speak in this transcript" in response.content.decode()
    assert not CallRecord.objects.filter(activity=call).exists()


def test_a_read_only_reader_sees_the_signals_but_no_forms(rep, outsider):
    shared = ActivityFactory(owner=rep, type="call", visibility="everyone")
    with_transcript(shared)
    page = client_for(outsider).get(f"/coaching/calls/{shared.pk}/").content.decode()
    assert "Coaching signals" in page and '<dd data-signal="played_back">Yes</dd>' in page
    for form in ("Upload recording", "Save transcript", "Save notes", "Score this call"):
        assert form not in page


def test_a_teammate_shares_the_call_but_may_not_score_it(call, teammate):
    with_transcript(call)
    page = client_for(teammate).get(f"/coaching/calls/{call.pk}/").content.decode()
    assert "Coaching signals" in page and "Save transcript" in page
    assert "Score this call" not in page


def test_a_manager_scores_the_call_and_the_rep_sees_the_feedback(call, rep, manager, teammate):
    with_transcript(call)
    manager_client = client_for(manager)
    page = manager_client.get(f"/coaching/calls/{call.pk}/").content.decode()
    assert "Score this call" in page
    response = manager_client.post(f"/coaching/calls/{call.pk}/review/", review_post())
    assert response.status_code == 302
    review = Review.objects.get(call_record__activity=call)
    assert review.reviewer == manager and review.comment == "Great discovery"
    assert sorted(review.scores.values_list("score", flat=True)) == [4] * 5

    rep_page = client_for(rep).get(f"/coaching/calls/{call.pk}/").content.decode()
    assert "Your feedback" in rep_page and "Great discovery" in rep_page
    assert "Ask about budget earlier" in rep_page
    feedback = client_for(rep).get("/coaching/feedback/").content.decode()
    assert "Great discovery" in feedback and "Discovery call with Dana" in feedback

    for page in (
        client_for(teammate).get(f"/coaching/calls/{call.pk}/").content.decode(),
        client_for(teammate).get("/coaching/feedback/").content.decode(),
    ):
        assert "Great discovery" not in page


def test_a_review_missing_a_score_is_refused_and_nothing_is_saved(call, manager):
    with_transcript(call)
    data = review_post()
    first_key = next(key for key in data if key.startswith("score_"))
    del data[first_key]
    response = client_for(manager).post(f"/coaching/calls/{call.pk}/review/", data)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Review.objects.exists()


def test_the_rep_and_teammates_may_not_review(call, rep, teammate):
    with_transcript(call)
    for user in (rep, teammate):
        response = client_for(user).post(f"/coaching/calls/{call.pk}/review/", review_post())
        assert response.status_code == 403
    assert not Review.objects.exists()


def test_a_manager_of_another_team_may_not_review(call):
    other = UserFactory(username="boss-south", role=Role.MANAGER, team=TeamFactory(name="South"))
    with_transcript(call)
    assert (
        client_for(other).post(f"/coaching/calls/{call.pk}/review/", review_post()).status_code
        == 404
    )
    assert not Review.objects.exists()


def test_a_call_with_nothing_attached_cannot_be_reviewed(call, manager):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        review_submit(call, scores=all_scores(), acting_user=manager)
    assert "activity" in refused.value.message_dict


def test_each_reviewer_reviews_a_call_once(call, manager):
    from django.core.exceptions import ValidationError

    notes_save(call, notes="Talked about routes.", acting_user=call.owner)
    review_submit(call, scores=all_scores(), acting_user=manager)
    with pytest.raises(ValidationError):
        review_submit(call, scores=all_scores(2), acting_user=manager)
    assert list(Review.objects.values_list("scores__score", flat=True).distinct()) == [4]


def test_the_queue_lists_the_teams_unreviewed_calls_oldest_first(
    rep, teammate, manager, outsider, django_assert_max_num_queries
):
    now = timezone.now()
    newer = ActivityFactory(owner=rep, subject="Newer call", done_at=now - dt.timedelta(days=1))
    older = ActivityFactory(
        owner=teammate, subject="Older call", done_at=now - dt.timedelta(days=9)
    )
    reviewed = ActivityFactory(owner=rep, subject="Reviewed call", done_at=now)
    notes_only = ActivityFactory(owner=rep, subject="Notes only call")
    south = ActivityFactory(owner=outsider, subject="South call")
    for activity in (newer, older, reviewed, south):
        with_transcript(activity, text="Rep: Hello?\nDana: Hi.", rep="Rep")
    notes_save(notes_only, notes="Just notes", acting_user=rep)
    review_submit(reviewed, scores=all_scores(), acting_user=manager)
    client = client_for(manager)
    with django_assert_max_num_queries(12):
        page = client.get("/coaching/").content.decode()
    assert page.index("Older call") < page.index("Newer call")
    for absent in ("Reviewed call", "Notes only call", "South call"):
        assert absent not in page


def test_reps_may_not_open_the_queue(rep_client):
    assert rep_client.get("/coaching/").status_code == 403


def test_trends_average_the_signals_per_rep_and_month(rep, teammate, manager, outsider):
    day = timezone.now().replace(day=10)
    good = ActivityFactory(owner=rep, done_at=day)
    with_transcript(good)
    poor = ActivityFactory(owner=rep, done_at=day)
    with_transcript(poor, text="Rita: Do you want it? Is it good?\nDana: No.", rep="Rita")
    other = ActivityFactory(owner=outsider, done_at=day)
    with_transcript(other, text="Sam: Hello?\nBo: Hi.", rep="Sam")

    from salesflow.coaching.selectors import signal_trends

    rows = signal_trends(manager)
    assert [row["rep_id"] for row in rows] == [rep.pk]  # not the other team's rep
    row = rows[0]
    assert row["calls"] == 2
    assert row["open_questions"] == 2 and row["closed_questions"] == 4
    assert row["open_question_ratio"] == pytest.approx(2 / 6, abs=0.001)
    assert row["played_back_rate"] == 0.5 and row["next_step_rate"] == 0.5
    assert row["period"] == day.date().replace(day=1)
    assert signal_trends(teammate) == []  # a rep sees only their own
    page = client_for(rep).get("/coaching/trends/").content.decode()
    assert "33%" in page and "50%" in page


def test_admins_edit_the_rubric(admin_user):
    client = client_for(admin_user)
    response = client.post("/coaching/rubric/", {"label": "Pain quantified", "description": ""})
    assert response.status_code == 302
    criterion = RubricCriterion.objects.get(label="Pain quantified")
    assert criterion.is_active and criterion.position > 50
    duplicate = client.post("/coaching/rubric/", {"label": "pain QUANTIFIED"})
    assert "already" in duplicate.content.decode()
    edit = client.post(
        f"/coaching/rubric/{criterion.pk}/edit/",
        {"label": "Pain quantified", "description": "In money", "position": 5, "is_active": ""},
    )
    assert edit.status_code == 302
    criterion.refresh_from_db()
    assert criterion.is_active is False and criterion.description == "In money"
    assert "Call rubric" in client.get("/coaching/rubric/").content.decode()


def test_retired_criteria_are_not_scored(call, manager):
    notes_save(call, notes="Notes", acting_user=call.owner)
    retired = RubricCriterion.objects.get(label="Objections handled")
    retired.is_active = False
    retired.save()
    review = review_submit(call, scores=all_scores(), acting_user=manager)
    assert retired.pk not in set(review.scores.values_list("criterion_id", flat=True))


def test_a_manager_of_another_team_may_read_a_shared_call_but_not_review_it(rep):
    shared = ActivityFactory(owner=rep, type="call", visibility="everyone")
    with_transcript(shared)
    other = UserFactory(username="boss-south", role=Role.MANAGER, team=TeamFactory(name="South"))
    client = client_for(other)
    assert "Score this call" not in client.get(f"/coaching/calls/{shared.pk}/").content.decode()
    assert client.post(f"/coaching/calls/{shared.pk}/review/", review_post()).status_code == 403
    assert not Review.objects.exists()


def test_a_review_sent_again_from_a_second_tab_is_refused_and_the_first_is_kept(call, manager):
    with_transcript(call)
    manager_client = client_for(manager)
    first_tab = manager_client.post(f"/coaching/calls/{call.pk}/review/", review_post(4, "First"))
    assert first_tab.status_code == 302
    second_tab = manager_client.post(f"/coaching/calls/{call.pk}/review/", review_post(2, "Again"))
    assert second_tab.status_code == 200
    assert "You have reviewed this call already." in second_tab.content.decode()
    review = Review.objects.get(call_record__activity=call)
    assert review.comment == "First"
    assert set(review.scores.values_list("score", flat=True)) == {4}
