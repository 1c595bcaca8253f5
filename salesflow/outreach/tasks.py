"""Background tasks of customer communications, run by `salesflow worker`.

`mailing_send_task` sends one throttled batch of a campaign and enqueues the next (a minute
later, or after SALESFLOW_EMAIL_RETRY_MINUTES when the mail server was down).
`mailings_restart_task` is for SALESFLOW_WORKER_SCHEDULE: it restarts campaigns whose next
batch never ran (a lost task), so a paused campaign always resumes.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def mailing_send_task(mailing_id: int, planned: str | None = None) -> dict[str, Any]:
    from salesflow.outreach.services import mailing_send_batch

    result = mailing_send_batch(mailing_id, planned=planned)
    return {
        "sent": result.sent,
        "skipped": result.skipped,
        "failed": result.failed,
        "paused": result.paused,
        "done": result.done,
    }


@task()
def mailings_restart_task() -> list[int]:
    from salesflow.outreach.services import mailings_restart_lost

    return mailings_restart_lost()
