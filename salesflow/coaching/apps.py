"""Call review and coaching: recordings, transcripts, signals, rubric and reviews."""

from __future__ import annotations

from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "salesflow.coaching"
    label = "coaching"
