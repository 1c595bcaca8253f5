"""Creating many leads at once (imports): the rules of `lead_create`, set-based.

`LeadsBulkCreate.build` checks and completes one lead in Python exactly as `lead_create` does
(contact fields, owner and team, custom fields, derived keys, field validation, "a name, an
email, a phone or a company") and raises the same `ValidationError`; it writes nothing. What
it needs from the database (whether the acting user may assign an owner, the owner's team) is
read once per owner. `insert` then writes a batch of built leads with one multi-row INSERT per
database batch, their scores computed before the insert (a new lead has no activities nor BANT
record, so its facts are its own columns), and their audit-log entries with one more bulk
insert, holding what the per-row save would have written (`audit_create_changes`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import get_field_value
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models.base import ModelState
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.encoding import smart_str

from salesflow.core.normalize import company_key, normalize_contact_fields, person_name_key
from salesflow.core.services import fields_assign
from salesflow.customfields.services import custom_assign
from salesflow.leads.models import SOURCE_CHANNEL, Lead
from salesflow.leads.scoring import LeadFacts, ScoringContext, score_compute, scoring_context
from salesflow.users import policy

# Inputs of `lead_create` (see services.LEAD_FIELDS) an import may pass.
BUILD_FIELDS = {
    "first_name", "last_name", "title", "email", "phone", "company", "industry", "size_band",
    "region", "website", "channel", "source", "source_detail", "campaign", "status", "notes",
    "external_id", "owner", "team", "visibility",
}  # fmt: skip
# Always validated: set by `build` itself, whatever the input held.
DERIVED_FIELDS = {"company_key", "name_key", "channel", "source"}


# Company names repeat within a file; the key is worked out once per name.
_company_key = functools.lru_cache(maxsize=8192)(company_key)
_person_name_key = functools.lru_cache(maxsize=8192)(person_name_key)
# Addresses of this plain ASCII form are valid as they are, for email-validator (which costs
# about 0.1 ms an address, the largest single cost of an import row, and would only lower-case
# them) and for Django's EmailValidator (0.05 ms): a dot-atom local part of letters, digits and
# `_+-`; host labels of letters, digits and inner hyphens, no `--` anywhere; a last label of 2
# to 63 letters that is no special-use name; at most 64 characters before the @ and 254 in all.
# A strict subset of what both accept; anything else goes to them, which give the result or
# the message (salesflow/imports/tests/test_import_speed.py checks they agree).
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_SPECIAL_USE = {"arpa", "invalid", "local", "localhost", "onion", "test"}


def email_is_plain(text: str) -> bool:
    """Whether `text` is an address of the plain form above (valid as it is, but for case)."""
    if len(text) > 254 or "--" in text or not _PLAIN_EMAIL.fullmatch(text):
        return False
    local, _, domain = text.partition("@")
    return len(local) <= 64 and domain.rpartition(".")[2].lower() not in _SPECIAL_USE


# Values remembered as valid per field (`LeadsBulkCreate._clean`); the set starts again when full.
_ACCEPTED_MAX = 10_000
_RELATIONS = {f.name: f.attname for f in Lead._meta.concrete_fields if f.is_relation}


class LeadsBulkCreate:
    """Build leads one by one (validated, not saved), then insert them in batches."""

    def __init__(self, *, acting_user: Any, normalised: bool = False) -> None:
        """`normalised`: the email and phone values were normalised by the caller already
        (the import's mapper reads them with the same functions), so they are not parsed
        again."""
        self.acting_user = acting_user
        self.normalised = normalised
        self._may_assign: dict[int, bool] = {}
        self._team_of: dict[int, Any] = {}
        self._scoring: ScoringContext | None = None
        self._references_ok: set[tuple[str, Any]] = set()
        self._template: dict[str, Any] | None = None
        self._fresh: list[tuple[str, models.Field]] = []
        self._checked_fields: dict[frozenset[str], list[models.Field]] = {}
        self._accepted: dict[str, set[Any]] = {}

    # -- checking ------------------------------------------------------------------------------

    def _ownership(self, data: dict[str, Any]) -> None:
        """`ownership_defaults`, with its two lookups remembered per owner."""
        owner = data.get("owner", self.acting_user)
        data["owner"] = owner
        if owner is not None and owner != self.acting_user:
            if owner.pk not in self._may_assign:
                self._may_assign[owner.pk] = (
                    policy.users_visible_to(self.acting_user).filter(pk=owner.pk).exists()
                )
            if not self._may_assign[owner.pk]:
                raise ValidationError(
                    {"owner": "You can only assign records to people in your teams."}
                )
        if data.get("team") is None and owner is not None:
            if owner.pk not in self._team_of:
                self._team_of[owner.pk] = owner.teams.order_by("pk").first()
            data["team"] = self._team_of[owner.pk]

    def _new_lead(self) -> Lead:
        """`Lead()`, from a copy of the defaults of a first one (no signal listens to a lead's
        creation in memory; a default made by a callable, such as `custom`'s dict, is made
        again for each lead)."""
        if self._template is None:
            template = dict(Lead().__dict__)
            del template["_state"]
            self._template = template
            self._fresh = [
                (f.attname, f)
                for f in Lead._meta.concrete_fields
                if f.has_default() and callable(f.default)
            ]
        lead = Lead.__new__(Lead)
        values = lead.__dict__
        values.update(self._template)
        for attname, f in self._fresh:
            values[attname] = f.get_default()
        lead._state = ModelState()
        return lead

    def _clean(self, lead: Lead, checked: frozenset[str]) -> None:
        """`lead.full_clean(exclude=<all but checked>)` without the uniqueness and constraint
        checks, the relations left to `build`: the same `Field.clean` per field, remembering
        the text and number values each field accepted (a file repeats its titles, regions,
        sources ...), so each is checked once."""
        if checked not in self._checked_fields:
            self._checked_fields[checked] = [
                f for f in Lead._meta.fields if f.name in checked and not f.is_relation
            ]
        values = lead.__dict__
        errors: dict[str, Any] = {}
        for f in self._checked_fields[checked]:
            raw = values[f.attname]
            if f.blank and raw in f.empty_values:
                continue
            kind = type(raw)
            accepted = self._accepted.setdefault(f.name, set())
            if (kind is str or kind is int or kind is bool) and raw in accepted:
                continue
            if f.name == "email" and kind is str and raw.islower() and email_is_plain(raw):
                continue  # what EmailField's checks accept (see email_is_plain), lower-cased
            try:
                cleaned = f.clean(raw, lead)
            except ValidationError as exc:
                errors[f.name] = exc.error_list
                continue
            values[f.attname] = cleaned
            if (kind is str or kind is int or kind is bool) and cleaned == raw:
                if len(accepted) >= _ACCEPTED_MAX:
                    accepted.clear()
                accepted.add(raw)
        try:
            lead.clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def build(self, **data: Any) -> Lead:
        """A new, unsaved lead from `lead_create`'s inputs, checked as `lead_create` checks it
        (ValidationError naming the field); nothing is written."""
        if not self.normalised:
            data = normalize_contact_fields(data)
        self._ownership(data)
        if not data.get("channel") and data.get("source") in SOURCE_CHANNEL:
            data["channel"] = SOURCE_CHANNEL[data["source"]]
        lead = self._new_lead()
        custom_assign(lead, data, kind="lead")
        fields_assign(lead, data, allowed=BUILD_FIELDS)
        lead.company_key = _company_key(lead.company)
        lead.name_key = _person_name_key(lead.first_name, lead.last_name)
        # The fields left at their defaults are valid by construction: only those given (and
        # the derived ones) are cleaned. No unique fields nor constraints to check on a new lead.
        checked = {*data, *DERIVED_FIELDS}
        if "custom" in data or lead.custom:
            checked.add("custom")
        # A reference (owner, team, campaign) is checked against its table once per value.
        for name in checked & _RELATIONS.keys():
            value = getattr(lead, _RELATIONS[name])
            if value is not None and (name, value) not in self._references_ok:
                lead.clean_fields(exclude=[f.name for f in Lead._meta.fields if f.name != name])
                self._references_ok.add((name, value))
        self._clean(lead, frozenset(checked))
        if not (lead.full_name or lead.email or lead.phone or lead.company):
            raise ValidationError(
                {"last_name": "Give at least a name, an email, a phone number or a company."}
            )
        return lead

    # -- writing -------------------------------------------------------------------------------

    def scoring(self) -> ScoringContext:
        if self._scoring is None:
            self._scoring = scoring_context()
        return self._scoring

    def insert(
        self, leads: list[Lead], *, created_at: dict[int, dt.datetime] | None = None
    ) -> list[Lead]:
        """Insert built leads (scored, stamped and audited); `created_at` overrides the moment
        of some of them (by their index in `leads`), as an import from another system does.
        Call inside a transaction: a database error leaves the batch half written."""
        if not leads:
            return leads
        created_at = created_at or {}
        ctx = self.scoring()
        now = timezone.now()
        # Leads with the same facts (title, industry, size band, region, form, custom values,
        # moment) get the same score: computed once, the result shared.
        scores: dict[Any, Any] = {}
        for index, lead in enumerate(leads):
            if lead.owner_id is not None and lead.assigned_at is None:
                lead.assigned_at = now
            facts = _facts_of(lead, created_at.get(index, now))
            key = _facts_key(facts)
            result = scores.get(key) if key is not None else None
            if result is None:
                result = score_compute(facts, ctx)
                if key is not None:
                    scores[key] = result
            lead.fit_score = result.fit_score
            lead.score = result.score
            lead.grade = result.grade
            lead.score_breakdown = result.breakdown
            lead.scored_at = ctx.now
        rows_insert(leads, now=now)
        audit_created(leads)
        if created_at:
            Lead.objects.bulk_update(
                [_stamped(leads[index], moment) for index, moment in created_at.items()],
                ["created_at"],
                batch_size=500,
            )
        return leads


def _stamped(lead: Lead, moment: dt.datetime) -> Lead:
    lead.created_at = moment
    return lead


def _facts_key(facts: LeadFacts) -> tuple[Any, ...] | None:
    """A hashable key of a new lead's facts, or None when a custom value is not hashable."""
    try:
        custom = frozenset(facts.custom.items())
        key = (facts.created_at, facts.title, facts.industry, facts.size_band, facts.region,
               facts.has_capture_form, custom)  # fmt: skip
        hash(key)
    except TypeError:  # a list of choices
        return None
    return key


def _facts_of(lead: Lead, created_at: dt.datetime) -> LeadFacts:
    """What scoring reads of a lead that has just been built (no BANT, no activities)."""
    return LeadFacts(
        created_at=created_at,
        title=lead.title,
        industry=lead.industry,
        size_band=lead.size_band,
        region=lead.region,
        has_capture_form=lead.capture_form_id is not None,
        custom=lead.custom or {},
    )


# Inserting ---------------------------------------------------------------------------------------


class _InsertPlan:
    """Per model, the INSERT statement and how each column's value is made ready for it."""

    def __init__(self, model: type[models.Model]) -> None:
        quote = connection.ops.quote_name
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.attnames = [f.attname for f in self.fields]
        self.stamped = [
            f.attname
            for f in self.fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        # Text, numbers, booleans and ids go to the driver as they are; the rest is prepared
        # by its field, as Django's own insert does.
        raw = {"CharField", "TextField", "EmailField", "URLField", "SlugField", "BooleanField",
               "IntegerField", "BigIntegerField", "PositiveIntegerField", "SmallIntegerField",
               "PositiveSmallIntegerField", "PositiveBigIntegerField"}  # fmt: skip
        self.prepared = [
            index
            for index, f in enumerate(self.fields)
            if not f.is_relation and f.get_internal_type() not in raw
        ]
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(f.column) for f in self.fields)
        self.pk_column = quote(model._meta.pk.column)
        self.row_sql = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        # SQLite: at most 999 parameters a statement; PostgreSQL: 65,535 (500 rows a batch).
        limit = connection.features.max_query_params
        self.per_statement = max(1, limit // len(self.fields)) if limit else 500


_insert_plans: dict[tuple[str, type[models.Model]], _InsertPlan] = {}


def rows_insert(
    objs: list[Any], *, now: dt.datetime, model: type[models.Model] | None = None
) -> list[Any]:
    """Insert new model instances and set their primary keys, without signals (as
    `bulk_create`). The `auto_now` and `auto_now_add` fields get `now` (on PostgreSQL the
    moment of the insert, see `_library_insert`). Values must be valid
    (checked before). With `model`, `objs` may be plain objects holding the model's attributes
    (`_Row`).

    On SQLite: multi-row INSERT ... RETURNING statements written here, `bulk_create` without its
    per-value work (3 times less CPU for 5,000 leads, measured in one process). On PostgreSQL:
    `bulk_create` itself, whose INSERT ... SELECT FROM UNNEST sends one array a column (2.5
    times less CPU than a VALUES list of 20,000 parameters, which psycopg parses on the client
    for every statement); also on a SQLite too old for RETURNING."""
    if not objs:
        return objs
    model = model or type(objs[0])
    if connection.vendor != "sqlite" or not connection.features.can_return_rows_from_bulk_insert:
        return _library_insert(objs, model=model)
    key = (connection.alias, model)
    if key not in _insert_plans:
        _insert_plans[key] = _InsertPlan(model)
    plan = _insert_plans[key]
    for obj in objs:
        for attname in plan.stamped:
            obj.__dict__[attname] = now
    params_of = []
    # The same object (a batch's moment, a shared score breakdown) is prepared once; so is an
    # empty JSON value. `objs` keeps every object alive, so no id is reused meanwhile.
    ready: dict[tuple[int, Any], Any] = {}
    for obj in objs:
        values = obj.__dict__
        row = [values[attname] for attname in plan.attnames]
        for index in plan.prepared:
            value = row[index]
            if value is None:
                continue
            kind = type(value)
            if kind is dt.datetime or kind is list or kind is dict:
                key = (index, id(value) if value else kind)
                if key not in ready:
                    ready[key] = plan.fields[index].get_db_prep_save(value, connection)
                row[index] = ready[key]
            else:
                row[index] = plan.fields[index].get_db_prep_save(value, connection)
        params_of.append(row)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), plan.per_statement):
            batch = params_of[start : start + plan.per_statement]
            sql = "INSERT INTO {} ({}) VALUES {} RETURNING {}".format(  # noqa: S608
                plan.table, plan.columns, ", ".join([plan.row_sql] * len(batch)), plan.pk_column
            )
            cursor.execute(sql, [value for row in batch for value in row])
            for obj, (pk,) in zip(objs[start : start + len(batch)], cursor.fetchall(), strict=True):
                obj.pk = pk
                if isinstance(obj, models.Model):
                    obj._state.adding = False
                    obj._state.db = connection.alias
    return objs


