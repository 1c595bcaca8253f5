"""What an import does with one mapped row of each kind: find the record it is, then create
or update it through the same services the UI uses.

Matching: the external id when the mapping has one and the row fills it; otherwise a dedup key
(leads and contacts: email, else phone, else name and company; accounts: the company name;
deals: account, name and created date).

Custom field targets (`custom.<key>`) reach the services as `custom={key: value}`, values the
mapper has already read with the field's type; the services check them again, as for any write.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import DataError, IntegrityError, models, transaction

from salesflow.core.normalize import person_name_key
from salesflow.customers.models import Account, Contact
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.customers.services import (
    account_create,
    account_update,
    contact_create,
    contact_update,
)
from salesflow.imports.custom import custom_key, is_custom
from salesflow.imports.mapping import MappedRow, RowMapper
from salesflow.imports.resolver import Resolver, RowProblem, text_key
from salesflow.imports.targets import ACCOUNT_FACT_PREFIX
from salesflow.leads.bulk import LeadsBulkCreate
from salesflow.leads.models import Lead
from salesflow.leads.selectors import leads_visible_to
from salesflow.leads.services import lead_create, lead_update
from salesflow.users.models import User

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
# Targets that are not fields the services take.
NOT_FIELDS = {"created_at", "full_name", "contact_email", "contact_name"}


@dataclass
class RunContext:
    kind: str
    acting_user: User
    default_owner: User
    resolver: Resolver
    mapper: RowMapper
    now: dt.datetime
    # Deals: moments of the stage histories written so far that no column gave (estimated).
    estimated_moments: int = 0


class Handler:
    """One kind of record. Subclasses say how to key, find, create and update it."""

    model: type[models.Model]
    # Model field -> mapping target, where they differ (for error messages).
    field_targets: dict[str, str] = {}

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.resolver = ctx.resolver

    def target_of(self, field_name: str) -> str:
        return self.field_targets.get(field_name, field_name)

    def custom_of(self, row: MappedRow, *, for_update: bool) -> dict[str, Any]:
        """The row's custom field values, {key: value}, for the services.

        Fields that do not exist yet (defined by the mapping, to be created by a real run) were
        checked by the mapper and are left out: only a dry run or a preview meets them.
        """
        targets = self.ctx.mapper.targets
        return {
            custom_key(target): value
            for target, value in row.values.items()
            if is_custom(target)
            and targets[target].custom_field.pk is not None
            and (not for_update or target in row.from_file)
        }

    # matching
    def key(self, row: MappedRow) -> tuple[Any, ...] | None:
        raise NotImplementedError

    def readable(self) -> models.QuerySet[Any]:
        """The records a row may match: only those the importer may read, so an import never
        tells whether another team's private record exists (nor what it holds)."""
        raise NotImplementedError

    def prefetch(self, rows: Iterable[MappedRow]) -> dict[tuple[Any, ...], Any]:
        raise NotImplementedError

    # writing
    def stage(self, row: MappedRow, known: dict[tuple[Any, ...], Any]) -> str | None:
        """Queue the row for a bulk write at `flush`, if this kind can: its action, after
        checking it without writing anything (so it needs no savepoint; errors are raised as
        by `write`). None: the row goes through `write`, in a savepoint of its own."""
        return None

    def write(self, row: MappedRow, known: dict[tuple[Any, ...], Any]) -> str:
        raise NotImplementedError

    def flush(self) -> list[tuple[MappedRow, str | Exception]]:
        """Write what was batched; (row, action or the exception that refused it)."""
        return []


def account_facts_pop(data: dict[str, Any]) -> dict[str, Any]:
    """Take the `account_*` facts (for an account the import creates) out of a row's data."""
    return {
        name.removeprefix(ACCOUNT_FACT_PREFIX): data.pop(name)
        for name in [n for n in data if n.startswith(ACCOUNT_FACT_PREFIX)]
    }


def _same(current: Any, new: Any) -> bool:
    if current == new:
        return True
    if isinstance(new, str) and isinstance(current, str):
        return text_key(current) == text_key(new)
    return current == new


