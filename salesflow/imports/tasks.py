"""Background tasks: the wizard enqueues an import, `salesflow worker` runs it."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from salesflow.imports.models import ImportJob


@task()
def import_run_task(job_id: int) -> dict[str, Any]:
    """Run (or resume, after a crash) an import job; the job row carries progress and counts."""
    from salesflow.imports.runner import import_run

    job = import_run(ImportJob.objects.get(pk=job_id))
    return {
        "status": job.status,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "errors": job.error_count,
    }
