"""Checking an uploaded call recording: its name, declared type, size and content.

A recording is kept only when all four agree that it is audio of an allowed kind: the file
name's extension, the type the browser declared, the size limit (setting
`SALESFLOW_RECORDING_MAX_BYTES`) and the content, opened with mutagen (MP3, MP4/M4A audio,
Ogg Vorbis or Opus, WAV). Mutagen does not read WebM, so a WebM file is checked by its
EBML header declaring the `webm` document type instead (docs/coaching.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class AudioKind:
    name: str
    content_type: str  # what the recording is served as
    extensions: tuple[str, ...]
    declared: tuple[str, ...]  # content types browsers and clients send for it


KINDS = (
    AudioKind("mp3", "audio/mpeg", (".mp3",), ("audio/mpeg", "audio/mp3", "audio/mpeg3")),
    AudioKind(
        "mp4", "audio/mp4", (".m4a", ".mp4"), ("audio/mp4", "audio/x-m4a", "audio/m4a", "audio/aac")
    ),
    AudioKind(
        "ogg",
        "audio/ogg",
        (".ogg", ".oga", ".opus"),
        ("audio/ogg", "audio/opus", "application/ogg"),
    ),
    AudioKind(
        "wav", "audio/wav", (".wav",), ("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave")
    ),
    AudioKind("webm", "audio/webm", (".webm", ".weba"), ("audio/webm",)),
)
BY_EXTENSION = {extension: kind for kind in KINDS for extension in kind.extensions}
# Clients that do not know the type send one of these; the content check still decides.
UNKNOWN_TYPES = ("", "application/octet-stream")
ACCEPT = ",".join([*BY_EXTENSION, *{t for kind in KINDS for t in kind.declared}])
EBML_MAGIC = b"\x1a\x45\xdf\xa3"


@dataclass(frozen=True)
class CheckedAudio:
    filename: str
    content_type: str
    extension: str
    size: int
    seconds: float | None


def recording_max_bytes() -> int:
    return int(getattr(settings, "SALESFLOW_RECORDING_MAX_BYTES", DEFAULT_MAX_BYTES))


def _content_kind(handle: IO[bytes], filename: str) -> tuple[str, float | None]:
    """The kind the content is ("" if it is no allowed audio) and its length in seconds."""
    import mutagen
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis
    from mutagen.wave import WAVE

    handle.seek(0)
    head = handle.read(64)
    handle.seek(0)
    if head.startswith(EBML_MAGIC):
        return ("webm" if b"webm" in head else ""), None
    found: dict[type, str] = {MP3: "mp3", MP4: "mp4", OggVorbis: "ogg", OggOpus: "ogg",
                              WAVE: "wav"}  # fmt: skip
    try:
        audio = mutagen.File(handle, options=list(found))
    except Exception:
        return "", None
    finally:
        handle.seek(0)
    if audio is None or audio.info is None:
        return "", None
    seconds = float(getattr(audio.info, "length", 0) or 0)
    if seconds <= 0:
        return "", None
    if isinstance(audio, MP4) and not str(getattr(audio.info, "codec", "")).startswith(
        ("mp4a", "alac", "ac-3", "ec-3", "opus")
    ):
        return "", None  # an MP4 whose first track is no audio codec
    return found[type(audio)], seconds


def recording_check(upload: Any) -> CheckedAudio:
    """The upload as allowed audio, or ValidationError({"recording": reason}) naming the file."""
    if upload is None:
        raise ValidationError({"recording": "Choose an audio file."})
    filename = PurePath((upload.name or "").replace("\\", "/")).name or "recording"
    allowed = "MP3, M4A/MP4 audio, Ogg/Opus, WAV or WebM audio"
    extension = PurePath(filename).suffix.lower()
    kind = BY_EXTENSION.get(extension)
    if kind is None:
        raise ValidationError(
            {"recording": f"{filename} is not an allowed recording: send {allowed}."}
        )
    declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if declared not in kind.declared and declared not in UNKNOWN_TYPES:
        raise ValidationError(
            {"recording": f"{filename} was sent as {declared}, not as audio: send {allowed}."}
        )
    limit = recording_max_bytes()
    size = upload.size or 0
    if size > limit:
        raise ValidationError(
            {"recording": f"{filename} is {filesizeformat(size)}; recordings may be at most "
             f"{filesizeformat(limit)}."}
        )  # fmt: skip
    if not size:
        raise ValidationError({"recording": f"{filename} is empty."})
    content, seconds = _content_kind(upload, filename)
    if content != kind.name:
        raise ValidationError(
            {"recording": f"{filename} is not {kind.name.upper()} audio: its content could not be "
             "read as a recording."}
        )  # fmt: skip
    return CheckedAudio(
        filename=filename[-255:],
        content_type=kind.content_type,
        extension=extension,
        size=size,
        seconds=seconds,
    )
