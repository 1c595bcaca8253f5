"""The permission matrix: every page and every API operation, for every role.

Pages are discovered from the URL configuration and operations from the OpenAPI schema, so a
new one without a rule here fails `test_every_page_has_a_rule` or
`test_every_api_operation_has_a_rule`.

Each rule names the record kind the URL works on and the access it needs:
- "signed_in": any active user (lists, creation forms, configuration reads);
- "read": the record's readers; "write": the record's writers (a read-only reader gets 403);
- "admin": admins only;
- "manager": managers and admins (the lead queue, campaigns);
- "own": the record's creator and admins (import jobs).
A refusal is 403 or 404 with none of the record's data in the body, and a refused request
leaves the record as it was (read again from the database).

Beyond the five personas on a team-shared record of `owner`: a PRIVATE deal, lead, account,
contact and activity of `owner` (its teammate refused, the team's manager and admins allowed),
and a manager of another team (refused everything of this team). Admin- and manager-only API
routes check the role before they read the body.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from salesflow.api.api import api
from salesflow.users.models import Role, Visibility
from salesflow.users.services import token_create
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    UserFactory,
    default_pipeline,
)
from tests.permission_rules import merged
from tests.permission_rules.rule import Rule

MARKER = "Zebrafinch"  # in every record's name: must never reach someone refused


EXTRA_RECORDS = merged("RECORDS")


@pytest.fixture
def other_manager(south):
    """A manager of another team (South): manages nothing of North's."""
    return UserFactory(username="south-manager", role=Role.MANAGER, team=south)


def _row(record: Any) -> dict[str, Any] | None:
    """The record as stored now: a refused request must leave every column as it was (and a
    refused delete leaves the row)."""
    manager = getattr(type(record), "_default_manager", None)
    if manager is None or getattr(record, "pk", None) is None:
        return None
    return manager.filter(pk=record.pk).values().first()


def _record(kind: str, owner: Any, visibility: str = Visibility.TEAM) -> Any:
    name = f"{MARKER} {kind}"
    if kind in EXTRA_RECORDS:
        return EXTRA_RECORDS[kind](name, owner, visibility)
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
        case "campaign" | "capture_form" | "criterion" | "scoring_rule" | "assignment_rule":
            from salesflow.leads import models as lm

            team = owner.teams.first()
            return {
                "campaign": lambda: lm.Campaign.objects.create(name=name, channel="inbound"),
                "capture_form": lambda: lm.LeadCaptureForm.objects.create(
                    name=name, default_team=team
                ),
                "criterion": lambda: lm.ProfileCriterion.objects.create(
                    dimension="industry", value=name
                ),
                "scoring_rule": lambda: lm.ScoringRule.objects.create(
                    name=name, condition="budget_confirmed", points=5
                ),
                "assignment_rule": lambda: lm.AssignmentRule.objects.create(name=name, team=team),
            }[kind]()
        case "reason":
            from salesflow.leads.models import DisqualificationReason

            return DisqualificationReason.objects.create(name=name)
        case "stage":
            return default_pipeline().stages.get(name="Closing")
        case "requirement":
            from salesflow.pipeline.models import StageRequirement

            stage = default_pipeline().stages.get(name="Closing")
            return StageRequirement.objects.create(stage=stage, kind="decision_maker", label=name)
        case "library_response":
            from salesflow.playbooks.models import LibraryResponse

            return LibraryResponse.objects.create(category="price", title=name, response=name)
        case "lost_reason" | "checklist_item" | "question_set" | "question" | "next_action_rule":
            from salesflow.pipeline.models import LostReason
            from salesflow.playbooks import models as pm

            stage = default_pipeline().stages.get(name="Closing")
            return {
                "lost_reason": lambda: LostReason.objects.create(name=name),
                "checklist_item": lambda: pm.ChecklistItem.objects.create(stage=stage, label=name),
                "question_set": lambda: pm.QuestionSet.objects.create(name=name),
                "question": lambda: pm.Question.objects.create(
                    question_set=pm.QuestionSet.objects.create(name=name), text=name
                ),
                "next_action_rule": lambda: pm.NextActionRule.objects.get(
                    state="no_demand", is_active=True
                ),
            }[kind]()
        case "custom_field":
            from salesflow.customfields.models import CustomField

            return CustomField.objects.create(
                kind="lead", key="zebrafinch", label=name, type="text"
            )
        case "product":
            from salesflow.quotes.models import Product

            return Product.objects.create(name=name, sku="ZEBRA-1", unit_price=100)
        case "import_job":
            from salesflow.imports.models import ImportJob

            # A pending job without a stored file: its pages and API reads never open it.
            return ImportJob.objects.create(
                kind="leads", original_filename=f"{name}.csv", file="imports/zebrafinch.csv",
                file_sha256="0" * 64, mapping={"columns": {"Name": "full_name"}}, message=name,
                created_by=owner,
            )  # fmt: skip
        case "deal_checklist_item" | "deal_stakeholder" | "deal_competitor" | "objection":
            return _deal_part(kind, DealFactory(owner=owner, visibility=visibility, name=name))
        case "deal_line":
            from salesflow.quotes.models import Product
            from salesflow.quotes.services import deal_line_add

            deal = DealFactory(owner=owner, visibility=visibility, name=name)
            product = Product.objects.create(name=name, sku="ZEBRA-L", unit_price=5)
            line = deal_line_add(deal, product=product, acting_user=owner)
            line.path_ids = {"line_id": line.pk}
            return line
        case "quote_line":
            from salesflow.quotes.services import quote_create, quote_line_add

            deal = DealFactory(owner=owner, visibility=visibility, name=name)
            quote = quote_create(deal, acting_user=owner)
            line = quote_line_add(quote, description=name, unit_price=10, acting_user=owner)
            line.path_ids = {"quote_id": quote.pk, "line_id": line.pk}
            return line
    raise AssertionError(f"no builder for {kind}")