def _library_insert(objs: list[Any], *, model: type[models.Model]) -> list[Any]:
    """`rows_insert` through `bulk_create`; primary keys are copied back to plain objects.
    `bulk_create` stamps the `auto_now` fields itself, as a save does (the moment of the
    insert, not `now`)."""
    instances = objs if isinstance(objs[0], models.Model) else [model(**o.__dict__) for o in objs]
    model._default_manager.bulk_create(instances)
    if instances is not objs:
        for obj, instance in zip(objs, instances, strict=True):
            obj.pk = instance.pk
    return objs


# Audit log ---------------------------------------------------------------------------------------


class _CreatePlan:
    """Per model, the fields auditlog compares when it logs a create, and how it reads them."""

    def __init__(self, model: type[models.Model]) -> None:
        model_fields = auditlog.get_model_fields(model)
        include, exclude = model_fields["include_fields"], model_fields["exclude_fields"]
        self.masked = bool(model_fields["mask_fields"])
        fields = [
            f
            for f in model._meta.get_fields()
            if not f.many_to_many
            and not (
                getattr(f, "remote_field", None) is not None and f.remote_field.model == LogEntry
            )
        ]
        if include:
            fields = [f for f in fields if f.name in include]
        fields = [f for f in fields if f.name not in exclude]
        self.reverse = [f for f in fields if not f.concrete]  # a manager: the same text always
        self.datetimes = [f for f in fields if isinstance(f, models.DateTimeField)]
        self.relations = [
            (f.name, f.attname)
            for f in fields
            if f.concrete and (f.one_to_one or f.many_to_one) and hasattr(f, "rel_class")
        ]
        special = {*self.reverse, *self.datetimes}
        self.plain = [
            f.name
            for f in fields
            if f not in special and f.name not in {name for name, _ in self.relations}
        ]
        self.constants: dict[str, Any] | None = None
        self.serialize = auditlog.get_serialize_options(model)["serialize_data"]
        self.moment: tuple[dt.datetime, str] | None = None
        self.content_type = ContentType.objects.get_for_model(model)


