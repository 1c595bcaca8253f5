"""What each kind of import can fill: the fields, how their cells are read, and their aliases
(for `mapping_suggest`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from salesflow.customers.models import SizeBand, active_tiers
from salesflow.imports.models import ImportKind
from salesflow.leads.models import Channel, LeadStatus, Source
from salesflow.pipeline.models import Outcome
from salesflow.users.models import Role, Visibility

# Reference targets the importer may create when a name is not found, per kind.
CREATABLE = {
    ImportKind.LEADS: {"owner"},
    ImportKind.CONTACTS: {"owner", "account"},
    ImportKind.ACCOUNTS: {"owner"},
    ImportKind.DEALS: {"owner", "account", "contact", "product"},
    ImportKind.USERS: set(),  # teams are always created as needed
    ImportKind.PRODUCTS: set(),
}


@dataclass(frozen=True)
class Target:
    """A field an import can fill. `type` decides how a cell is read.

    A custom field (`custom.<key>`, see `salesflow.imports.custom`) has the type "custom" and
    its definition in `custom_field`, whose own type decides.
    """

    name: str
    type: str = "text"  # text, email, phone, url, choice, date, datetime, decimal, bool, ref, ...
    choices: type[models.TextChoices] | None = None
    synonyms: tuple[str, ...] = ()
    help: str = ""
    custom_field: Any = field(default=None, compare=False)  # a CustomField, maybe unsaved

    @property
    def label(self) -> str:
        if self.custom_field is not None:
            return f"Custom: {self.custom_field.label}"
        return self.name.replace("_", " ").capitalize()

    @property
    def value_type(self) -> str:
        """The type that says how a cell is read: the custom field's own for custom fields."""
        return self.custom_field.type if self.custom_field is not None else self.type

    @property
    def is_textual(self) -> bool:
        """Whether a template may fill it."""
        return self.value_type in TEXTUAL or self.value_type == "long_text"

    @property
    def reads_dates(self) -> bool:
        return self.value_type in ("date", "datetime")


def _t(name: str, type: str = "text", *synonyms: str, **kw: Any) -> Target:
    return Target(name, type, synonyms=(name.replace("_", " "), *synonyms), **kw)


