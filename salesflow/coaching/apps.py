"""Call review and coaching: recordings, transcripts, signals, rubric and reviews."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete


def recording_file_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A call record deleted (with its activity, by cascade) takes its recording file along,
    once the deletion is committed. Storage housekeeping, not a business rule."""
    if instance.recording:
        storage, name = instance.recording.storage, instance.recording.name
        transaction.on_commit(lambda: storage.delete(name))


class CoachingConfig(AppConfig):
    name = "salesflow.coaching"
    label = "coaching"
    verbose_name = "Call review and coaching"

    def ready(self) -> None:
        from salesflow.coaching.models import CallRecord
        from salesflow.coaching.panels import panels_register

        panels_register()
        post_delete.connect(
            recording_file_delete, sender=CallRecord, dispatch_uid="coaching_recording_delete"
        )
