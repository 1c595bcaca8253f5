"""The permission matrix: every page and every API operation, for every role.

Pages are discovered from the URL configuration and operations from the OpenAPI schema, so a
new one without a rule here fails `test_every_page_has_a_rule` or
`test_every_api_operation_has_a_rule`.

Each rule names the record kind the URL works on and the access it needs:
- "signed_in": any active user (lists, creation forms, configuration reads);
- "read": the record's readers; "write": the record's writers (a read-only reader gets 403);
- "admin": admins only.
A refusal is 403 or 404 with none of the record's data in the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from salesflow.api.api import api
from salesflow.users.models import Visibility
from salesflow.users.services import token_create
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    default_pipeline,
)

MARKER = "Zebrafinch"  # in every record's name: must never reach someone refused


@dataclass(frozen=True)
class Rule:
    access: str  # signed_in | read | write | admin
    kind: str | None = None  # the record kind of the URL's id parameter
    method: str = "GET"
    body: dict[str, Any] = field(default_factory=dict)
    lists: str | None = None  # a list page/operation of this kind: check what it shows


def _record(kind: str, owner: Any, visibility: str = Visibility.TEAM) -> Any:
    name = f"{MARKER} {kind}"
    match kind:
        case "account":
            return AccountFactory(owner=owner, visibility=visibility, name=name)
        case "contact":
            return ContactFactory(owner=owner, visibility=visibility, last_name=name)
        case "lead":
            return LeadFactory(owner=owner, visibility=visibility, last_name=name)
        case "deal":
            return DealFactory(owner=owner, visibility=visibility, name=name)
        case "activity":
            return ActivityFactory(owner=owner, visibility=visibility, subject=name)
        case "pipeline":
            return default_pipeline()
        case "quote":
            from salesflow.quotes.services import quote_create

            deal = DealFactory(owner=owner, visibility=visibility, name=name)
            return quote_create(deal, acting_user=owner)
    raise AssertionError(f"no builder for {kind}")


# ---------------------------------------------------------------- pages (URL configuration)

PAGE_RULES: dict[str, Rule] = {
    "core:dashboard": Rule("signed_in"),
    "customers:account-list": Rule("signed_in", lists="account"),
    "customers:account-create": Rule("signed_in"),
    "customers:account-detail": Rule("read", "account"),
    "customers:account-edit": Rule("write", "account"),
    "customers:account-delete": Rule("write", "account", method="POST"),
    "customers:contact-list": Rule("signed_in", lists="contact"),
    "customers:contact-create": Rule("signed_in"),
    "customers:contact-detail": Rule("read", "contact"),
    "customers:contact-edit": Rule("write", "contact"),
    "customers:contact-delete": Rule("write", "contact", method="POST"),
    "leads:lead-list": Rule("signed_in", lists="lead"),
    "leads:lead-create": Rule("signed_in"),
    "leads:lead-detail": Rule("read", "lead"),
    "leads:lead-edit": Rule("write", "lead"),
    "leads:lead-delete": Rule("write", "lead", method="POST"),
    "pipeline:deal-list": Rule("signed_in", lists="deal"),
    "pipeline:deal-create": Rule("signed_in"),
    "pipeline:deal-detail": Rule("read", "deal"),
    "pipeline:deal-edit": Rule("write", "deal"),
    "pipeline:deal-delete": Rule("write", "deal", method="POST"),
    "pipeline:deal-move": Rule("write", "deal", method="POST"),
    "pipeline:deal-close": Rule("write", "deal", method="POST"),
    "pipeline:deal-reopen": Rule("write", "deal", method="POST"),
    "activities:activity-list": Rule("signed_in", lists="activity"),
    "activities:activity-create": Rule("signed_in"),
    "activities:activity-edit": Rule("write", "activity"),
    "activities:activity-delete": Rule("write", "activity", method="POST"),
    "activities:activity-complete": Rule("write", "activity", method="POST"),
    "quotes:quote-print": Rule("read", "quote"),
    "audit:log": Rule("admin"),
    "privacy:export": Rule("admin", "contact"),
    "privacy:erase": Rule("admin", "contact", method="POST", body={"confirm": "no"}),
}
# Not pages of their own: sign-in/out, Django's admin site (staff only, tested below) and the
# API (its operations have their own rules).
SKIPPED_NAMESPACES = {"admin", "api"}
SKIPPED_NAMES = {"login", "logout"}


def _discover_pages() -> dict[str, str]:
    """`namespace:name` -> route, for every named URL pattern."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], namespace: str, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                if ns in SKIPPED_NAMESPACES:
                    continue
                walk(pattern.url_patterns, ns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if name not in SKIPPED_NAMES:
                    found[name] = prefix + str(pattern.pattern)

    walk(get_resolver().url_patterns, "", "/")
    return found


PAGES = _discover_pages()


def test_every_page_has_a_rule():
    missing = sorted(set(PAGES) - set(PAGE_RULES))
    stale = sorted(set(PAGE_RULES) - set(PAGES))
    assert not missing, f"pages without a permission rule: {missing}"
    assert not stale, f"rules for pages that no longer exist: {stale}"


def _page_url(route: str, record: Any, kind: str | None) -> str:
    def fill(match: re.Match[str]) -> str:
        converter, _name = match.group(1), match.group(2)
        if converter == "str":
            return kind or "x"
        return str(record.pk if record is not None else 1)

    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


PERSONAS = ["owner", "teammate", "manager", "admin", "outsider"]


def _persona(name: str, request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue({"owner": "rep", "admin": "admin_user"}.get(name, name))


def _expect_allowed(rule: Rule, persona: str) -> bool:
    if rule.access == "admin":
        return persona == "admin"
    if rule.access == "signed_in":
        return True
    return persona != "outsider"  # a team record of `owner`


def _refused(status: int, body: str) -> bool:
    return status in (403, 404) and MARKER not in body


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(PAGE_RULES))
def test_page_access(name, persona, request, rep):
    rule = PAGE_RULES[name]
    user = _persona(persona, request)
    record = _record(rule.kind, rep) if rule.kind else None
    listed = _record(rule.lists, rep) if rule.lists else None
    client = Client()
    client.force_login(user)
    url = _page_url(PAGES[name], record, rule.kind)
    response = getattr(client, rule.method.lower())(url, rule.body)
    body = response.content.decode(errors="replace") if not response.streaming else ""
    assert response.status_code < 500
    if _expect_allowed(rule, persona):
        assert response.status_code not in (401, 403, 404), (url, response.status_code)
    else:
        assert _refused(response.status_code, body), (url, response.status_code)
    if listed is not None:
        assert (MARKER in body) == (persona != "outsider"), url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", sorted(n for n, r in PAGE_RULES.items() if r.access == "write" and r.kind)
)
def test_read_only_reader_is_refused_with_403(name, rep, outsider):
    rule = PAGE_RULES[name]
    shared = _record(rule.kind, outsider, visibility=Visibility.EVERYONE)
    client = Client()
    client.force_login(rep)
    url = _page_url(PAGES[name], shared, rule.kind)
    response = getattr(client, rule.method.lower())(url, rule.body)
    assert response.status_code == 403, url


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PAGE_RULES))
def test_signed_out_visitor_is_sent_to_sign_in(name, rep):
    rule = PAGE_RULES[name]
    record = _record(rule.kind, rep) if rule.kind else None
    url = _page_url(PAGES[name], record, rule.kind)
    response = getattr(Client(), rule.method.lower())(url, rule.body)
    assert response.status_code == 302 and "/login/" in response["Location"], url


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_inactive_user_reaches_nothing(persona, request, rep):
    user = _persona(persona, request)
    record = _record("deal", rep)
    client = Client()
    client.force_login(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(f"/deals/{record.pk}/")
    assert response.status_code in (302, 403, 404)
    assert MARKER not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_django_admin_is_for_admins_only(persona, request):
    user = _persona(persona, request)
    client = Client()
    client.force_login(user)
    response = client.get("/admin/pipeline/deal/")
    if persona == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


# ---------------------------------------------------------------- API (OpenAPI schema)

API_RULES: dict[str, Rule] = {
    "GET /me": Rule("signed_in"),
    "GET /accounts": Rule("signed_in", lists="account"),
    "POST /accounts": Rule("signed_in", method="POST", body={"name": "New Co"}),
    "GET /accounts/{account_id}": Rule("read", "account"),
    "PATCH /accounts/{account_id}": Rule("write", "account", "PATCH", {"region": "Nordics"}),
    "DELETE /accounts/{account_id}": Rule("write", "account", "DELETE"),
    "GET /contacts": Rule("signed_in", lists="contact"),
    "POST /contacts": Rule("signed_in", method="POST", body={"last_name": "New"}),
    "GET /contacts/{contact_id}": Rule("read", "contact"),
    "PATCH /contacts/{contact_id}": Rule("write", "contact", "PATCH", {"hobbies": "Chess"}),
    "DELETE /contacts/{contact_id}": Rule("write", "contact", "DELETE"),
    "GET /leads": Rule("signed_in", lists="lead"),
    "POST /leads": Rule("signed_in", method="POST", body={"last_name": "New", "source": "seo"}),
    "GET /leads/{lead_id}": Rule("read", "lead"),
    "PATCH /leads/{lead_id}": Rule("write", "lead", "PATCH", {"notes": "Called"}),
    "DELETE /leads/{lead_id}": Rule("write", "lead", "DELETE"),
    "GET /deals": Rule("signed_in", lists="deal"),
    "POST /deals": Rule("signed_in", method="POST", body={"name": "New deal"}),
    "GET /deals/{deal_id}": Rule("read", "deal"),
    "PATCH /deals/{deal_id}": Rule("write", "deal", "PATCH", {"amount": "10"}),
    "DELETE /deals/{deal_id}": Rule("write", "deal", "DELETE"),
    "POST /deals/{deal_id}/move": Rule("write", "deal", "POST", {"stage": "Qualification"}),
    "POST /deals/{deal_id}/close": Rule("write", "deal", "POST", {"outcome": "won"}),
    "POST /deals/{deal_id}/reopen": Rule("write", "deal", "POST"),
    "GET /deals/{deal_id}/history": Rule("read", "deal"),
    "GET /activities": Rule("signed_in", lists="activity"),
    "POST /activities": Rule("signed_in", method="POST", body={"type": "note", "subject": "x"}),
    "GET /activities/{activity_id}": Rule("read", "activity"),
    "PATCH /activities/{activity_id}": Rule("write", "activity", "PATCH", {"outcome": "ok"}),
    "DELETE /activities/{activity_id}": Rule("write", "activity", "DELETE"),
    "GET /pipelines": Rule("signed_in"),
    "GET /pipelines/{pipeline_id}": Rule("signed_in", "pipeline"),
    "GET /lost-reasons": Rule("signed_in"),
}
# Open to anyone by design (documentation of the API itself).
PUBLIC_OPERATIONS: set[str] = set()


def _discover_operations() -> dict[str, str]:
    schema = api.get_openapi_schema()
    prefix = "/api/v1"
    found = {}
    for path, methods in schema["paths"].items():
        short = path.removeprefix(prefix)
        for method in methods:
            found[f"{method.upper()} {short}"] = path
    return found


OPERATIONS = _discover_operations()


def test_every_api_operation_has_a_rule():
    missing = sorted(set(OPERATIONS) - set(API_RULES) - PUBLIC_OPERATIONS)
    stale = sorted(set(API_RULES) - set(OPERATIONS))
    assert not missing, f"API operations without a permission rule: {missing}"
    assert not stale, f"rules for API operations that no longer exist: {stale}"


def _api_call(user: Any, key: str, record: Any) -> Any:
    rule = API_RULES[key]
    path = re.sub(r"\{\w+\}", str(record.pk if record is not None else 1), OPERATIONS[key])
    client = Client()
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {token_create(user=user)[1]}"
    method = getattr(client, rule.method.lower())
    if rule.method in ("POST", "PATCH"):
        return method(path, rule.body, content_type="application/json", headers=headers)
    return method(path, headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", sorted(API_RULES))
def test_api_access(key, persona, request, rep):
    rule = API_RULES[key]
    user = _persona(persona, request)
    record = _record(rule.kind, rep) if rule.kind else None
    listed = _record(rule.lists, rep) if rule.lists else None
    response = _api_call(user, key, record)
    body = response.content.decode()
    assert response.status_code < 500, body
    if _expect_allowed(rule, persona):
        assert response.status_code not in (401, 403, 404), (key, response.status_code, body)
    else:
        assert _refused(response.status_code, body), (key, response.status_code, body)
    if listed is not None:
        assert (MARKER in body) == (persona != "outsider"), key


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key", sorted(k for k, r in API_RULES.items() if r.access == "write" and r.kind)
)
def test_api_read_only_reader_is_refused_with_403(key, rep, outsider):
    shared = _record(API_RULES[key].kind, outsider, visibility=Visibility.EVERYONE)
    response = _api_call(rep, key, shared)
    assert response.status_code == 403, (key, response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(API_RULES))
def test_api_without_token_answers_401(key, rep):
    rule = API_RULES[key]
    record = _record(rule.kind, rep) if rule.kind else None
    response = _api_call(None, key, record)
    assert response.status_code == 401
    assert MARKER not in response.content.decode()
