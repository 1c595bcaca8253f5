"""Background tasks of follow-up, run by `salesflow worker` from SALESFLOW_WORKER_SCHEDULE:

    ("salesflow.followup.tasks.followup_daily_task", 24),
    ("salesflow.followup.tasks.digest_task", 1),

`followup_daily_task` applies the tier rules, recomputes last contacts and creates a task for
each account whose contact fell due (idempotent). `digest_task` runs every hour and sends the
day's digest to each user who has not had it yet, from SALESFLOW_DIGEST_HOUR (default 7)
o'clock on. See docs/followup.md.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def followup_daily_task() -> dict[str, Any]:
    from salesflow.followup.services import followup_daily

    return followup_daily()


@task()
def digest_task() -> dict[str, int]:
    from salesflow.followup.digest import digests_send

    run = digests_send(respect_hour=True)
    return {"sent": run.sent, "failed": run.failed, "nothing_due": run.nothing_due}