def _deal_part(kind: str, deal: Any) -> Any:
    """A record on a deal, for API paths naming both (`path_ids` fills each placeholder)."""
    from django.utils import timezone

    from salesflow.pipeline.models import Competitor, DealCompetitor, DealStakeholder
    from salesflow.playbooks.models import ChecklistItem, DealObjection

    match kind:
        case "deal_checklist_item":
            item = ChecklistItem.objects.filter(stage__pipeline=deal.pipeline).first()
            deal.path_ids = {"deal_id": deal.pk, "item_id": item.pk}
            return deal
        case "deal_stakeholder":
            contact = ContactFactory(owner=deal.owner, account=deal.account)
            part = DealStakeholder.objects.create(deal=deal, contact=contact, role="champion")
            part.path_ids = {"deal_id": deal.pk, "stakeholder_id": part.pk}
        case "deal_competitor":
            rival = Competitor.objects.create(name=f"{MARKER} rival")
            part = DealCompetitor.objects.create(deal=deal, competitor=rival)
            part.path_ids = {"deal_id": deal.pk, "entry_id": part.pk}
        case _:
            part = DealObjection.objects.create(
                deal=deal, category="price", customer_words=MARKER, stage=deal.stage,
                logged_at=timezone.now(),
            )  # fmt: skip
    return part


# ---------------------------------------------------------------- pages (URL configuration)

