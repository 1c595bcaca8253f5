"""`salesflow user create|list`: manage staff users from the shell."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from salesflow.core.normalize import normalize_email
from salesflow.users.models import Role, User
from salesflow.users.services import user_create

# Service field -> the command-line option a person would fix.
OPTION_OF = {
    "username": "USERNAME",
    "role": "--role",
    "team": "--team",
    "password": "--password",
    "email": "--email",
    "first_name": "--first-name",
    "last_name": "--last-name",
}


def command_error(exc: ValidationError) -> CommandError:
    """One CommandError naming the option behind each message of a service's ValidationError."""
    if not hasattr(exc, "error_dict"):
        return CommandError(" ".join(exc.messages))
    parts = [
        f"{OPTION_OF.get(name, name)}: {' '.join(messages)}"
        for name, messages in exc.message_dict.items()
    ]
    return CommandError("; ".join(parts))


class Command(BaseCommand):
    help = "Create and list Salesflow users (admins, managers and sales reps)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create a user.")
        create.add_argument("username", metavar="USERNAME")
        create.add_argument("--role", required=True, choices=Role.values, help="The user's role.")
        create.add_argument("--team", help="Team to join (created when it does not exist).")
        create.add_argument(
            "--password",
            help="Sign-in password. Without it the user cannot sign in until one is set "
            "(salesflow changepassword USERNAME).",
        )
        create.add_argument("--email", default="")
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")
        actions.add_parser("list", help="List users with their role and teams.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"{action}_action")(**options)

    def create_action(
        self,
        *,
        username: str,
        role: str,
        team: str | None,
        password: str | None,
        email: str,
        first_name: str,
        last_name: str,
        **options: Any,
    ) -> None:
        try:
            email = normalize_email(email)
        except ValidationError as exc:
            raise CommandError(f"--email: {' '.join(exc.messages)}") from exc
        if password is not None:
            try:
                validate_password(password, User(username=username, email=email))
            except ValidationError as exc:
                raise CommandError(f"--password: {' '.join(exc.messages)}") from exc
        try:
            user = user_create(
                username=username,
                role=role,
                team_name=team,
                password=password,
                email=email,
                first_name=first_name,
                last_name=last_name,
            )
        except ValidationError as exc:
            raise command_error(exc) from exc
        where = f" in team {team}" if team else ""
        self.stdout.write(self.style.SUCCESS(f"Created {user.role} {user.username}{where}."))
        if not password:
            self.stdout.write(
                f"No password set: run `salesflow changepassword {user.username}` "
                "before they sign in."
            )

    def list_action(self, **options: Any) -> None:
        users = User.objects.prefetch_related("teams").order_by("username")
        self.stdout.write(f"{'username':<20} {'role':<8} {'active':<6} teams")
        for user in users:
            teams = ", ".join(t.name for t in user.teams.all()) or "-"
            active = "yes" if user.is_active else "no"
            self.stdout.write(f"{user.username:<20} {user.role:<8} {active:<6} {teams}")
