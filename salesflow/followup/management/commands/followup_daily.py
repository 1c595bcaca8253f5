"""`salesflow followup_daily`: apply the tier rules, recompute last contacts and create the
tasks for accounts whose contact fell due (what the worker's daily task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from salesflow.followup.services import followup_daily


class Command(BaseCommand):
    help = (
        "Apply the tier rules, recompute every account's last contact and next contact due, "
        "and create a task for each account whose contact fell due (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = followup_daily()
        moved = sum(result["tiers_moved"].values())
        self.stdout.write(
            f"{moved} account(s) changed tier, {result['accounts_refreshed']} contact date(s) "
            f"updated, {result['tasks_created']} follow-up task(s) created."
        )
