"""Finding the people, accounts, contacts, stages, reasons and products an import row names.

Lookups are cached for the run. What the mapping allows is created when missing (owners become
inactive users, accounts and contacts go through their services); everything created is
journalled, so when a row or a chunk is rolled back its cache entries are forgotten too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from salesflow.core.normalize import name_key
from salesflow.customers.models import Account, Contact
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.customers.services import account_create, contact_create
from salesflow.imports.mapping import name_split
from salesflow.leads.models import Campaign
from salesflow.pipeline.models import LostReason, Pipeline, Stage, StageKind
from salesflow.pipeline.selectors import pipeline_default, stage_resolve
from salesflow.quotes.models import Product
from salesflow.quotes.selectors import products_named
from salesflow.quotes.services import product_create
from salesflow.users import policy
from salesflow.users.models import Team, User
from salesflow.users.services import user_create

CACHE_LIMIT = 20_000
DEFAULT_LOST_REASON = "Other"


class RowProblem(Exception):
    """A row names something that cannot be found or made; `target` says which field."""

    def __init__(self, target: str, message: str) -> None:
        super().__init__(message)
        self.target = target
        self.message = message


def text_key(value: str) -> str:
    """Text as compared: case and spacing folded, the rule of the stored `name_key` columns."""
    return name_key(value)


class Resolver:
    def __init__(self, *, acting_user: User, create_missing: list[str]) -> None:
        self.user = acting_user
        self.create_missing = set(create_missing)
        self.caches: dict[str, dict[Any, Any]] = {}
        self.journal: list[tuple[str, Any]] = []
        self._team: Team | bool | None = False

    # -- cache bookkeeping --------------------------------------------------------------------

    def _cache(self, name: str) -> dict[Any, Any]:
        cache = self.caches.setdefault(name, {})
        if len(cache) > CACHE_LIMIT:  # keep memory flat on files naming many accounts
            cache.clear()
        return cache

    def _remember(self, name: str, key: Any, value: Any, *, created: bool) -> Any:
        self._cache(name)[key] = value
        if created:
            self.journal.append((name, key))
        return value

    def mark(self) -> int:
        return len(self.journal)

    def undo(self, mark: int) -> None:
        """Forget what was created since `mark`: its rows were rolled back."""
        if len(self.journal) > mark:
            # Keyed by user id, which the database may hand out again after a rollback.
            self.caches.pop("team", None)
            self.caches.pop("may_own", None)
            self.caches.pop("user_names", None)
        while len(self.journal) > mark:
            name, key = self.journal.pop()
            self.caches.get(name, {}).pop(key, None)

    def commit(self) -> None:
        self.journal.clear()

    # -- owners -------------------------------------------------------------------------------

    def owner_known(self, text: str) -> bool:
        """Whether `owner(text)` answers from the cache (no query, nothing created)."""
        return _owner_key(text) in self.caches.get("owner", {})

    def owner(self, text: str) -> User:
        # Cached by the text as typed (spacing aside), not folded: "max" and "Max" may be two
        # users, and each row must get the one it names.
        key = _owner_key(text)
        cache = self._cache("owner")
        if key in cache:
            return cache[key]
        text = text.strip()
        # Usernames are unique as typed: the one typed so wins over others in other capitals.
        matches = list(User.objects.filter(username=text)[:1]) or list(
            User.objects.filter(username__iexact=text).order_by("pk")[:2]
        )
        if not matches:
            matches = list(User.objects.filter(email__iexact=text).order_by("pk")[:2])
        if not matches and " " in text:
            matches = self._users_by_full_name(text_key(text))[:2]
        if len(matches) > 1:
            first, second = matches[:2]
            raise RowProblem(
                "owner",
                f"{text!r} matches several users: {_user_named(first)} and "
                f"{_user_named(second)}. Name the owner by username or email.",
            )
        if matches:
            return self._remember("owner", key, matches[0], created=False)
        if "owner" not in self.create_missing:
            raise RowProblem(
                "owner",
                f"No user {text!r} (by username, email or name). Create the user first, or "
                'add "owner" to the mapping\'s create_missing to add them as inactive users.',
            )
        user = self._owner_create(text)
        if "user_names" in self.caches:  # read before this user existed
            self.caches["user_names"].setdefault(
                text_key(f"{user.first_name} {user.last_name}"), []
            ).append(user)
        return self._remember("owner", key, user, created=True)

    def _users_by_full_name(self, key: str) -> list[User]:
        """The users whose "first last" has this text key, oldest first.

        Compared in Python, as SQL `LOWER()` folds only ASCII on SQLite ("JÖRG MÜLLER" must find
        Jörg Müller); staff users are few, so their names are read once per run.
        """
        names = self.caches.get("user_names")
        if names is None:
            names = self.caches["user_names"] = {}
            for user in User.objects.order_by("pk"):
                names.setdefault(text_key(f"{user.first_name} {user.last_name}"), []).append(user)
        return names.get(key, [])

    def _owner_create(self, text: str) -> User:
        """An inactive user for a former colleague named in the file, in the importer's team."""
        text = " ".join(text.split())
        email = text.lower() if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) else ""
        first, last = ("", "") if email else name_split(text)
        base = email or _ascii_username(text) or "imported-user"
        username, number = base[:140], 1
        while User.objects.filter(username__iexact=username).exists():
            number += 1
            username = f"{base[:140]}{number}"
        team = self.importer_team()
        return user_create(
            username=username,
            email=email,
            first_name=first[:150],
            last_name=last[:150],
            is_active=False,
            team_name=team.name if team else None,
        )

    def importer_team(self) -> Team | None:
        if self._team is False:
            self._team = self.user.teams.order_by("pk").first()
        return self._team  # type: ignore[return-value]

    def team_of(self, user: User) -> Team | None:
        cache = self._cache("team")
        if user.pk not in cache:
            cache[user.pk] = user.teams.order_by("pk").first()
        return cache[user.pk]

    def may_own(self, owner: User) -> bool:
        """The same rule as the services: a rep assigns only people of their teams."""
        if owner.pk == self.user.pk:
            return True
        cache = self._cache("may_own")
        if owner.pk not in cache:
            cache[owner.pk] = policy.users_visible_to(self.user).filter(pk=owner.pk).exists()
        return cache[owner.pk]

    # -- accounts and contacts ----------------------------------------------------------------

    def accounts_prefetch(self, names: Iterable[str]) -> None:
        """Look up a chunk's accounts in one query; names not found are remembered as such.

        By the stored name key, so "ÄRZTE GMBH" finds "Ärzte GmbH" on SQLite too.
        """
        cache = self._cache("account")
        wanted = {text_key(name) for name in names if name} - cache.keys()
        wanted.discard("")
        if not wanted:
            return
        found = (
            accounts_visible_to(self.user)
            .filter(name_key__in=wanted)
            .order_by("-pk")  # the oldest wins
        )
        for account in found:
            cache[account.name_key] = account
        for key in wanted:
            cache.setdefault(key, None)

    def account(self, text: str, *, owner: User | None) -> Account:
        key = text_key(text)
        cache = self._cache("account")
        if key not in cache:
            self.accounts_prefetch([text])
        account = cache.get(key)
        if account is not None:
            return account
        if "account" not in self.create_missing:
            raise RowProblem(
                "account",
                f"No account {text!r} that you can see. Import the accounts first, or add "
                '"account" to the mapping\'s create_missing.',
            )
        data: dict[str, Any] = {"name": " ".join(text.split())}
        if owner is not None:
            data["owner"] = owner
            data["team"] = self.team_of(owner)
        account = account_create(acting_user=self.user, **data)
        return self._remember("account", key, account, created=True)

    def contacts_prefetch(self, emails: Iterable[str]) -> None:
        cache = self._cache("contact")
        wanted = {email for email in emails if email and email not in cache}
        if not wanted:
            return
        found = contacts_visible_to(self.user).filter(email__in=wanted).order_by("-pk")
        for contact in found:
            cache[contact.email] = contact
        for email in wanted:
            cache.setdefault(email, None)

    def contact(
        self, email: str, *, name: str, account: Account | None, owner: User | None
    ) -> Contact:
        cache = self._cache("contact")
        if email not in cache:
            self.contacts_prefetch([email])
        contact = cache.get(email)
        if contact is not None:
            return contact
        if "contact" not in self.create_missing:
            raise RowProblem(
                "contact_email",
                f"No contact with email {email!r} that you can see. Import the contacts first, "
                'or add "contact" to the mapping\'s create_missing.',
            )
        first, last = name_split(name) if name else ("", email.split("@")[0])
        data: dict[str, Any] = {
            "first_name": first,
            "last_name": last or email.split("@")[0],
            "email": email,
            "account": account,
        }
        if owner is not None:
            data["owner"] = owner
            data["team"] = self.team_of(owner)
        contact = contact_create(acting_user=self.user, **data)
        return self._remember("contact", email, contact, created=True)

    # -- configuration: pipelines, stages, reasons, campaigns ---------------------------------

    def pipeline(self, text: str | None) -> Pipeline:
        key = text_key(text or "")
        cache = self._cache("pipeline")
        if key not in cache:
            if not key:
                cache[key] = pipeline_default()
            else:
                found = Pipeline.objects.filter(name__iexact=text.strip()).first()  # type: ignore[union-attr]
                if found is None:
                    names = ", ".join(Pipeline.objects.values_list("name", flat=True))
                    raise RowProblem("pipeline", f"Unknown pipeline {text!r}; there are: {names}.")
                cache[key] = found
        return cache[key]

    def stage(self, pipeline: Pipeline, text: str) -> Stage:
        key = (pipeline.pk, text_key(text))
        cache = self._cache("stage")
        if key not in cache:
            stage = stage_resolve(pipeline, text) if not text.strip().isdigit() else None
            if stage is None or _is_archived(stage):
                names = ", ".join(s.name for s in stages_in_order(pipeline))
                raise RowProblem(
                    "stage",
                    f"Unknown stage {text!r} in pipeline {pipeline.name!r}; use one of: {names}, "
                    'or translate it in the mapping\'s "values".',
                )
            cache[key] = stage
        return cache[key]

    def open_stages(self, pipeline: Pipeline) -> list[Stage]:
        cache = self._cache("open_stages")
        if pipeline.pk not in cache:
            cache[pipeline.pk] = [s for s in stages_in_order(pipeline) if s.kind == StageKind.OPEN]
        return cache[pipeline.pk]

    def terminal_stage(self, pipeline: Pipeline, kind: str) -> Stage:
        key = (pipeline.pk, kind)
        cache = self._cache("terminal")
        if key not in cache:
            found = [s for s in stages_in_order(pipeline) if s.kind == kind]
            if not found:
                raise RowProblem("stage", f"Pipeline {pipeline.name!r} has no {kind} stage.")
            cache[key] = found[0]
        return cache[key]

    def lost_reason(self, text: str | None) -> LostReason:
        name = text or DEFAULT_LOST_REASON
        key = text_key(name)
        cache = self._cache("lost_reason")
        if key not in cache:
            reason = LostReason.objects.filter(name__iexact=name.strip()).first()
            if reason is None:
                names = ", ".join(
                    LostReason.objects.filter(is_active=True).values_list("name", flat=True)
                )
                raise RowProblem(
                    "lost_reason", f"Unknown lost reason {name!r}; use one of: {names}."
                )
            cache[key] = reason
        return cache[key]

    def campaign(self, text: str) -> Campaign:
        key = text_key(text)
        cache = self._cache("campaign")
        if key not in cache:
            campaign = Campaign.objects.filter(name__iexact=text.strip()).first()
            if campaign is None:
                raise RowProblem(
                    "campaign", f"No campaign {text!r}; create it first (Campaigns), then import."
                )
            cache[key] = campaign
        return cache[key]

    def product(self, text: str) -> Product:
        """The product a deal row names: by code, else by name ignoring case and spacing; with
        `create_missing: ["product"]` an admin's import adds it to the catalogue (price 0, to
        be set in the catalogue)."""
        key = text_key(text)
        cache = self._cache("product")
        if key in cache:
            return cache[key]
        matches = products_named(text)
        if len(matches) > 1:
            codes = ", ".join(p.sku or f"#{p.pk}" for p in matches)
            raise RowProblem(
                "product",
                f"Several products are called {text!r} (codes {codes}); name it by its code.",
            )
        product = matches[0] if matches else None
        if product is None:
            if "product" not in self.create_missing:
                raise RowProblem(
                    "product",
                    f"No product {text!r} in the catalogue. Import the products first, merge "
                    'spellings with a value table ("values": {"product": {...}}), or add '
                    '"product" to create_missing.',
                )
            if not self.user.is_admin:
                raise RowProblem("product", "Only an admin's import may add products.")
            product = product_create(acting_user=self.user, name=text.strip(), unit_price=0)
            return self._remember("product", key, product, created=True)
        cache[key] = product
        return product


def stages_in_order(pipeline: Pipeline) -> list[Stage]:
    return [s for s in pipeline.stages.order_by("position", "pk") if not _is_archived(s)]


def _is_archived(stage: Stage) -> bool:
    # Stages that an admin removed stay for history (when the pipeline app archives them).
    return getattr(stage, "archived_at", None) is not None


def _owner_key(text: str) -> str:
    return " ".join(str(text or "").split())


def _user_named(user: User) -> str:
    name = user.get_full_name()
    return f"{user.username} ({name})" if name else user.username


def _ascii_username(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return ".".join(re.findall(r"[a-z0-9]+", folded))[:140]
