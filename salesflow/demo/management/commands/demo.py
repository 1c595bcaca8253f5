"""`salesflow demo`: load the demo data once and print the logins."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from salesflow.demo.generator import DEFAULT_PASSWORD, DEFAULT_SEED, MARKER, Login, demo_load
from salesflow.users import twofactor
from salesflow.users.models import User


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
        self.write_two_factor(result.logins, create=result.loaded)

    def write_logins(self, logins: list[Login]) -> None:
        if not logins:
            return
        self.stdout.write("\nDemo logins:")
        self.stdout.write(f"  {'username':<10} {'role':<8} {'team':<8} password")
        for login in logins:
            self.stdout.write(
                f"  {login.username:<10} {login.role:<8} {login.team:<8} {login.password}"
            )

    def write_two_factor(self, logins: list[Login], *, create: bool) -> None:
        """Demo users whose role must use two-factor (SALESFLOW_2FA_REQUIRED, admins by
        default) get an authenticator key and recovery codes with a new demo, printed here so
        they can sign in: add the key to an app, or type a recovery code (each works once)."""
        for login in logins:
            user = User.objects.get(username=login.username)
            if not twofactor.two_factor_required(user):
                continue
            if create and not twofactor.two_factor_enabled(user):
                device = TOTPDevice.objects.create(
                    user=user, name=twofactor.APP_DEVICE_NAME, confirmed=True
                )
                twofactor.recovery_codes_create(user=user, acting_user=None)
            device = twofactor.totp_device_for(user)
            if device is None:
                self.stdout.write(
                    f"\n{login.username} must use two-factor sign-in: the first sign-in asks "
                    "to set it up with an authenticator app."
                )
                continue
            codes = StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
            secret = twofactor.totp_secret(device)
            self.stdout.write(
                f"\n{login.username} signs in with two-factor (docs/two-factor.md). Add this key "
                f"to an authenticator app (time-based, 6 digits):\n  {secret}"
                f"\nor type one of these recovery codes (each works once):\n  {' '.join(codes)}"
            )
