from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from salesflow.imports.models import ImportJob, ImportMapping


def import_jobs_visible_to(user: Any) -> QuerySet[ImportJob]:
    """A user's own import jobs; admins see everyone's."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ImportJob.objects.none()
    jobs = ImportJob.objects.select_related("created_by", "saved_mapping")
    if user.is_admin:
        return jobs
    return jobs.filter(created_by=user)


def import_job_get_for_user(user: Any, pk: int) -> ImportJob:
    """The job, or 404 when the user may not see it."""
    return get_object_or_404(import_jobs_visible_to(user), pk=pk)


def import_mappings_for(kind: str | None = None) -> QuerySet[ImportMapping]:
    """Saved mappings are shared configuration, readable by every signed-in user."""
    mappings = ImportMapping.objects.all()
    return mappings.filter(kind=kind) if kind else mappings
