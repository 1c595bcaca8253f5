"""Reads of the global search: the records of each kind that match what was typed, among those
the user may read (the apps' `*_visible_to` selectors), ranked.

Matching: every word typed must be the start of a word of the record (word-prefix match, so
"acm" finds "Acme"), in its name, email, phone, company or external id (schema.py lists what
each kind indexes). A contact or deal also matches by its account's name ("company"). A query
that looks like a phone number ("040 123 45", "+49 40 12345") is matched as its digits, without
leading zeros, against the phone's digits and national number.

Indexes: SQLite FTS5 tables (`search_<kind>`), PostgreSQL GIN `to_tsvector` expression indexes;
each word is one index lookup giving record ids, and the visible records are read by id.

Ranking: records whose name starts with the whole query first, then those with a name word
starting with the first word typed, then the rest (matched by email, phone, company or id);
within each, the most recently changed first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.urls import reverse

from salesflow.activities.selectors import activities_visible_to
from salesflow.customers.models import Account, Contact
from salesflow.customers.selectors import accounts_visible_to, contacts_visible_to
from salesflow.leads.selectors import leads_visible_to
from salesflow.pipeline.models import Deal
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.search.schema import INDEXED, PG_DOCUMENT_COLUMN
from salesflow.users import policy

# The kinds in the order the results show them.
KINDS: tuple[str, ...] = ("lead", "contact", "account", "deal", "activity")
KIND_LABELS: dict[str, str] = {
    "lead": "Leads",
    "contact": "Contacts",
    "account": "Accounts",
    "deal": "Deals",
    "activity": "Activities",
}

MIN_QUERY_LENGTH = 2  # characters, spaces aside
MAX_WORDS = 6  # more words than this are ignored
MAX_LIMIT = 100
# The access policy and the ranking look at the newest this many index matches of a kind: what
# keeps a query as broad as "sch" inside the time budget at 100,000 records. Typing more
# narrows the matches below it.
CANDIDATE_CAP = 500

VISIBLE: dict[str, Callable[[Any], QuerySet]] = {
    "lead": leads_visible_to,
    "contact": contacts_visible_to,
    "account": accounts_visible_to,
    "deal": deals_visible_to,
    "activity": activities_visible_to,
}

# The name fields of each kind, for ranking (the first is the main one).
_NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "lead": ("last_name", "first_name", "company"),
    "contact": ("last_name", "first_name"),
    "account": ("name",),
    "deal": ("name",),
    "activity": ("subject",),
}
_RELATED: dict[str, tuple[str, ...]] = {
    "lead": (),
    "contact": ("account",),
    "account": (),
    "deal": ("account", "stage"),
    "activity": (),
}
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
_WORD = re.compile(r"[^\W_]+")


def search_terms(q: str) -> list[str]:
    """The words to look up for a query, folded: [] when it is too short to search."""
    text = unicodedata.normalize("NFKC", q or "").casefold().strip()
    if len(text.replace(" ", "")) < MIN_QUERY_LENGTH:
        return []
    if _PHONE_LIKE.match(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 5:
            return [digits]
    return _WORD.findall(text)[:MAX_WORDS]


def search_supported() -> bool:
    return connection.vendor in ("sqlite", "postgresql")


def _alternatives(word: str) -> list[str]:
    # Digits with a trunk prefix ("0401...") also match without it: the national number.
    if word.isdigit() and word.startswith("0") and word.lstrip("0"):
        return [word, word.lstrip("0")]
    return [word]


def _match_param(words: list[str]) -> str:
    """The full-text query: every word as a prefix (FTS5 MATCH / tsquery syntax)."""
    if connection.vendor == "sqlite":
        return " AND ".join(
            "(" + " OR ".join('"' + w.replace('"', '""') + '"*' for w in _alternatives(word)) + ")"
            for word in words
        )
    return " & ".join(
        "(" + " | ".join(_pg_prefix(w) for w in _alternatives(word)) + ")" for word in words
    )


def _index_sql(kind: str) -> str:
    """SQL giving the ids of the records of `kind` matching the full-text query `%s`, by an
    index lookup (FTS5 MATCH on SQLite, a GIN @@ on PostgreSQL)."""
    spec = INDEXED[kind]
    if connection.vendor == "sqlite":
        return f"SELECT rowid FROM {spec.fts_table} WHERE {spec.fts_table} MATCH %s"  # noqa: S608
    return (
        f"SELECT id FROM {spec.table} WHERE {PG_DOCUMENT_COLUMN} "  # noqa: S608
        "@@ to_tsquery('simple'::regconfig, %s)"
    )


def _matching_sql(kind: str, terms: list[str]) -> tuple[str, list[str]]:
    """SQL giving the ids of every record of `kind` matching all the words: one index query (a
    contact's or deal's index holds its account's name too, schema.py)."""
    return _index_sql(kind), [_match_param(terms)]


def _pg_prefix(word: str) -> str:
    # Words are letters and digits only (search_terms), so nothing in them is tsquery syntax;
    # quoting keeps it so whatever the parser thinks of a word.
    return "'" + word.replace("'", "''").replace("\\", "") + "':*"


def _candidates_sql(
    kind: str, terms: list[str], *, limit: int = CANDIDATE_CAP
) -> tuple[str, list[str]]:
    """SQL giving the ids of the records matching every word (the index's answer), the newest
    `limit` of them: what the access policy and the ranking then look at."""
    matching, params = _matching_sql(kind, terms)
    # `id + 0`: ordering by the bare id lets PostgreSQL walk the primary key backwards and
    # compute every row's document until 500 match (200 ms for a common word at 100,000);
    # ordering by an expression makes it take the GIN index's matches first, then sort them.
    sql = f"SELECT id FROM ({matching}) AS m(id) ORDER BY id + 0 DESC LIMIT {int(limit)}"  # noqa: S608
    if connection.vendor == "sqlite":  # no column aliases on a derived table
        sql = f"SELECT * FROM ({matching}) ORDER BY 1 DESC LIMIT {int(limit)}"  # noqa: S608
    return sql, params


def _matching_q(kind: str, terms: list[str]) -> Q:
    sql, params = _candidates_sql(kind, terms)
    return Q(pk__in=RawSQL(sql, params))  # noqa: S611 (names from schema.py, values bound)


def candidate_ids(kind: str, q: str) -> list[int]:
    """The ids the index gives for `q`, newest first, CANDIDATE_CAP + 1 at most (one more
    than is looked at, so the caller can tell the list was capped): one index query, whose
    answer the hits and the count of a kind then share instead of asking the index again."""
    terms = search_terms(q)
    if not terms or not search_supported():
        return []
    sql, params = _candidates_sql(kind, terms, limit=CANDIDATE_CAP + 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def visible_to(kind: str, user: Any) -> QuerySet:
    """The records of `kind` the user may read: the same rows as the apps' `*_visible_to`
    (tests/test_search.py compares them for every persona). Accounts and contacts are written
    so the database checks the "readable through a deal" rule per record found, by a correlated
    EXISTS on an indexed foreign key, instead of listing every such record of the table first
    (the customers app's `pk IN (subquery)` form); the other kinds are the apps' own."""
    own = policy.readable_q(user)
    if kind in ("lead", "deal", "activity") or own == Q():
        return VISIBLE[kind](user)
    deals = Deal.objects.filter(policy.readable_q(user))
    if kind == "account":
        return Account.objects.filter(own | Exists(deals.filter(account_id=OuterRef("pk"))))
    return Contact.objects.filter(own | Exists(deals.filter(primary_contact_id=OuterRef("pk"))))


def _rank(kind: str, q: str, terms: list[str]) -> Case:
    fields = _NAME_FIELDS[kind]
    whole = " ".join(q.split())
    first_word = terms[0]
    whens = []
    if kind in ("lead", "contact"):
        # The whole query as "first last" or "last first" starts the name.
        head, _, rest = whole.partition(" ")
        if rest:
            whens.append(
                When(
                    Q(first_name__istartswith=head, last_name__istartswith=rest)
                    | Q(last_name__istartswith=head, first_name__istartswith=rest),
                    then=Value(0),
                )
            )
        else:
            whens.append(
                When(Q(last_name__istartswith=whole) | Q(first_name__istartswith=whole), then=0)
            )
    else:
        whens.append(When(**{f"{fields[0]}__istartswith": whole}, then=Value(0)))
    any_name = Q()
    for name in fields:
        any_name |= Q(**{f"{name}__istartswith": first_word})
        any_name |= Q(**{f"{name}__icontains": f" {first_word}"})
    whens.append(When(any_name, then=Value(1)))
    return Case(*whens, default=Value(2), output_field=IntegerField())


def records_matching_qs(user: Any, *, kind: str, q: str, ids: list[int] | None = None) -> QuerySet:
    """The visible records of `kind` matching `q`, ranked (unsliced; empty for a short query).
    `ids`: the candidates already read from the index (`candidate_ids`), not asked again."""
    if kind not in VISIBLE:
        raise ValueError(f"unknown kind {kind!r}")
    terms = search_terms(q)
    visible = visible_to(kind, user)
    if not terms or not search_supported():
        return visible.none()
    folded = unicodedata.normalize("NFKC", q).casefold().strip()
    if ids is None:
        matching = _matching_q(kind, terms)
    elif connection.vendor == "postgresql":
        # As a set-returning subquery, not a list of literals: the planner then estimates a
        # handful of rows and checks the "readable through a deal" EXISTS per candidate, where a
        # literal list of 500 made it hash every readable deal of the table first.
        matching = Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [ids[:CANDIDATE_CAP]]))
    else:
        matching = Q(pk__in=ids[:CANDIDATE_CAP])
    return (
        visible.filter(matching)
        .select_related(*_RELATED[kind])
        .annotate(search_rank=_rank(kind, folded, terms))
        .order_by("search_rank", "-updated_at", "-pk")
    )