PAGE_RULES: dict[str, Rule] = {
    "pages:dashboard": Rule("signed_in"),
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
    "leads:queue": Rule("manager"),
    "leads:lead-qualification": Rule("write", "lead", method="POST"),
    "leads:lead-disqualify": Rule("write", "lead", method="POST"),
    "leads:lead-assign": Rule("write", "lead", method="POST"),
    "pipeline:lead-convert": Rule("write", "lead", method="POST"),
    "leads:lead-merge": Rule("write", "lead"),
    "leads:lead-merge-into-contact": Rule("write", "lead"),
    "lead-settings:index": Rule("manager"),
    "lead-settings:criterion-list": Rule("admin"),
    "lead-settings:criterion-create": Rule("admin"),
    "lead-settings:criterion-edit": Rule("admin", "criterion"),
    "lead-settings:scoring": Rule("admin"),
    "lead-settings:grades": Rule("admin", method="POST"),
    "lead-settings:rescore": Rule("admin", method="POST"),
    "lead-settings:scoring-rule-create": Rule("admin"),
    "lead-settings:scoring-rule-edit": Rule("admin", "scoring_rule"),
    "lead-settings:assignment-rule-list": Rule("admin"),
    "lead-settings:assignment-rule-create": Rule("admin"),
    "lead-settings:assignment-rule-edit": Rule("admin", "assignment_rule"),
    "lead-settings:capture-form-list": Rule("admin"),
    "lead-settings:capture-form-create": Rule("admin"),
    "lead-settings:capture-form-edit": Rule("admin", "capture_form"),
    "lead-settings:reason-list": Rule("admin"),
    "lead-settings:reason-create": Rule("admin"),
    "lead-settings:reason-edit": Rule("admin", "reason"),
    "lead-settings:campaign-list": Rule("manager"),
    "lead-settings:campaign-create": Rule("manager"),
    "lead-settings:campaign-edit": Rule("manager", "campaign"),
    "pipeline:deal-list": Rule("signed_in", lists="deal"),
    "pipeline:deal-create": Rule("signed_in"),
    "pipeline:deal-detail": Rule("read", "deal"),
    "pipeline:deal-edit": Rule("write", "deal"),
    "pipeline:deal-delete": Rule("write", "deal", method="POST"),
    "pipeline:deal-move": Rule("write", "deal", method="POST"),
    "pipeline:deal-close": Rule("write", "deal", method="POST"),
    "pipeline:deal-reopen": Rule("write", "deal", method="POST"),
    "pipeline:deal-bant": Rule("write", "deal", method="POST"),
    "pipeline:deal-stakeholder-add": Rule("write", "deal", method="POST"),
    "pipeline:deal-stakeholder-edit": Rule("write", "deal", method="POST"),
    "pipeline:deal-stakeholder-remove": Rule("write", "deal", method="POST"),
    "pipeline:deal-competitor-add": Rule("write", "deal", method="POST"),
    "pipeline:deal-competitor-edit": Rule("write", "deal", method="POST"),
    "pipeline:deal-competitor-remove": Rule("write", "deal", method="POST"),
    "playbooks:checklist-tick": Rule("write", "deal", method="POST"),
    "playbooks:assessment-save": Rule("write", "deal", method="POST"),
    "playbooks:first-meeting": Rule("write", "deal", method="POST"),
    "playbooks:next-action-task": Rule("write", "deal", method="POST"),
    "playbooks:objection-log": Rule("write", "deal", method="POST"),
    "playbooks:objection-answer": Rule("write", "deal", method="POST"),
    "playbooks:objection-resolve": Rule("write", "deal", method="POST"),
    "activities:activity-list": Rule("signed_in", lists="activity"),
    "activities:activity-create": Rule("signed_in"),
    "activities:activity-edit": Rule("write", "activity"),
    "activities:activity-delete": Rule("write", "activity", method="POST"),
    "activities:activity-complete": Rule("write", "activity", method="POST"),
    "quotes:quote-print": Rule("read", "quote"),
    "quotes:quote-detail": Rule("read", "quote"),
    "quotes:quote-create": Rule("write", "deal", method="POST"),
    "quotes:quote-edit": Rule("write", "quote", method="POST"),
    "quotes:quote-line-add": Rule("write", "quote", method="POST"),
    "quotes:quote-line-edit": Rule("write", "quote", method="POST"),
    "quotes:quote-line-remove": Rule("write", "quote", method="POST"),
    "quotes:quote-submit": Rule("write", "quote", method="POST"),
    "quotes:quote-approve": Rule("write", "quote", method="POST"),
    "quotes:quote-decline": Rule("write", "quote", method="POST"),
    "quotes:quote-send": Rule("write", "quote", method="POST"),
    "quotes:quote-accept": Rule("write", "quote", method="POST"),
    "quotes:quote-reject": Rule("write", "quote", method="POST"),
    "quotes:quote-revise": Rule("write", "quote", method="POST"),
    "board:board": Rule("signed_in", lists="deal"),
    "board:column": Rule("signed_in"),
    "board:move": Rule("write", "deal", method="POST"),
    "pipeline-settings:pipeline-list": Rule("admin"),
    "pipeline-settings:pipeline-create": Rule("admin"),
    "pipeline-settings:pipeline-detail": Rule("admin", "pipeline"),
    "pipeline-settings:pipeline-edit": Rule("admin", "pipeline"),
    "pipeline-settings:stage-add": Rule("admin", "pipeline"),
    "pipeline-settings:stage-edit": Rule("admin", "stage"),
    "pipeline-settings:stage-move": Rule("admin", "stage", method="POST"),
    "pipeline-settings:stage-remove": Rule("admin", "stage"),
    "pipeline-settings:stage-requirements": Rule("admin", "stage"),
    "pipeline-settings:requirement-move": Rule("admin", "requirement", method="POST"),
    "pipeline-settings:requirement-remove": Rule("admin", "requirement", method="POST"),
    "pipeline-settings:lost-reasons": Rule("admin"),
    "pipeline-settings:lost-reason-edit": Rule("admin", "lost_reason"),
    "pipeline-settings:lost-reason-deactivate": Rule("admin", "lost_reason", method="POST"),
    "playbook-settings:checklists": Rule("admin"),
    "playbook-settings:checklist-item-add": Rule("admin", "stage"),
    "playbook-settings:checklist-item-edit": Rule("admin", "checklist_item"),
    "playbook-settings:question-sets": Rule("admin"),
    "playbook-settings:question-set-create": Rule("admin"),
    "playbook-settings:question-set-edit": Rule("admin", "question_set"),
    "playbook-settings:question-add": Rule("admin", "question_set"),
    "playbook-settings:question-edit": Rule("admin", "question"),
    "playbook-settings:next-actions": Rule("admin"),
    "playbook-settings:next-action-set": Rule("admin"),
    "playbook-settings:next-action-disable": Rule("admin", "next_action_rule", method="POST"),
    "playbook-settings:library": Rule("manager"),
    "playbook-settings:library-create": Rule("manager"),
    "playbook-settings:library-edit": Rule("manager", "library_response"),
    "quote-settings:product-list": Rule("admin"),
    "quote-settings:product-create": Rule("admin"),
    "quote-settings:product-edit": Rule("admin", "product"),
    "quote-settings:product-deactivate": Rule("admin", "product", method="POST"),
    "quote-settings:product-restore": Rule("admin", "product", method="POST"),
    "quotes:deal-line-add": Rule("write", "deal", method="POST"),
    "quotes:deal-line-edit": Rule("write", "deal", method="POST"),
    "quotes:deal-line-remove": Rule("write", "deal", method="POST"),
    "quotes:deal-amount-follow": Rule("write", "deal", method="POST"),
    # Reports count what each viewer may report on: open to all, their figures differ
    # (salesflow/analytics/tests); the backtest and training are for managers.
    "analytics:index": Rule("signed_in"),
    "analytics:report": Rule("signed_in"),
    "analytics:forecast-train": Rule("manager", method="POST"),
    "analytics:deal-forecast": Rule("read", "deal"),
    "analytics:lead-conversion": Rule("read", "lead"),
    "quote-settings:settings": Rule("admin"),
    "customfield-settings:field-list": Rule("admin"),
    "customfield-settings:field-create": Rule("admin"),
    "customfield-settings:field-edit": Rule("admin", "custom_field"),
    "customfield-settings:field-archive": Rule("admin", "custom_field", method="POST"),
    "customfield-settings:field-type": Rule("admin", "custom_field"),
    "audit:log": Rule("admin"),
    "privacy:export": Rule("admin", "contact"),
    "privacy:erase": Rule("admin", "contact", method="POST", body={"confirm": "no"}),
    # Imports: the wizard's draft pages send an unknown draft back to the upload step.
    "imports:job-list": Rule("signed_in"),
    "imports:upload": Rule("signed_in"),
    "imports:map": Rule("signed_in"),
    "imports:preview": Rule("signed_in"),
    "imports:run": Rule("signed_in"),
    "imports:job-detail": Rule("own", "import_job"),
    "imports:job-errors": Rule("own", "import_job"),
    "imports:job-run-for-real": Rule("own", "import_job", method="POST"),
}
PAGE_RULES.update(merged("PAGE_RULES"))
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
        if converter == "slug":  # the one page drawing every report
            return "overview"
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
    if rule.access == "manager":
        return persona in ("manager", "admin")
    if rule.access == "own":
        return persona in ("owner", "admin")
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
    before = _row(record)
    response, body = _page_call(user, name, record)
    assert response.status_code < 500
    if _expect_allowed(rule, persona):
        assert response.status_code not in (401, 403, 404), (name, response.status_code)
    else:
        assert _refused(response.status_code, body), (name, response.status_code)
        assert _row(record) == before, name
    if listed is not None:
        assert (MARKER in body) == (persona != "outsider"), name


