"""`salesflow demo`: load the demo data once and print the logins."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from salesflow.demo.generator import DEFAULT_PASSWORD, DEFAULT_SEED, MARKER, Login, demo_load


class Command(BaseCommand):
    help = (
        "Load realistic demo data (users, accounts, contacts, leads, deals with history, "
        "activities) into an empty Salesflow, once. A second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Random seed (default: %(default)s)."
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help="Password of the demo users (default: %(default)s).",
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiply the number of records, e.g. 0.02 for a quick test (default: 1.0).",
        )

    def handle(self, *args: Any, seed: int, password: str, scale: float, **options: Any) -> None:
        if scale <= 0:
            raise CommandError("--scale: give a number greater than 0, e.g. 0.1.")
        if not password:
            raise CommandError("--password: give a non-empty password.")
        try:
            result = demo_load(seed=seed, password=password, scale=scale)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if not result.loaded:
            self.stdout.write(
                f"demo data already loaded (records with external_id {MARKER}… exist); "
                "nothing changed."
            )
        else:
            for name, count in result.counts.items():
                self.stdout.write(f"  {count:>7,} {name}")
            self.stdout.write(
                self.style.SUCCESS(f"Demo data loaded in {result.seconds:.1f} seconds.")
            )
        self.write_logins(result.logins)

    def write_logins(self, logins: list[Login]) -> None:
        if not logins:
            return
        self.stdout.write("\nDemo logins:")
        self.stdout.write(f"  {'username':<10} {'role':<8} {'team':<8} password")
        for login in logins:
            self.stdout.write(
                f"  {login.username:<10} {login.role:<8} {login.team:<8} {login.password}"
            )
