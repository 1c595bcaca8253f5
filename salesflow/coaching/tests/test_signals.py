"""Reading transcripts (WebVTT, SRT, `Name: text` lines) and the coaching signals' rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from salesflow.coaching.call_signals import question_kind, signals_compute
from salesflow.coaching.tests.factories import DIALOGUE
from salesflow.coaching.transcripts import speakers_of, transcript_parse

VTT = """WEBVTT

00:00:00.000 --> 00:00:05.000
<v Rita>What made you look for a new system?

00:00:05.000 --> 00:00:20.000
<v Dana Decider>Our trucks arrive late and nobody knows where they are.

00:00:20.000 --> 00:00:25.000
Rita: Can we meet next week?

00:00:25.000 --> 00:00:27.500
<v Dana Decider>No, not yet.
"""

SRT = """1
00:00:00,000 --> 00:00:03,000
Rita: Do you have a budget for this?

2
00:00:03,000 --> 00:00:07,000
Dana: We have set money aside this year

3
00:00:07,000 --> 00:00:09,000
and some more next year.
"""


def signals(text: str, *, format: str = "lines", rep: str = "Rita"):
    return signals_compute(transcript_parse(text, format=format), rep_speaker=rep)


def test_webvtt_speakers_come_from_voice_spans_and_name_labels():
    cues = transcript_parse(VTT, format="vtt")
    assert [c.speaker for c in cues] == ["Rita", "Dana Decider", "Rita", "Dana Decider"]
    assert cues[2].text == "Can we meet next week?"
    assert cues[1].start == 5.0 and cues[1].end == 20.0


def test_srt_cue_without_a_label_continues_the_speaker_before():
    cues = transcript_parse(SRT, format="srt")
    assert [c.speaker for c in cues] == ["Rita", "Dana", "Dana"]
    assert speakers_of(cues) == ["Rita", "Dana"]


def test_talk_share_is_by_time_when_cues_have_times():
    # Rita speaks 5 + 5 seconds of 27.5.
    result = signals(VTT, format="vtt")
    assert result.talk_basis == "time"
    assert result.talk_share == pytest.approx(10 / 27.5, abs=0.001)


def test_talk_share_is_by_words_without_times():
    result = signals("Rita: one two three\nDana: one two three four five six seven")
    assert result.talk_basis == "words"
    assert result.talk_share == pytest.approx(0.3)


def test_rep_speaker_matches_without_case():
    assert signals(SRT, format="srt", rep="RITA").talk_share == pytest.approx(3 / 9, abs=0.001)


def test_open_and_closed_questions_of_the_rep_only():
    text = (
        "Rita: So, what brings you here? Do you use spreadsheets? Tell me about your team.\n"
        "Dana: What do you sell? Is it cheap?\n"
        "Rita: Tuesday at ten? We sell trackers. How do you plan routes today?"
    )
    result = signals(text)
    # Open: what brings, tell me (an imperative ask), how do you plan; closed: do you use.
    # "Tuesday at ten?" is neither; the customer's questions do not count.
    assert (result.open_questions, result.closed_questions) == (3, 1)


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("What do you like about your previous suppliers?", "open"),
        ("Describe your present situation.", "open"),
        ("ok and why is that?", "open"),
        ("Could you send the figures?", "closed"),
        ("Don't you think so?", "closed"),
        ("Right?", ""),
        ("We describe it in the brochure", ""),
    ],
)
def test_question_kind(sentence, kind):
    assert question_kind(sentence) == kind


def test_played_back_by_a_playback_phrase():
    text = "Dana: We lose a day a week.\nRita: Let me make sure I got that right."
    assert signals(text).played_back is True


def test_played_back_by_reusing_the_customers_words():
    text = (
        "Dana: Our trucks arrive late and dispatchers phone drivers constantly.\n"
        "Rita: Late trucks, and dispatchers phoning drivers. Got it."
    )
    assert signals(text).played_back is True


def test_not_played_back_when_the_rep_moves_on():
    text = (
        "Dana: Our trucks arrive late and dispatchers phone drivers constantly.\n"
        "Rita: Our product has a great dashboard with many features."
    )
    assert signals(text).played_back is False


def test_next_step_agreed_needs_a_time_and_the_other_side_accepting():
    assert signals(DIALOGUE).next_step_agreed is True
    no_time = "Rita: Shall we schedule a demo?\nDana: Yes, sounds good."
    assert signals(no_time).next_step_agreed is False
    refused = "Rita: Can we meet on Tuesday at 10?\nDana: No, not this month. Okay?"
    assert signals(refused).next_step_agreed is False
    unanswered = "Rita: I will send you the proposal tomorrow.\nRita: Okay, bye."
    assert signals(unanswered).next_step_agreed is False


def test_customer_may_propose_and_the_rep_accept():
    text = "Dana: Call me next week on Monday morning.\nRita: Sure, Monday morning it is."
    assert signals(text).next_step_agreed is True


def test_the_demo_dialogue_signals():
    result = signals(DIALOGUE)
    assert result.talk_basis == "words"
    assert 0.5 < result.talk_share < 0.8
    assert (result.open_questions, result.closed_questions) == (2, 2)
    assert result.played_back is True


@pytest.mark.parametrize(
    ("text", "format", "field"),
    [
        ("", "lines", "text"),
        ("this is not a transcript", "vtt", "text"),
        ("1\nnot a time\nhello", "srt", "text"),
        ("hello there\nno labels at all", "lines", "text"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhello\n", "vtt", "text"),
        ("Rita: hi", "docx", "format"),
    ],
)
def test_unreadable_or_unlabelled_transcripts_are_refused_naming_the_field(text, format, field):
    with pytest.raises(ValidationError) as refused:
        transcript_parse(text, format=format)
    assert field in refused.value.message_dict


def test_times_are_not_speakers():
    with pytest.raises(ValidationError):
        transcript_parse("10:30 we start\n11:00 we stop", format="lines")
