"""Calls with transcripts for the coaching tests."""

from __future__ import annotations

import io
import wave
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from salesflow.coaching.services import transcript_save

DIALOGUE = """Rita: Thanks for making time, Dana. What made you look for a new tracking system?
Dana: Our trucks arrive late and nobody knows where they are. Dispatchers phone drivers all day.
Rita: How many trucks and dispatchers are we talking about?
Dana: About two hundred trucks and two dispatchers, all on paper logs.
Rita: So what I'm hearing is two hundred trucks, paper logs, and dispatchers chasing drivers by phone. Is that right?
Dana: Exactly.
Rita: Shall we set up a demo with your dispatchers on Tuesday at 10?
Dana: Yes, Tuesday works."""  # noqa: E501


def wav_bytes(seconds: float = 0.25, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x10" * int(seconds * rate))
    return buffer.getvalue()


def wav_upload(name: str = "call.wav", content_type: str = "audio/wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, wav_bytes(), content_type=content_type)


def with_transcript(activity: Any, text: str = DIALOGUE, rep: str = "Rita") -> Any:
    return transcript_save(
        activity, format="lines", text=text, rep_speaker=rep, acting_user=activity.owner
    )