PERSON = (
    _t("first_name", "text", "first name", "firstname", "given name", "forename", "vorname"),
    _t("last_name", "text", "last name", "lastname", "surname", "family name", "nachname"),
    _t(
        "full_name",
        "name",
        "name",
        "full name",
        "contact name",
        "person",
        help="split at the last space",
    ),
    _t("email", "email", "e-mail", "email address", "e mail", "mail", "work email"),
    _t("phone", "phone", "telephone", "phone number", "mobile", "tel", "mobile phone"),
)
OWNERSHIP = (
    _t(
        "owner",
        "ref",
        "owner",
        "assigned to",
        "sales rep",
        "rep",
        "account owner",
        "lead owner",
        "deal owner",
        "user",
        "salesperson",
        help="username, email or full name of a user",
    ),
    _t("visibility", "choice", "sharing", choices=Visibility),
    _t(
        "created_at",
        "datetime",
        "created",
        "created date",
        "create date",
        "date created",
        "created on",
        "creation date",
    ),
)
# Company facts of an account, also offered (prefixed `account_`) where contacts and deals
# create their account (`create_missing`), see ACCOUNT_FACT_PREFIX.
ACCOUNT_FACTS = (
    _t("annual_revenue", "decimal", "revenue", "annual revenue", "turnover", "sales volume"),
    _t("currency", "currency", "currency code", "revenue currency"),
    _t("employee_count", "integer", "employees", "number of employees", "headcount",
       "employee count", "staff"),
    _t("founded_year", "integer", "founded", "year founded", "founded in", "established"),
)  # fmt: skip
ACCOUNT_FACT_PREFIX = "account_"
CREATED_ACCOUNT_FACTS = tuple(
    _t(f"{ACCOUNT_FACT_PREFIX}{t.name}", t.type, f"account {t.name.replace('_', ' ')}",
       choices=t.choices, help="for an account the import creates")
    for t in (*ACCOUNT_FACTS, _t("industry"), _t("size_band", "choice", choices=SizeBand))
)  # fmt: skip
TARGETS: dict[str, tuple[Target, ...]] = {
    ImportKind.LEADS: (
        _t("external_id", "text", "id", "lead id", "record id", "prospect id", "external id"),
        *PERSON,
        _t("title", "text", "job title", "position", "role"),
        _t("company", "text", "company name", "organisation", "organization", "account",
           "account name", "firm"),
        _t("industry", "text", "sector", "vertical"),
        _t("size_band", "choice", "company size", "employees", "size", choices=SizeBand),
        _t("region", "text", "country", "territory", "state", "location"),
        _t("website", "url", "web site", "url", "homepage", "domain"),
        _t("channel", "choice", choices=Channel),
        _t("source", "choice", "lead source", "origin", choices=Source),
        _t("source_detail", "text", "source as given", "raw source", "source detail",
           help="the source as the file names it, kept as written"),
        _t("campaign", "ref", "campaign name"),
        _t("status", "choice", "lead status", "stage", choices=LeadStatus),
        _t("notes", "text", "note", "description", "comments", "comment"),
        *OWNERSHIP,
    ),
    ImportKind.CONTACTS: (
        *PERSON,
        _t("position", "text", "job title", "title", "role"),
        _t("account", "ref", "company", "account name", "organisation", "organization",
           "company name"),
        _t("birthday", "date", "date of birth", "birth date", "dob"),
        _t("family", "text"),
        _t("hobbies", "text", "interests"),
        _t("education", "text"),
        _t("achievements", "text"),
        _t("places_visited", "text"),
        _t("cultural_background", "text"),
        _t("notes", "text", "note", "description", "comments"),
        _t("has_consent", "bool", "consent", "marketing consent", "opt in", "subscribed"),
        _t("consent_at", "datetime", "consent date"),
        _t("do_not_contact", "bool", "do not contact", "do not call", "opt out"),
        *CREATED_ACCOUNT_FACTS,
        *OWNERSHIP,
    ),
    ImportKind.ACCOUNTS: (
        _t("name", "text", "account name", "company", "company name", "organisation",
           "organization"),
        _t("industry", "text", "sector", "vertical"),
        _t("size_band", "choice", "company size", "employees", "size", choices=SizeBand),
        _t("region", "text", "country", "territory", "location"),
        _t("website", "url", "web site", "url", "homepage", "domain"),
        # The tiers admins defined, read when a file is checked (salesflow.customers).
        _t("tier", "choice", "account tier", "segment", choices=active_tiers),  # type: ignore[arg-type]
        *ACCOUNT_FACTS,
        _t("parent", "ref", "parent account", "parent company", "group", "holding",
           help="the name of an account imported before it"),
        _t("notes", "text", "note", "description", "comments"),
        *OWNERSHIP,
    ),
    ImportKind.DEALS: (
        _t("external_id", "text", "id", "deal id", "opportunity id", "record id", "external id"),
        _t("name", "text", "deal name", "opportunity name", "deal", "opportunity", "title"),
        _t("account", "ref", "account name", "company", "organisation", "organization",
           "company name", "customer"),
        _t("contact_email", "email", "contact email", "person email", "email",
           help="the primary contact, found by email"),
        _t("contact_name", "name", "contact name", "contact", "person",
           help="name for a contact created by create_missing"),
        _t("pipeline", "ref", "pipeline name"),
        _t("stage", "ref", "deal stage", "sales stage", "phase", "status"),
        _t("outcome", "choice", "result", "won lost", choices=Outcome,
           help="blank: from the stage (won and lost stages close the deal)"),
        _t("amount", "decimal", "value", "deal value", "deal amount", "revenue", "price", "total"),
        _t("currency", "currency", "currency code"),
        _t("expected_close_on", "date", "expected close date", "close date expected",
           "expected close"),
        _t("closed_at", "datetime", "closed", "close date", "closed date", "date closed",
           "won date", "lost date", "closed on"),
        _t("lost_reason", "ref", "lost reason", "reason lost", "loss reason"),
        _t("product", "ref", "product name", "item", "product code", "sku",
           help="a product's name (any case and spacing) or code; the deal gets it as a line"),
        _t("quantity", "decimal", "qty", "units", "seats", "licences", "licenses",
           help="of the product; 1 when not given"),
        *CREATED_ACCOUNT_FACTS,
        *OWNERSHIP,
    ),
    # Passwords are never imported: new users set theirs with `salesflow changepassword`.
    ImportKind.USERS: (
        _t("username", "text", "user name", "login", "user id", "user"),
        *PERSON[:4],
        _t("role", "choice", "user role", "profile", choices=Role),
        _t("team", "text", "team name", "office", "sales team", "group"),
        _t("parent_team", "text", "parent team", "region", "parent", "reports to team",
           help="the team above it, e.g. the regional office"),
        _t("is_active", "bool", "active", "enabled", "is active", "status"),
    ),
    ImportKind.PRODUCTS: (
        _t("name", "text", "product", "product name", "item", "item name", "title"),
        _t("sku", "text", "code", "product code", "item code", "article number", "part number",
           help="optional; matched before the name"),
        _t("category", "text", "series", "product line", "family", "product family", "group",
           "type"),
        _t("description", "text", "details", "notes"),
        _t("unit_price", "decimal", "list price", "price", "sales price", "unit price", "msrp"),
        _t("currency", "currency", "currency code"),
        _t("tax_rate", "decimal", "tax", "vat", "tax %", "vat rate"),
        _t("is_active", "bool", "active", "enabled", "is active", "status"),
    ),
}  # fmt: skip
TARGETS_BY_NAME = {kind: {t.name: t for t in targets} for kind, targets in TARGETS.items()}
TEXTUAL = {"text", "name", "email", "phone", "url", "ref", "currency"}


def kind_check(kind: str) -> str:
    if kind not in ImportKind.values:
        raise ValidationError(
            {"kind": f"Unknown kind {kind!r}; choose one of: {', '.join(ImportKind.values)}."}
        )
    return kind
