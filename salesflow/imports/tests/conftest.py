"""Fixtures for import tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded import files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def run_import(
    user,
    content: bytes | str,
    *,
    kind: str = "leads",
    mapping: dict,
    filename: str = "import.csv",
    mode: str = "valid_rows",
    dry_run: bool = False,
    default_owner=None,
    chunk_rows: int | None = None,
):
    """Create and run a job over `content`, returning the finished job."""
    from salesflow.imports.runner import CHUNK_ROWS
    from salesflow.imports.services import import_job_create, import_run

    if isinstance(content, str):
        content = content.encode()
    job = import_job_create(
        user=user,
        file=content,
        filename=filename,
        kind=kind,
        mapping=mapping,
        mode=mode,
        dry_run=dry_run,
        default_owner=default_owner,
    )
    return import_run(job, chunk_rows=chunk_rows or CHUNK_ROWS)


def errors_of(job) -> list[tuple[int, str, str]]:
    """(row, column, message) of every problem, in order."""
    return list(
        job.errors.order_by("row_number", "pk").values_list("row_number", "column", "message")
    )