_plans: dict[type[models.Model], _CreatePlan] = {}


def _plan_of(model: type[models.Model]) -> _CreatePlan:
    if model not in _plans:
        _plans[model] = _CreatePlan(model)
    return _plans[model]


def audit_create_changes(record: models.Model) -> dict[str, Any]:
    """The `changes` auditlog's own receiver stores when `record` is created (JSON changes):
    every tracked field whose value is not None, as [None, value]."""
    plan = _plan_of(type(record))
    if plan.masked:  # not used by Salesflow; auditlog's own code then
        from auditlog.diff import model_instance_diff

        return model_instance_diff(None, record, use_json_for_changes=True) or {}
    if plan.constants is None:
        plan.constants = {}
        for f in plan.reverse:
            value = get_field_value(record, f, True)
            if value is not None:
                plan.constants[f.name] = [None, value if _primitive(value) else smart_str(value)]
    changes: dict[str, Any] = dict(plan.constants)
    values = record.__dict__
    for name in plan.plain:
        value = values[name]
        if value is not None:
            changes[name] = [None, value if _primitive(value) else smart_str(value)]
    for name, attname in plan.relations:
        value = values[attname]
        if value is not None:
            changes[name] = [None, value if isinstance(value, int) else smart_str(value)]
    for f in plan.datetimes:
        value = values[f.attname]
        if value is not None:
            if plan.moment is None or plan.moment[0] is not value:  # one `now` for a batch
                shown = f.to_python(value)
                if timezone.is_aware(shown):
                    shown = timezone.make_naive(shown, timezone=dt.UTC)
                plan.moment = (value, str(shown))
            changes[f.name] = [None, plan.moment[1]]
    return changes


