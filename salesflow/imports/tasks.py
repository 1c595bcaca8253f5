"""Background tasks: the wizard enqueues an import, `salesflow worker` runs it; the worker also
runs the cleanup of old drafts and files on its schedule (SALESFLOW_WORKER_SCHEDULE)."""

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


@task()
def imports_cleanup_task() -> dict[str, int]:
    """Delete old wizard drafts and the files of long-finished imports (`imports_cleanup`)."""
    from salesflow.imports.services import imports_cleanup

    result = imports_cleanup()
    return {"drafts": len(result.drafts), "job_files": len(result.job_files)}
