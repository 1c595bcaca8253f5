"""Call review and coaching: recordings, transcripts, signals, rubric and reviews."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["coaching"])