def records_matching(user: Any, *, kind: str, q: str, limit: int = 10) -> list[Any]:
    """Up to `limit` records of `kind` that `user` may read and that match `q`, best first.

    The model instances (contacts and deals with their account, deals with their stage); []
    when `q` is shorter than MIN_QUERY_LENGTH. One query.
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    return list(records_matching_qs(user, kind=kind, q=q)[:limit])


def records_matching_count(user: Any, *, kind: str, q: str) -> int:
    """How many visible records of `kind` match `q`, among the newest CANDIDATE_CAP matches
    (`candidate_ids` tells whether there are more)."""
    return records_matching_qs(user, kind=kind, q=q).order_by().count()


# ---------------------------------------------------------------------- hits, for the UI and API


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    title: str
    detail: str
    url: str


@dataclass
class Group:
    kind: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    count: int = 0
    # More records match than the search looks at (CANDIDATE_CAP): `count` is a lower bound.
    capped: bool = False

    @property
    def count_label(self) -> str:
        return f"{self.count}+" if self.capped else str(self.count)

    @property
    def has_more(self) -> bool:
        return self.count > len(self.hits)


def _join(*parts: Any) -> str:
    return " · ".join(str(p) for p in parts if p)


def hit_for(kind: str, record: Any) -> Hit:
    """What the results show of a record: its name and a line that says which one it is."""
    if kind == "lead":
        title = record.display_name
        detail = _join(record.company, record.email, record.phone, record.get_status_display())
        url = reverse("leads:lead-detail", args=[record.pk])
    elif kind == "contact":
        title = record.full_name
        detail = _join(record.account and record.account.name, record.email, record.phone)
        url = reverse("customers:contact-detail", args=[record.pk])
    elif kind == "account":
        title = record.name
        detail = _join(record.industry, record.region, record.website)
        url = reverse("customers:account-detail", args=[record.pk])
    elif kind == "deal":
        title = record.name
        detail = _join(
            record.account and record.account.name,
            record.stage.name if record.outcome == "open" else record.get_outcome_display(),
            record.external_id,
        )
        url = reverse("pipeline:deal-detail", args=[record.pk])
    else:
        title = record.subject
        detail = _join(
            record.get_type_display(),
            record.due_at and record.due_at.date().isoformat(),
            "done" if record.done_at else "",
        )
        url = reverse("activities:activity-detail", args=[record.pk])
    return Hit(kind=kind, id=record.pk, title=title or f"#{record.pk}", detail=detail, url=url)


def search_grouped(
    user: Any, q: str, *, kinds: tuple[str, ...] = KINDS, limit: int = 5, count: bool = True
) -> list[Group]:
    """The hits per kind (those with none included, with count 0): per kind one index query
    for the candidates, then, when there are any, one query for the hits and, with `count`,
    one for the count."""
    groups = []
    for kind in kinds:
        ids = candidate_ids(kind, q)
        group = Group(kind=kind, label=KIND_LABELS[kind])
        if ids:
            matching = records_matching_qs(user, kind=kind, q=q, ids=ids)
            records = list(matching[: max(1, min(int(limit), MAX_LIMIT))])
            group.hits = [hit_for(kind, r) for r in records]
            group.count = len(records)
            if count and len(records) >= limit:
                group.count = matching.order_by().count()
                group.capped = len(ids) > CANDIDATE_CAP
        groups.append(group)
    return groups
