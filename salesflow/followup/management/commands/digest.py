"""`salesflow digest [--date D]`: send the day's digests now (each user at most once a day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from salesflow.followup.digest import digests_send


class Command(BaseCommand):
    help = (
        "Send the daily digest (due follow-ups, accounts due for contact, rotting deals, deals "
        "without a next step, birthdays and anniversaries) to every user with something due "
        "who has not had it today (or on --date)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day, YYYY-MM-DD (default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options.get("date"):
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date {options['date']!r} is not a date (YYYY-MM-DD)."
                ) from None
        run = digests_send(day=day)
        when = "today" if day is None or day == timezone.localdate() else f"for {day:%Y-%m-%d}"
        self.stdout.write(
            f"{run.sent} digest{'s' if run.sent != 1 else ''} sent"
            f" ({run.nothing_due} with nothing due, {run.already_sent} already sent {when},"
            f" {run.failed} failed)."
        )
        if run.failed:
            raise CommandError(f"{run.failed} digest(s) could not be sent; run again to retry.")