_PRIMITIVE = (bool, int, float, str, list, tuple, dict, set)


def _primitive(value: Any) -> bool:
    return isinstance(value, _PRIMITIVE)


def audit_created(records: list[models.Model]) -> list[Any]:
    """Write the "created" audit-log entries of records just bulk-inserted: the same rows the
    per-row save writes (the acting user and request data of auditlog's context included)."""
    if not records or auditlog_disabled.get():
        return []
    plan = _plan_of(type(records[0]))
    # What auditlog's context (`set_actor`, the request middleware) adds to an entry: its
    # receivers fill a probe entry, as they would fill each entry a per-row save writes.
    probe, blank = LogEntry(), LogEntry()
    pre_save.send(sender=LogEntry, instance=probe, raw=False, using=connection.alias,
                  update_fields=None)  # fmt: skip
    extra = {
        f.attname: getattr(probe, f.attname)
        for f in LogEntry._meta.concrete_fields
        if getattr(probe, f.attname) != getattr(blank, f.attname) and f.name != "timestamp"
    }
    actor_id = extra.pop("actor_id", None)
    common = {
        "content_type_id": plan.content_type.pk,
        "serialized_data": None,
        "action": LogEntry.Action.CREATE,
        "changes_text": "",
        "actor_id": actor_id,
        "actor_email": None,
        "cid": get_cid(),
        "remote_addr": None,
        "remote_port": None,
        "timestamp": timezone.now(),
        "additional_data": None,
        **extra,
    }
    entries = [
        _Row(
            **common,
            object_pk=str(record.pk),
            object_id=record.pk,
            object_repr=smart_str(record),
            changes=audit_create_changes(record),
        )
        for record in records
    ]
    if plan.serialize:
        for entry, record in zip(entries, records, strict=True):
            entry.serialized_data = LogEntry.objects._get_serialized_data_or_none(record)
    return rows_insert(entries, now=common["timestamp"], model=LogEntry)


class _Row:
    """A row to insert, as attributes named like the model's (`rows_insert(model=...)`)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)
