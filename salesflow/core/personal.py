"""Where a person's data can be: the places a privacy request searches and erases.

A privacy request (salesflow.privacy) finds everything held about a person and erases it. The
person's values also end up in records of other apps: a deal named after them, an activity's
text, the audit log, an import file. Each app that keeps such values registers a
`PersonalPlace` here from its `AppConfig.ready()` (the apps privacy may import are registered by
privacy itself), so privacy reaches them without importing them.

A `Person` is what a place gets: the ids of the person's own records and of the records linked
to them, and their identifying values (names, email addresses, phone numbers, profile texts).
`Person.scrub` replaces those values inside free text with `ERASED_MARK`:

- everywhere, the *strong* values: an email address, a phone number (however it is written),
  the full name ("Anna Meyer", "Meyer, Anna");
- in records linked to the person (their deals and what hangs on them, their accounts, their
  merges) and in records that hold a strong value, also the *weak* values: the first or the
  last name alone as a word, and the texts of their personal profile.

`text_place` builds a place for the text columns of one model from these rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import models
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast

ERASED_MARK = "[erased]"
# Values shorter than this are not searched in free text: they would match too much.
MIN_WORD = 2
MIN_TEXT = 4
MIN_PHONE_DIGITS = 6
# How names are separated in free text: "Anna Meyer", "Anna  Meyer", "Meyer, Anna".
_NAME_GAP = r"[\s,.\-]+"
# How digits of a phone number are separated: "+49 (0)30 123-45 67", "030/1234567".
_PHONE_GAP = r"[\s\-./()]*"


def _literal(text: str) -> str:
    """A regular expression matching `text` literally, valid for Python and PostgreSQL alike
    (both read a backslash before an ASCII punctuation character as that character)."""
    return "".join(
        ch if ch.isalnum() or not ch.isascii() else ("\\s+" if ch.isspace() else "\\" + ch)
        for ch in text
    )


def _json_escaped(text: str) -> str:
    """`text` as it appears inside a JSON string written with ASCII escapes (SQLite's JSON)."""
    return json.dumps(text)[1:-1]


def _phone_pattern(raw: str) -> str | None:
    """The phone number with any separators between its digits and with or without its country
    code (+49 / 0049) or national trunk prefix (0)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, settings.SALESFLOW_PHONE_REGION)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", raw)
        return _PHONE_GAP.join(digits) if len(digits) >= MIN_PHONE_DIGITS else None
    national = phonenumbers.national_significant_number(number)
    if len(national) < MIN_PHONE_DIGITS:
        return None
    country = str(number.country_code)
    prefix = (
        rf"(?:(?:\+|00){_PHONE_GAP.join(country)}{_PHONE_GAP}(?:\(0\){_PHONE_GAP})?"
        rf"|0{_PHONE_GAP})?"
    )
    return prefix + _PHONE_GAP.join(national)


@dataclass
class Person:
    """A person to find or erase: their records, what is linked to them, their values."""

    contact_ids: set[int] = field(default_factory=set)
    lead_ids: set[int] = field(default_factory=set)
    # Leads of the person merged into another and deleted: their recorded changes remain.
    merged_lead_ids: set[int] = field(default_factory=set)
    # The person's own activities (on their contacts or leads).
    activity_ids: set[int] = field(default_factory=set)
    # Linked records: deals they are the primary contact, a stakeholder or the converted lead
    # of (or that were referred by them); the accounts of their contacts and converted leads;
    # the activities on those deals; the BANT records of their leads and deals.
    deal_ids: set[int] = field(default_factory=set)
    account_ids: set[int] = field(default_factory=set)
    linked_activity_ids: set[int] = field(default_factory=set)
    qualification_ids: set[int] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    names: set[tuple[str, str]] = field(default_factory=set)  # (first, last)
    texts: set[str] = field(default_factory=set)  # personal profile values

    def __post_init__(self) -> None:
        self._compiled: tuple[re.Pattern[str] | None, re.Pattern[str] | None] | None = None

    # -- values -------------------------------------------------------------------------------

    def add_values(
        self,
        *,
        first_name: str = "",
        last_name: str = "",
        email: str = "",
        phone: str = "",
        texts: Iterable[Any] = (),
    ) -> None:
        """Add identifying values (blank ones are ignored)."""
        first, last = (first_name or "").strip(), (last_name or "").strip()
        if first or last:
            self.names.add((first, last))
        if (email or "").strip():
            self.emails.add(email.strip().lower())
        if (phone or "").strip():
            self.phones.add(phone.strip())
        for text in texts:
            if isinstance(text, str) and len(text.strip()) >= MIN_TEXT:
                self.texts.add(text.strip())
        self._compiled = None

    @property
    def values(self) -> list[str]:
        """Every value searched for, for display and tests."""
        words = [word for name in self.names for word in name if word]
        return sorted({*self.emails, *self.phones, *words, *self.texts})

    def _strong_parts(self, *, escaped: bool = False) -> list[str]:
        parts: list[str] = []
        variants = (lambda s: s,) if not escaped else (lambda s: s, _json_escaped)
        for email in sorted(self.emails):
            parts.extend(_literal(v(email)) for v in variants)
        for phone in sorted(self.phones):
            pattern = _phone_pattern(phone)
            if pattern:
                parts.append(pattern)
        for first, last in sorted(self.names):
            if len(first) >= MIN_WORD and len(last) >= MIN_WORD:
                for v in variants:
                    f, la = _literal(v(first)), _literal(v(last))
                    parts.append(f"{f}{_NAME_GAP}{la}")
                    parts.append(f"{la}{_NAME_GAP}{f}")
        return list(dict.fromkeys(parts))

    def _weak_parts(self) -> list[str]:
        words = {w for name in self.names for w in name if len(w) >= MIN_WORD}
        parts = [rf"(?<!\w){_literal(word)}(?!\w)" for word in sorted(words, key=len, reverse=True)]
        parts += [_literal(text) for text in sorted(self.texts, key=len, reverse=True)]
        return parts

    def _patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        if self._compiled is None:
            strong = self._strong_parts()
            # Digits of a phone number must not be part of a longer number.
            strong_py = [
                rf"(?<!\d){part}(?!\d)" if part not in map(_literal, self.emails) else part
                for part in strong
            ]
            weak = strong_py + self._weak_parts()
            flags = re.IGNORECASE
            self._compiled = (
                re.compile("|".join(strong_py), flags) if strong_py else None,
                re.compile("|".join(weak), flags) if weak else None,
            )
        return self._compiled

    # -- free text ----------------------------------------------------------------------------

    def mentions(self, text: Any, *, linked: bool = False) -> bool:
        pattern = self._patterns()[1 if linked else 0]
        if pattern is None:
            return False
        if isinstance(text, str):
            return bool(pattern.search(text))
        return any(self.mentions(part, linked=linked) for part in _strings_of(text))

    def scrub(self, text: str, *, linked: bool = False) -> str:
        """`text` with the person's values replaced by ERASED_MARK."""
        pattern = self._patterns()[1 if linked else 0]
        if pattern is None or not text:
            return text
        return pattern.sub(ERASED_MARK, text)

    def scrub_data(self, value: Any, *, linked: bool = False) -> Any:
        """A JSON value with the person's values replaced in every string (keys stay)."""
        if isinstance(value, str):
            return self.scrub(value, linked=linked)
        if isinstance(value, list):
            return [self.scrub_data(item, linked=linked) for item in value]
        if isinstance(value, dict):
            return {key: self.scrub_data(item, linked=linked) for key, item in value.items()}
        return value

    def db_pattern(self) -> str | None:
        """A regular expression for `__iregex` that finds rows holding a strong value (a
        superset: the text as stored, JSON escapes included; `mentions` decides)."""
        parts = self._strong_parts(escaped=True)
        return "|".join(parts) if parts else None


def _strings_of(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings_of(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_of(item)


# -- the registry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalPlace:
    """A place holding personal data: `find` lists where the person is (JSON-ready items),
    `erase` removes them and answers how many records it changed. `columns` names the
    "app_label.Model.field" columns the place covers."""

    key: str
    label: str
    find: Callable[[Person], list[dict[str, Any]]]
    erase: Callable[[Person], int]
    columns: tuple[str, ...] = ()
    order: int = 100


_places: dict[str, PersonalPlace] = {}


def personal_data_register(place: PersonalPlace) -> None:
    """Register a place (from an AppConfig.ready(); registering a key again replaces it)."""
    _places[place.key] = place


def personal_data_places() -> list[PersonalPlace]:
    return sorted(_places.values(), key=lambda place: (place.order, place.key))


# -- text columns of one model ----------------------------------------------------------------


def text_columns(model: type[models.Model]) -> list[str]:
    """The model's free-text columns: text, character (without choices) and JSON fields."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
        and not f.choices
        and not isinstance(f, models.FileField)
    ]


def text_place(
    key: str,
    label: str,
    model: type[models.Model],
    *,
    fields: Iterable[str] | None = None,
    linked: Callable[[Person], Q] | None = None,
    strong_only: Iterable[str] = (),
    replace: dict[str, Callable[[Any], str]] | None = None,
    derived: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    order: int = 100,
) -> PersonalPlace:
    """A place over text columns of `model` (by default all of them, see `text_columns`).

    Rows matching `linked(person)` are searched for strong and weak values, the others for
    strong ones. `strong_only` fields are searched for strong values even in linked rows (a
    company's name may share a word with a person's). A field in `replace` that mentions the
    person is replaced as a whole by `replace[field](pk)` ("Deal #12"); `derived` returns the
    fields to recompute from the changed values (a name's key).
    """
    names = list(fields) if fields is not None else text_columns(model)
    strong_only = set(strong_only)
    replace = replace or {}
    label_of = model._meta.label

    def candidates(person: Person) -> tuple[models.QuerySet, set[int]]:
        manager = model._default_manager
        linked_q = linked(person) if linked else Q(pk__in=[])
        linked_pks = set(manager.filter(linked_q).values_list("pk", flat=True)) if linked else set()
        pattern = person.db_pattern()
        match = Q(pk__in=linked_pks)
        rows = manager.all()
        if pattern:
            casts = {f"_erase_{name}": Cast(name, TextField()) for name in names}
            rows = rows.annotate(**casts)
            for alias in casts:
                match |= Q(**{f"{alias}__iregex": pattern})
        return rows.filter(match).values("pk", *names).order_by("pk"), linked_pks

    def changes_of(row: dict[str, Any], person: Person, is_linked: bool) -> dict[str, Any]:
        changed: dict[str, Any] = {}
        for name in names:
            value = row[name]
            deep = is_linked and name not in strong_only
            if name in replace:
                if person.mentions(value, linked=deep):
                    changed[name] = replace[name](row["pk"])
                continue
            new = (
                person.scrub(value, linked=deep)
                if isinstance(value, str)
                else person.scrub_data(value, linked=deep)
            )
            if new != value:
                changed[name] = new
        return changed

    def is_linked(row: dict[str, Any], person: Person, linked_pks: set[int]) -> bool:
        # A text naming the person by a strong value is about them: their first or last name
        # alone goes too.
        return row["pk"] in linked_pks or any(person.mentions(row[name]) for name in names)

    def find(person: Person) -> list[dict[str, Any]]:
        rows, linked_pks = candidates(person)
        items = []
        for row in rows.iterator():
            linked_row = is_linked(row, person, linked_pks)
            found = {
                name: row[name]
                for name in names
                if person.mentions(row[name], linked=linked_row and name not in strong_only)
            }
            if found:
                items.append({"model": label_of, "id": row["pk"], **found})
        return items

    def erase(person: Person) -> int:
        rows, linked_pks = candidates(person)
        has_version = any(f.name == "version" for f in model._meta.concrete_fields)
        count = 0
        for row in list(rows.iterator()):
            changed = changes_of(row, person, is_linked(row, person, linked_pks))
            if not changed:
                continue
            if derived:
                changed.update(derived(changed))
            if has_version:
                changed["version"] = F("version") + 1
            count += model._default_manager.filter(pk=row["pk"]).update(**changed)
        return count

    columns = tuple(f"{label_of}.{name}" for name in names)
    return PersonalPlace(key, label, find, erase, columns=columns, order=order)