def _page_call(user: Any, name: str, record: Any) -> tuple[Any, str]:
    rule = PAGE_RULES[name]
    client = Client()
    client.force_login(user)
    url = _page_url(PAGES[name], record, rule.kind)
    response = getattr(client, rule.method.lower())(url, rule.body)
    body = response.content.decode(errors="replace") if not response.streaming else ""
    return response, body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", sorted(n for n, r in PAGE_RULES.items() if r.access == "write" and r.kind)
)
def test_read_only_reader_is_refused_with_403(name, rep, outsider):
    rule = PAGE_RULES[name]
    shared = _record(rule.kind, outsider, visibility=Visibility.EVERYONE)
    before = _row(shared)
    response, _ = _page_call(rep, name, shared)
    assert response.status_code == 403, name
    assert _row(shared) == before, name


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
    # Leads: score, BANT, duplicates, routing, conversion; lead settings.
    "GET /leads/queue": Rule("manager"),
    "GET /leads/{lead_id}/duplicates": Rule("read", "lead"),
    "POST /leads/{lead_id}/qualification": Rule("write", "lead", "POST", {"need": "Routing"}),
    "POST /leads/{lead_id}/assign": Rule("write", "lead", "POST"),
    "POST /leads/{lead_id}/convert": Rule("write", "lead", "POST"),
    "POST /leads/{lead_id}/merge": Rule("write", "lead", "POST", {"duplicate_id": 999999}),
    "GET /disqualification-reasons": Rule("signed_in"),
    "GET /campaigns": Rule("signed_in"),
    "POST /campaigns": Rule("manager", method="POST", body={"name": "Fair", "channel": "outbound"}),
    "GET /settings/profile-criteria": Rule("admin"),
    "POST /settings/profile-criteria": Rule(
        "admin", method="POST", body={"dimension": "region", "value": "Nordics"}
    ),
    "PATCH /settings/profile-criteria/{criterion_id}": Rule(
        "admin", "criterion", "PATCH", {"weight": 20}
    ),
    "DELETE /settings/profile-criteria/{criterion_id}": Rule("admin", "criterion", "DELETE"),
    "GET /settings/scoring-rules": Rule("admin"),
    "POST /settings/scoring-rules": Rule(
        "admin", method="POST", body={"name": "Demo", "condition": "demo_requested", "points": 9}
    ),
    "PATCH /settings/scoring-rules/{rule_id}": Rule(
        "admin", "scoring_rule", "PATCH", {"points": 7}
    ),
    "DELETE /settings/scoring-rules/{rule_id}": Rule("admin", "scoring_rule", "DELETE"),
    "GET /settings/scoring": Rule("admin"),
    "GET /custom-fields": Rule("signed_in"),
    "POST /custom-fields": Rule(
        "admin",
        method="POST",
        body={"kind": "lead", "key": "zebra_new", "label": "Zebra", "type": "text"},
    ),
    "PATCH /custom-fields/{field_id}": Rule(
        "admin", "custom_field", "PATCH", body={"label": "Zebra renamed"}
    ),
    "POST /custom-fields/{field_id}/archive": Rule("admin", "custom_field", "POST"),
    "POST /custom-fields/{field_id}/restore": Rule("admin", "custom_field", "POST"),
    "POST /custom-fields/{field_id}/type": Rule(
        "admin", "custom_field", "POST", body={"type": "long_text"}
    ),
    "PATCH /settings/scoring": Rule("admin", method="PATCH", body={"hot_min": 70}),
    "GET /settings/assignment-rules": Rule("admin"),
    "POST /settings/assignment-rules": Rule(
        "admin", method="POST", body={"name": "Nordics", "team_id": 999999}
    ),
    "PATCH /settings/assignment-rules/{rule_id}": Rule(
        "admin", "assignment_rule", "PATCH", {"priority": 5}
    ),
    "DELETE /settings/assignment-rules/{rule_id}": Rule("admin", "assignment_rule", "DELETE"),
    "GET /settings/capture-forms": Rule("admin"),
    "POST /settings/capture-forms": Rule(
        "admin", method="POST", body={"name": "Contact us", "default_team_id": 999999}
    ),
    "PATCH /settings/capture-forms/{form_id}": Rule(
        "admin", "capture_form", "PATCH", {"is_active": False}
    ),
    "DELETE /settings/capture-forms/{form_id}": Rule("admin", "capture_form", "DELETE"),
    # Pipelines, stages and exit criteria (admins write).
    "POST /pipelines": Rule("admin", method="POST", body={"name": "Renewals", "stages": ["Call"]}),
    "PATCH /pipelines/{pipeline_id}": Rule("admin", "pipeline", "PATCH", {"description": "x"}),
    "POST /pipelines/{pipeline_id}/stages": Rule("admin", "pipeline", "POST", {"name": "Pilot"}),
    "POST /pipelines/{pipeline_id}/stages/reorder": Rule(
        "admin", "pipeline", "POST", {"stage_ids": []}
    ),
    "PATCH /stages/{stage_id}": Rule("admin", "stage", "PATCH", {"guidance": "Call first"}),
    "DELETE /stages/{stage_id}": Rule("admin", "stage", "DELETE"),
    "GET /stages/{stage_id}/requirements": Rule("signed_in", "stage"),
    "POST /stages/{stage_id}/requirements": Rule(
        "admin", "stage", "POST", {"kind": "decision_maker"}
    ),
    "DELETE /requirements/{requirement_id}": Rule("admin", "requirement", "DELETE"),
    # The sales process on a deal: read with the deal, written by its writers.
    "GET /deals/{deal_id}/blockers": Rule("read", "deal"),
    "GET /deals/{deal_id}/qualification": Rule("read", "deal"),
    "PUT /deals/{deal_id}/qualification": Rule("write", "deal", "PUT", {"need": "Routing"}),
    "GET /deals/{deal_id}/checklist": Rule("read", "deal"),
    "POST /deals/{deal_id}/checklist/{item_id}": Rule("write", "deal_checklist_item", "POST"),
    "GET /deals/{deal_id}/answers": Rule("read", "deal"),
    "POST /deals/{deal_id}/answers": Rule(
        "write", "deal", "POST", {"question_id": 999999, "text": "Spreadsheets"}
    ),
    "POST /deals/{deal_id}/assessment/confirm": Rule(
        "write", "deal", "POST", {"question_set_id": 999999}
    ),
    "POST /deals/{deal_id}/first-meeting": Rule("write", "deal", "POST", {"state": "no_demand"}),
    "POST /deals/{deal_id}/next-action": Rule("write", "deal", "POST"),
    "GET /deals/{deal_id}/stakeholders": Rule("read", "deal"),
    "POST /deals/{deal_id}/stakeholders": Rule(
        "write", "deal", "POST", {"contact_id": 999999, "role": "champion"}
    ),
    "PATCH /deals/{deal_id}/stakeholders/{stakeholder_id}": Rule(
        "write", "deal_stakeholder", "PATCH", {"attitude": "supporter"}
    ),
    "DELETE /deals/{deal_id}/stakeholders/{stakeholder_id}": Rule(
        "write", "deal_stakeholder", "DELETE"
    ),
    "GET /deals/{deal_id}/competitors": Rule("read", "deal"),
    "POST /deals/{deal_id}/competitors": Rule("write", "deal", "POST", {"name": "Rival Co"}),
    "PATCH /deals/{deal_id}/competitors/{entry_id}": Rule(
        "write", "deal_competitor", "PATCH", {"status": "eliminated"}
    ),
    "DELETE /deals/{deal_id}/competitors/{entry_id}": Rule("write", "deal_competitor", "DELETE"),
    "GET /deals/{deal_id}/objections": Rule("read", "deal"),
    "POST /deals/{deal_id}/objections": Rule(
        "write", "deal", "POST", {"category": "price", "customer_words": "Too dear"}
    ),
    "POST /objections/{objection_id}/answer": Rule(
        "write", "objection", "POST", {"response_given": "Value first"}
    ),
    "POST /objections/{objection_id}/resolve": Rule("write", "objection", "POST"),
    "GET /objection-library": Rule("signed_in"),
    "POST /objection-library": Rule(
        "manager", method="POST", body={"category": "price", "title": "ROI", "response": "Pays"}
    ),
    "PATCH /objection-library/{response_id}": Rule(
        "manager", "library_response", "PATCH", {"title": "ROI first"}
    ),
    # Quotes follow their deal; approving is for the team's manager or an admin.
    "GET /deals/{deal_id}/quotes": Rule("read", "deal"),
    "POST /deals/{deal_id}/quotes": Rule("write", "deal", "POST"),
    "GET /quotes/{quote_id}": Rule("read", "quote"),
    "PATCH /quotes/{quote_id}": Rule("write", "quote", "PATCH", {"notes": "Net 30"}),
    "POST /quotes/{quote_id}/lines": Rule(
        "write", "quote", "POST", {"description": "Setup", "unit_price": "100"}
    ),
    "PATCH /quotes/{quote_id}/lines/{line_id}": Rule(
        "write", "quote_line", "PATCH", {"quantity": "2"}
    ),
    "DELETE /quotes/{quote_id}/lines/{line_id}": Rule("write", "quote_line", "DELETE"),
    "POST /quotes/{quote_id}/submit": Rule("write", "quote", "POST"),
    "POST /quotes/{quote_id}/approve": Rule("manager", "quote", "POST"),
    "POST /quotes/{quote_id}/decline": Rule("manager", "quote", "POST"),
    "POST /quotes/{quote_id}/send": Rule("write", "quote", "POST"),
    "POST /quotes/{quote_id}/accept": Rule("write", "quote", "POST"),
    "POST /quotes/{quote_id}/reject": Rule("write", "quote", "POST"),
    "POST /quotes/{quote_id}/revise": Rule("write", "quote", "POST"),
    "GET /products": Rule("signed_in"),
    "GET /products/{product_id}": Rule("signed_in", "product"),
    "POST /products": Rule("admin", method="POST", body={"name": "New", "unit_price": "1"}),
    "PATCH /products/{product_id}": Rule("admin", "product", "PATCH", {"category": "Kits"}),
    "POST /products/{product_id}/archive": Rule("admin", "product", "POST"),
    "POST /products/{product_id}/restore": Rule("admin", "product", "POST"),
    "GET /deals/{deal_id}/lines": Rule("read", "deal"),
    "POST /deals/{deal_id}/lines": Rule("write", "deal", "POST", {"product_id": 999999}),
    "PUT /deals/{deal_id}/lines/amount": Rule("write", "deal", "PUT", {"follow": True}),
    "PATCH /deal-lines/{line_id}": Rule("write", "deal_line", "PATCH", {"quantity": "2"}),
    "DELETE /deal-lines/{line_id}": Rule("write", "deal_line", "DELETE"),
    "GET /users": Rule("signed_in"),
    "GET /imports/presets": Rule("signed_in"),
    "GET /analytics": Rule("signed_in"),
    "GET /analytics/overview": Rule("signed_in"),
    "GET /analytics/funnel": Rule("signed_in"),
    "GET /analytics/lead-funnel": Rule("signed_in"),
    "GET /analytics/velocity": Rule("signed_in"),
    "GET /analytics/detours": Rule("signed_in"),
    "GET /analytics/win-rates": Rule("signed_in"),
    "GET /analytics/sources": Rule("signed_in"),
    "GET /analytics/activity": Rule("signed_in"),
    "GET /analytics/objections": Rule("signed_in"),
    "GET /analytics/forecast": Rule("signed_in"),
    "GET /analytics/forecast-backtest": Rule("manager"),
    # Import jobs are seen by whoever started them, and by admins.
    "GET /imports": Rule("signed_in"),
    "POST /imports": Rule("signed_in", method="POST", body={"kind": "leads"}),
    "GET /imports/{job_id}": Rule("own", "import_job"),
    "GET /imports/{job_id}/errors.csv": Rule("own", "import_job"),
}
API_RULES.update(merged("API_RULES"))
# Open to anyone by design (documentation of the API itself).
# The web-to-lead capture form posts without a token (salesflow/api/tests/test_capture.py).
PUBLIC_OPERATIONS: set[str] = {"POST /public/forms/{form_key}"}


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
    ids = getattr(record, "path_ids", {})  # nested paths name the parent's id too
    default = str(record.pk if record is not None else 1)
    path = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), default)), OPERATIONS[key])
    client = Client()
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {token_create(user=user)[1]}"
    method = getattr(client, rule.method.lower())
    if rule.method in ("POST", "PATCH", "PUT"):
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
    before = _row(record)
    response = _api_call(user, key, record)
    body = response.content.decode()
    assert response.status_code < 500, body
    if _expect_allowed(rule, persona):
        assert response.status_code not in (401, 403, 404), (key, response.status_code, body)
    else:
        assert _refused(response.status_code, body), (key, response.status_code, body)
        assert _row(record) == before, key
    if listed is not None:
        assert (MARKER in body) == (persona != "outsider"), key


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key", sorted(k for k, r in API_RULES.items() if r.access == "write" and r.kind)
)
def test_api_read_only_reader_is_refused_with_403(key, rep, outsider):
    shared = _record(API_RULES[key].kind, outsider, visibility=Visibility.EVERYONE)
    before = _row(shared)
    response = _api_call(rep, key, shared)
    assert response.status_code == 403, (key, response.content)
    assert _row(shared) == before, key


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(API_RULES))
def test_api_without_token_answers_401(key, rep):
    rule = API_RULES[key]
    record = _record(rule.kind, rep) if rule.kind else None
    response = _api_call(None, key, record)
    assert response.status_code == 401
    assert MARKER not in response.content.decode()