def changes_of(record: models.Model, data: dict[str, Any]) -> dict[str, Any]:
    """The fields of `data` whose value differs from the record's.

    Text that differs only in capitals or spacing is no change: exports often shout
    ("ACME CORP") or pad, and the record found by that very name should keep its spelling.
    `custom` ({key: value}, values as stored) changes by the keys that differ.
    """
    changed: dict[str, Any] = {}
    for name, value in data.items():
        if name == "custom":
            stored = getattr(record, "custom", None) or {}
            differs = {key: v for key, v in value.items() if not _same(stored.get(key), v)}
            if differs:
                changed["custom"] = differs
            continue
        field = record._meta.get_field(name)
        current = getattr(record, field.attname)
        if isinstance(field, models.ForeignKey):
            new = value.pk if isinstance(value, models.Model) else value
            if current != new:
                changed[name] = value
        elif not _same(current, value):
            changed[name] = value
    return changed


class SimpleHandler(Handler):
    """Leads, contacts and accounts: one service call per row."""

    def create(self, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def update(self, record: Any, changes: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def resolve_refs(self, data: dict[str, Any], owner: User | None) -> None:
        """Turn the names of related rows into rows (accounts, campaigns)."""

    def data(self, row: MappedRow, *, for_update: bool) -> dict[str, Any]:
        data = {
            target: value
            for target, value in row.values.items()
            if target not in NOT_FIELDS
            and not is_custom(target)
            and (not for_update or target in row.from_file)
        }
        custom = self.custom_of(row, for_update=for_update)
        if custom:
            data["custom"] = custom
        owner = None
        if "owner" in data:
            owner = data["owner"] = self.resolver.owner(data["owner"])
        elif not for_update:
            owner = data["owner"] = self.ctx.default_owner
        if owner is not None and not for_update:
            data["team"] = self.resolver.team_of(owner)
        self.resolve_refs(data, owner)
        return data

    def write(self, row: MappedRow, known: dict[tuple[Any, ...], Any]) -> str:
        key = self.key(row)
        record = known.get(key) if key else None
        if record is None:
            record = self.create(self.data(row, for_update=False))
            if "created_at" in row.values:
                type(record)._default_manager.filter(pk=record.pk).update(
                    created_at=row.values["created_at"]
                )
            if key:
                known[key] = record
            return CREATED
        changes = changes_of(record, self.data(row, for_update=True))
        if not changes:
            return UNCHANGED
        self.update(record, changes)
        return UPDATED


class PersonHandler(SimpleHandler):
    """Leads and contacts: email, else phone, else name and company."""

    has_external_id = False

    def company_text(self, row: MappedRow) -> str:
        raise NotImplementedError

    def key(self, row: MappedRow) -> tuple[Any, ...] | None:
        values = row.values
        if self.has_external_id and values.get("external_id"):
            return ("external_id", values["external_id"])
        if values.get("email"):
            return ("email", values["email"])
        if values.get("phone"):
            return ("phone", values["phone"])
        first, last = values.get("first_name", ""), values.get("last_name", "")
        if first or last:
            return ("name", text_key(first), text_key(last), text_key(self.company_text(row)))
        return None

    def record_name_key(self, record: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    def prefetch(self, rows: Iterable[MappedRow]) -> dict[tuple[Any, ...], Any]:
        rows = list(rows)
        wanted: dict[str, set[Any]] = defaultdict(set)
        for row in rows:
            key = self.key(row)
            if key:
                wanted[key[0]].add(key[1] if key[0] != "name" else key)
        found: dict[tuple[Any, ...], Any] = {}
        readable = self.readable()
        for field in ("external_id", "email", "phone"):
            if wanted[field]:
                for record in readable.filter(**{f"{field}__in": wanted[field]}).order_by("-pk"):
                    found[(field, getattr(record, field))] = record  # the oldest wins
        if wanted["name"]:
            # The stored key of "first last" narrows; the key tuple confirms, company and all.
            full_names = {person_name_key(key[1], key[2]) for key in wanted["name"]}
            candidates = self.name_queryset().filter(name_key__in=full_names).order_by("-pk")
            for record in candidates:
                key = self.record_name_key(record)
                if key in wanted["name"]:
                    found[key] = record
        return found

    def name_queryset(self) -> models.QuerySet[Any]:
        return self.readable()


class LeadHandler(PersonHandler):
    """New leads are checked row by row and inserted, scored and audited per chunk
    (`salesflow.leads.bulk`); rows that match a lead, or name an owner not met before in the
    run (who may have to be created), are written one by one."""

    model = Lead
    has_external_id = True

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.bulk = LeadsBulkCreate(acting_user=ctx.acting_user, normalised=True)
        self.pending: list[tuple[MappedRow, Lead, tuple[Any, ...] | None]] = []
        self.pending_keys: set[tuple[Any, ...]] = set()
        self.outcomes: list[tuple[MappedRow, str | Exception]] = []
        self.known: dict[tuple[Any, ...], Any] = {}

    def stage(self, row: MappedRow, known: dict[tuple[Any, ...], Any]) -> str | None:
        self.known = known
        key = self.key(row)
        if key and key in self.pending_keys:
            self.flush_pending()  # the row updates a lead of this chunk: write those first
        if "owner" in row.values and not self.resolver.owner_known(row.values["owner"]):
            return None
        if key and key in known:
            # A row that changes nothing (a re-imported file) is settled here, without a
            # savepoint nor a write; a row with changes goes through `lead_update`.
            if changes_of(known[key], self.data(row, for_update=True)):
                return None
            return UNCHANGED
        lead = self.bulk.build(**self.data(row, for_update=False))
        self.pending.append((row, lead, key))
        if key:
            self.pending_keys.add(key)
        return CREATED

    def flush_pending(self) -> None:
        """Insert the queued leads: in one go, or, when the database refuses the batch, row
        by row in savepoints to find the rows it refuses."""
        batch, self.pending, self.pending_keys = self.pending, [], set()
        if not batch:
            return
        try:
            with transaction.atomic():
                self._insert(batch)
            self.outcomes += [(row, CREATED) for row, _, _ in batch]
            return
        except (IntegrityError, DataError):
            pass
        for item in batch:
            row, lead, _ = item
            lead.pk = None
            lead._state.adding = True
            try:
                with transaction.atomic():
                    self._insert([item])
            except (IntegrityError, DataError) as exc:
                self.outcomes.append((row, exc))
            else:
                self.outcomes.append((row, CREATED))

    def _insert(self, batch: list[tuple[MappedRow, Lead, tuple[Any, ...] | None]]) -> None:
        created_at = {
            index: row.values["created_at"]
            for index, (row, _, _) in enumerate(batch)
            if "created_at" in row.values
        }
        self.bulk.insert([lead for _, lead, _ in batch], created_at=created_at)
        for _, lead, key in batch:
            if key:
                self.known[key] = lead

    def flush(self) -> list[tuple[MappedRow, str | Exception]]:
        self.flush_pending()
        outcomes, self.outcomes = self.outcomes, []
        return outcomes

    def company_text(self, row: MappedRow) -> str:
        return row.values.get("company", "")

    def readable(self) -> models.QuerySet[Lead]:
        """The readable leads, with only the columns a row is matched and compared on (a
        re-imported file compares most rows and changes none); `update` reads a lead whole
        before changing it."""
        return leads_visible_to(self.ctx.acting_user).only(*self.compared_fields())

    def compared_fields(self) -> list[str]:
        if not hasattr(self, "_compared"):
            names = {f.name for f in Lead._meta.concrete_fields}
            wanted = {"external_id", "email", "phone", "first_name", "last_name", "company"}
            mapper = self.ctx.mapper
            filled = [target for _, _, target in mapper.columns] + list(mapper.mapping["templates"])
            if "full_name" in filled:
                filled += ["first_name", "last_name"]
            for target in filled:
                if target in names:
                    wanted.add(target)
                elif is_custom(target):
                    wanted.add("custom")
            self._compared = sorted(wanted & names)
        return self._compared

    def record_name_key(self, record: Lead) -> tuple[Any, ...]:
        return (
            "name",
            text_key(record.first_name),
            text_key(record.last_name),
            text_key(record.company),
        )

    def resolve_refs(self, data: dict[str, Any], owner: User | None) -> None:
        if "campaign" in data:
            data["campaign"] = self.resolver.campaign(data["campaign"])

    def create(self, data: dict[str, Any]) -> Lead:
        return lead_create(acting_user=self.ctx.acting_user, **data)

    def update(self, record: Lead, changes: dict[str, Any]) -> Lead:
        if deferred := record.get_deferred_fields():  # read with `compared_fields` only
            record.refresh_from_db(fields=list(deferred))
        return lead_update(record, acting_user=self.ctx.acting_user, **changes)


class ContactHandler(PersonHandler):
    model = Contact

    def company_text(self, row: MappedRow) -> str:
        return row.values.get("account", "")

    def record_name_key(self, record: Contact) -> tuple[Any, ...]:
        account = record.account.name if record.account_id else ""
        return ("name", text_key(record.first_name), text_key(record.last_name), text_key(account))

    def readable(self) -> models.QuerySet[Contact]:
        return contacts_visible_to(self.ctx.acting_user)

    def name_queryset(self) -> models.QuerySet[Any]:
        return self.readable().select_related("account")

    def prefetch(self, rows: Iterable[MappedRow]) -> dict[tuple[Any, ...], Any]:
        rows = list(rows)
        self.resolver.accounts_prefetch(row.values.get("account", "") for row in rows)
        return super().prefetch(rows)

    def resolve_refs(self, data: dict[str, Any], owner: User | None) -> None:
        facts = account_facts_pop(data)
        if "account" in data:
            mark = self.resolver.mark()
            data["account"] = self.resolver.account(data["account"], owner=owner)
            if facts and self.resolver.mark() > mark:  # created for this row
                account_update(data["account"], acting_user=self.ctx.acting_user, **facts)

    def create(self, data: dict[str, Any]) -> Contact:
        return contact_create(acting_user=self.ctx.acting_user, **data)

    def update(self, record: Contact, changes: dict[str, Any]) -> Contact:
        return contact_update(record, acting_user=self.ctx.acting_user, **changes)


class AccountHandler(SimpleHandler):
    model = Account

    def key(self, row: MappedRow) -> tuple[Any, ...] | None:
        name = row.values.get("name", "")
        return ("name", text_key(name)) if name else None

    def prefetch(self, rows: Iterable[MappedRow]) -> dict[tuple[Any, ...], Any]:
        rows = list(rows)
        names = {text_key(row.values["name"]) for row in rows if row.values.get("name")}
        found: dict[tuple[Any, ...], Any] = {}
        if names:
            for record in self.readable().filter(name_key__in=names).order_by("-pk"):
                found[("name", record.name_key)] = record
        return found

    def readable(self) -> models.QuerySet[Account]:
        return accounts_visible_to(self.ctx.acting_user)

    def resolve_refs(self, data: dict[str, Any], owner: User | None) -> None:
        if data.get("parent"):
            # Looked up row by row, not from the resolver's cache, so a parent written by an
            # earlier row of the same chunk is found.
            name = data["parent"]
            parent = (
                accounts_visible_to(self.ctx.acting_user)
                .filter(name_key=text_key(name))
                .order_by("pk")
                .first()
            )
            if parent is None:
                raise RowProblem(
                    "parent",
                    f"No account {name!r} that you can see. Import the parent accounts first "
                    "(or earlier in the file).",
                )
            data["parent"] = parent

    def create(self, data: dict[str, Any]) -> Account:
        return account_create(acting_user=self.ctx.acting_user, **data)

    def update(self, record: Account, changes: dict[str, Any]) -> Account:
        return account_update(record, acting_user=self.ctx.acting_user, **changes)
