"""`salesflow token create|list|revoke`: API tokens for scripts and integrations."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from salesflow.users.models import ApiToken, User
from salesflow.users.services import TOKEN_PREFIX, token_create, token_revoke


def user_named(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"USERNAME: there is no user named {username!r}.")
    return user


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "create", help="Create a token and print it once (only its hash is stored)."
        )
        create.add_argument("username", metavar="USERNAME")
        create.add_argument("--name", default="", help="What the token is for, e.g. 'ERP sync'.")
        listing = actions.add_parser("list", help="List a user's tokens (prefixes only).")
        listing.add_argument("username", metavar="USERNAME")
        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument(
            "prefix",
            metavar="PREFIX",
            help="The prefix shown by `token list` (or the whole token).",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"{action}_action")(**options)

    def create_action(self, *, username: str, name: str, **options: Any) -> None:
        user = user_named(username)
        if not user.is_active:
            raise CommandError(f"USERNAME: {username!r} is deactivated; a token would not work.")
        token, key = token_create(user=user, name=name)
        # The key alone on stdout, so `TOKEN=$(salesflow token create rita)` captures it.
        self.stdout.write(key)
        self.stderr.write(
            f"Token {token.prefix}… for {user.username} created. Store it now: "
            "it is not shown again.",
            style_func=self.style.WARNING,
        )

    def list_action(self, *, username: str, **options: Any) -> None:
        user = user_named(username)
        tokens = user.api_tokens.order_by("-created_at")
        if not tokens:
            self.stdout.write(f"{user.username} has no API tokens.")
            return
        self.stdout.write(f"{'prefix':<12} {'created':<17} {'last used':<17} {'status':<8} name")
        for token in tokens:
            self.stdout.write(
                f"{token.prefix:<12} {moment(token.created_at):<17} "
                f"{moment(token.last_used_at):<17} "
                f"{'revoked' if token.revoked_at else 'active':<8} {token.name}"
            )

    def revoke_action(self, *, prefix: str, **options: Any) -> None:
        tokens = ApiToken.objects.select_related("user")
        if prefix.startswith(TOKEN_PREFIX) and len(prefix) > 12:
            matches = list(tokens.filter(key_hash=ApiToken.hash_key(prefix)))
        else:
            matches = list(tokens.filter(prefix=prefix))
        if not matches:
            raise CommandError(f"PREFIX: no token has the prefix {prefix!r}.")
        active = [t for t in matches if t.revoked_at is None]
        if len(active) > 1:
            owners = ", ".join(t.user.username for t in active)
            raise CommandError(
                f"PREFIX: {len(active)} active tokens share {prefix!r} ({owners}); "
                "revoke with the whole token instead."
            )
        if not active:
            self.stdout.write(f"Token {prefix} was already revoked; nothing changed.")
            return
        token_revoke(token=active[0])
        self.stdout.write(
            self.style.SUCCESS(f"Revoked token {active[0].prefix} of {active[0].user.username}.")
        )


def moment(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"