# ---------------------------------------------------------------- private records

CORE_KINDS = ("deal", "lead", "account", "contact", "activity")
# Who reaches a PRIVATE record of `owner`: its owner, the team's managers and admins.
PRIVATE_PERSONAS = {"teammate": False, "manager": True, "admin": True, "other_manager": False}


def _private_cases(rules: dict[str, Rule]) -> list[str]:
    """Rules on one of the five kinds' records, and the lists of those kinds."""
    return sorted(
        key
        for key, rule in rules.items()
        if (rule.access in ("read", "write") and rule.kind in CORE_KINDS)
        or rule.lists in CORE_KINDS
    )


def _check_private(rule: Rule, persona: str, response: Any, body: str, before: Any) -> None:
    allowed = PRIVATE_PERSONAS[persona]
    assert response.status_code < 500, body
    if rule.access in ("read", "write"):
        if allowed:
            assert response.status_code not in (401, 403, 404), (response.status_code, body)
        else:
            assert _refused(response.status_code, body), (response.status_code, body)
            assert before is None or before[0] == _row(before[1])
    if rule.lists is not None:
        assert (MARKER in body) == allowed


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(PRIVATE_PERSONAS))
@pytest.mark.parametrize("name", _private_cases(PAGE_RULES))
def test_page_of_a_private_record(name, persona, request, rep):
    rule = PAGE_RULES[name]
    record = _record(rule.kind, rep, Visibility.PRIVATE) if rule.kind else None
    if rule.lists:
        _record(rule.lists, rep, Visibility.PRIVATE)
    before = _row(record)
    response, body = _page_call(_persona(persona, request), name, record)
    _check_private(rule, persona, response, body, (before, record))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(PRIVATE_PERSONAS))
