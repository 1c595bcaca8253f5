from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from salesflow.core.errors import AccessDenied
from salesflow.imports.models import ImportJob, ImportMapping
from salesflow.users import policy


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


def import_mappings_for(user: Any, kind: str | None = None) -> QuerySet[ImportMapping]:
    """The saved mappings the user may read and use (`users.policy`: own, team-shared, a
    manager's teams, shared with everyone; admins all). The shipped presets are files, not
    saved mappings, and are everyone's (`presets.presets_list`)."""
    mappings = ImportMapping.objects.filter(policy.readable_q(user)).select_related("owner")
    return mappings.filter(kind=kind) if kind else mappings


def import_mapping_get_for_user(user: Any, pk: int, *, write: bool = False) -> ImportMapping:
    """The saved mapping, or 404 when the user may not read it (403 to change one they may
    only read)."""
    mapping = get_object_or_404(import_mappings_for(user), pk=pk)
    if write and not policy.can_write(user, mapping):
        raise AccessDenied("You may use this mapping but not change it.")
    return mapping
