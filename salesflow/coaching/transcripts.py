"""Reading a transcript with speaker labels into cues: who said what, and when if it says.

Three formats (docs/coaching.md):
- `vtt`: WebVTT, read with webvtt-py; the speaker is the cue's voice span (`<v Dana>`), else a
  `Name: text` label at the start of the cue;
- `srt`: SubRip, read with `srt`; the speaker is a `Name: text` label at the start of the cue;
- `lines`: plain text, one `Name: text` line per turn; a line without a label continues the
  line before it.

A timed cue without a label continues the speaker before it (captioners label only changes of
speaker); one before any label belongs to nobody and counts for no one. A transcript with no
label at all, or that cannot be read, is refused with a ValidationError naming `text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import srt
import webvtt
from django.core.exceptions import ValidationError
from webvtt.errors import MalformedFileError

from salesflow.coaching.models import TranscriptFormat

# "Dana:" or "Dana Decider:" or "Dr. O'Neil-Smith:" — letters first, at most four words, no
# digits (so "10:30" is not a speaker).
WORD_OF_NAME = r"[^\W\d_][\w.'-]*"
LABEL = re.compile(
    rf"^\s*(?P<name>{WORD_OF_NAME}(?: +{WORD_OF_NAME}){{0,3}})\s*:\s*(?P<text>.*)$", re.S
)
MAX_TEXT = 500_000


@dataclass
class Cue:
    speaker: str  # "" when nobody is named
    text: str
    start: float | None = None  # seconds
    end: float | None = None

    @property
    def seconds(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return max(0.0, self.end - self.start)


def speaker_key(name: str) -> str:
    """Names compare without case or extra spaces."""
    return " ".join(name.split()).casefold()


def _labelled(text: str) -> tuple[str, str] | None:
    match = LABEL.match(text)
    if match is None or not match.group("text").strip():
        return None
    return " ".join(match.group("name").split()), match.group("text").strip()


def _timed_cues(raw: list[tuple[str, str, float, float]]) -> list[Cue]:
    """(voice, text, start, end) -> cues, with unlabelled ones continuing the speaker before."""
    cues: list[Cue] = []
    speaker = ""
    for voice, text, start, end in raw:
        text = " ".join(text.split())
        if not text:
            continue
        if voice:
            speaker = " ".join(voice.split())
        else:
            label = _labelled(text)
            if label is not None:
                speaker, text = label
        cues.append(Cue(speaker=speaker, text=text, start=start, end=end))
    return cues


def _vtt(text: str) -> list[Cue]:
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        text = "WEBVTT\n\n" + text  # a pasted excerpt often lacks the header line
    try:
        captions = webvtt.from_string(text)
        raw = [
            (
                c.voice or "",
                c.text,
                c.start_time.in_milliseconds() / 1000,
                c.end_time.in_milliseconds() / 1000,
            )
            for c in captions
        ]
    except (MalformedFileError, ValueError, IndexError) as error:
        raise ValidationError(
            {"text": f"This is not a readable WebVTT transcript ({error})."}
        ) from None
    return _timed_cues(raw)


def _srt(text: str) -> list[Cue]:
    try:
        subtitles = list(srt.parse(text))
    except (srt.SRTParseError, ValueError) as error:
        raise ValidationError(
            {"text": f"This is not a readable SRT transcript ({error})."}
        ) from None
    raw = [("", s.content, s.start.total_seconds(), s.end.total_seconds()) for s in subtitles]
    return _timed_cues(raw)


def _lines(text: str) -> list[Cue]:
    cues: list[Cue] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label = _labelled(line)
        if label is not None:
            cues.append(Cue(speaker=label[0], text=label[1]))
        elif cues:
            cues[-1].text += " " + " ".join(line.split())
        else:
            raise ValidationError(
                {"text": f"Line {number} names no speaker; write each turn as “Name: text”."}
            )
    return cues


PARSERS = {TranscriptFormat.VTT: _vtt, TranscriptFormat.SRT: _srt, TranscriptFormat.LINES: _lines}


def transcript_parse(text: str, *, format: str) -> list[Cue]:
    """The cues of a transcript, in order; ValidationError naming `format` or `text`."""
    if format not in PARSERS:
        raise ValidationError({"format": "Choose vtt, srt or lines."})
    if not text or not text.strip():
        raise ValidationError({"text": "The transcript is empty."})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": f"A transcript may hold at most {MAX_TEXT:,} characters."})
    cues = PARSERS[format](text)
    if not cues:
        raise ValidationError({"text": "The transcript holds no cues."})
    if not any(cue.speaker for cue in cues):
        raise ValidationError(
            {"text": "The transcript has no speaker labels: mark each turn “Name: text”"
             " (or with a <v Name> voice span in WebVTT)."}
        )  # fmt: skip
    return cues


def speakers_of(cues: list[Cue]) -> list[str]:
    """Each speaker once, in order of first words."""
    seen: dict[str, str] = {}
    for cue in cues:
        if cue.speaker:
            seen.setdefault(speaker_key(cue.speaker), cue.speaker)
    return list(seen.values())