@pytest.mark.parametrize("key", _private_cases(API_RULES))
def test_api_on_a_private_record(key, persona, request, rep):
    rule = API_RULES[key]
    record = _record(rule.kind, rep, Visibility.PRIVATE) if rule.kind else None
    if rule.lists:
        _record(rule.lists, rep, Visibility.PRIVATE)
    before = _row(record)
    response = _api_call(_persona(persona, request), key, record)
    _check_private(rule, persona, response, response.content.decode(), (before, record))


# ---------------------------------------------------------------- a manager of another team


def _other_team_cases(rules: dict[str, Rule]) -> list[str]:
    return sorted(
        key for key, rule in rules.items() if rule.access in ("read", "write") or rule.lists
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", _other_team_cases(PAGE_RULES))
def test_manager_of_another_team_reaches_no_page_of_this_teams_records(name, other_manager, rep):
    rule = PAGE_RULES[name]
    record = _record(rule.kind, rep) if rule.kind else None
    if rule.lists:
        _record(rule.lists, rep)
    before = _row(record)
    response, body = _page_call(other_manager, name, record)
    assert response.status_code < 500
    if rule.access in ("read", "write"):
        assert _refused(response.status_code, body), (response.status_code, body)
        assert _row(record) == before
    assert MARKER not in body


@pytest.mark.django_db
@pytest.mark.parametrize("key", _other_team_cases(API_RULES))
def test_manager_of_another_team_reaches_no_api_record_of_this_team(key, other_manager, rep):
    rule = API_RULES[key]
    record = _record(rule.kind, rep) if rule.kind else None
    if rule.lists:
        _record(rule.lists, rep)
    before = _row(record)
    response = _api_call(other_manager, key, record)
    body = response.content.decode()
    assert response.status_code < 500, body
    if rule.access in ("read", "write"):
        assert _refused(response.status_code, body), (response.status_code, body)
        assert _row(record) == before
    assert MARKER not in body


# ---------------------------------------------------------------- role before body

ROLE_ROUTES = sorted(key for key, rule in API_RULES.items() if rule.access in ("admin", "manager"))
# Not an object, where every body is one: invalid for every route that reads a body.
GARBAGE = ["Zebrafinch", {"nested": [1, 2]}]


def _garbage_call(user: Any, key: str) -> Any:
    method = key.split(" ", 1)[0]
    path = re.sub(r"\{\w+\}", "999999", OPERATIONS[key])
    headers = {"Authorization": f"Bearer {token_create(user=user)[1]}"}
    call = getattr(Client(), method.lower())
    if method == "GET":
        return call(path, {"limit": "many", "offset": "-x", "page": "?"}, headers=headers)
    return call(path, GARBAGE, content_type="application/json", headers=headers)


def _reads_a_body(key: str) -> bool:
    method = key.split(" ", 1)[0].lower()
    operation = api.get_openapi_schema()["paths"][OPERATIONS[key]][method]
    return "requestBody" in operation


@pytest.mark.django_db
@pytest.mark.parametrize("key", ROLE_ROUTES)
def test_admin_and_manager_routes_refuse_other_roles_before_reading_the_body(
    key, rep, manager, admin_user
):
    refused = [rep] if API_RULES[key].access == "manager" else [rep, manager]
    for user in refused:
        response = _garbage_call(user, key)
        assert response.status_code == 403, (key, user.username, response.content)
        assert "detail" in response.json() and MARKER not in response.content.decode()
    if _reads_a_body(key):  # the body is indeed invalid: those allowed are told so
        assert _garbage_call(admin_user, key).status_code == 422, key
