"""Lead management settings (admins): the ideal customer profile, scoring rules and grade
thresholds, assignment rules and capture forms; campaigns (managers and admins) and the
disqualification reasons (everyone reads them).

Changed rules and thresholds apply to a lead when it is next rescored (`salesflow rescore`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesflow.api.auth import ADMIN_ONLY, MANAGER_ONLY
from salesflow.api.lookups import campaigns_all, links_resolve, teams_all, users_active
from salesflow.api.schemas import (
    ADMIN_READ_ERRORS,
    AMOUNT,
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    PageQuery,
    PatchSchema,
    choices_literal,
    page,
)
from salesflow.core.errors import AccessDenied
from salesflow.customers.models import SizeBand
from salesflow.leads.models import (
    AssignmentRule,
    Campaign,
    Channel,
    DisqualificationReason,
    LeadCaptureForm,
    ProfileCriterion,
    ProfileDimension,
    ScoreCondition,
    ScoringRule,
    Source,
)
from salesflow.leads.scoring_rules import scoring_custom_field_get, scoring_rule_save
from salesflow.leads.selectors import scoring_settings
from salesflow.leads.services import HONEYPOT_FIELD, lead_setting_delete, lead_setting_save
from salesflow.users.policy import require_admin

router = Router(tags=["lead settings"])

DimensionIn = choices_literal(ProfileDimension)
ConditionIn = choices_literal(ScoreCondition)
SizeBandIn = choices_literal(SizeBand, blank=True)
SourceIn = choices_literal(Source)
ChannelIn = choices_literal(Channel)
BlankChannelIn = choices_literal(Channel, blank=True)
BlankSourceIn = choices_literal(Source, blank=True)
CAPTURE_LINKS = {
    "campaign_id": campaigns_all,
    "default_owner_id": users_active,
    "default_team_id": teams_all,
}
RULE_LINKS = {"team_id": teams_all, "owner_id": users_active}
# The fields of the embeddable form: (name, label, input type).
EMBED_FIELDS = (
    ("first_name", "First name", "text"),
    ("last_name", "Last name", "text"),
    ("email", "Email", "email"),
    ("phone", "Phone", "tel"),
    ("company", "Company", "text"),
    ("title", "Job title", "text"),
)


def _admin_rows(request: HttpRequest, queryset: QuerySet) -> dict[str, Any]:
    require_admin(request.auth)
    rows = list(queryset)
    return {"items": rows, "count": len(rows)}


def _admin_row(request: HttpRequest, model: type[Model], pk: int) -> Any:
    require_admin(request.auth)
    return get_object_or_404(model, pk=pk)


def _save(request: HttpRequest, row: Any, payload: InputSchema, links: Any = None) -> Any:
    data = payload.model_dump(exclude_unset=True)
    if links:
        data = links_resolve(data, user=request.auth, links=links)
    return _stored(lead_setting_save(row, acting_user=request.auth, **data))


def _stored(row: Any) -> Any:
    """The row as saved, so decimals read as the database keeps them."""
    row.refresh_from_db()
    return row


def _remove(request: HttpRequest, model: type[Model], pk: int) -> Status[None]:
    lead_setting_delete(_admin_row(request, model, pk), acting_user=request.auth)
    return Status(204, None)


# Ideal customer profile -------------------------------------------------------------------------


class ProfileCriterionIn(InputSchema):
    dimension: DimensionIn
    value: str = Field(min_length=1, max_length=100)
    weight: int = Field(10, ge=1, le=100)
    is_active: bool = True


class ProfileCriterionPatch(PatchSchema):
    dimension: DimensionIn = Field(None)
    value: str = Field(None, min_length=1, max_length=100)
    weight: int = Field(None, ge=1, le=100)
    is_active: bool = Field(None)


class ProfileCriterionOut(Schema):
    id: int
    dimension: str
    value: str
    weight: int
    is_active: bool


class ProfileCriterionList(Schema):
    items: list[ProfileCriterionOut]
    count: int


@router.get(
    "/settings/profile-criteria",
    response={200: ProfileCriterionList, **ADMIN_READ_ERRORS},
    auth=ADMIN_ONLY,
)
def profile_criterion_list(request: HttpRequest) -> dict[str, Any]:
    """The traits of the ideal customer; a lead's fit is the weight it matches of the total."""
    return _admin_rows(request, ProfileCriterion.objects.order_by("dimension", "-weight", "pk"))


@router.post(
    "/settings/profile-criteria",
    response={201: ProfileCriterionOut, **WRITE_ERRORS},
    auth=ADMIN_ONLY,
)
def profile_criterion_add(request: HttpRequest, payload: ProfileCriterionIn) -> Status[Any]:
    return Status(201, _save(request, ProfileCriterion(), payload))


@router.patch(
    "/settings/profile-criteria/{criterion_id}",
    response={200: ProfileCriterionOut, **WRITE_ERRORS},
    auth=ADMIN_ONLY,
)
def profile_criterion_change(
    request: HttpRequest, criterion_id: int, payload: ProfileCriterionPatch
) -> Any:
    return _save(request, _admin_row(request, ProfileCriterion, criterion_id), payload)


@router.delete(
    "/settings/profile-criteria/{criterion_id}",
    response={204: None, **WRITE_ERRORS},
    auth=ADMIN_ONLY,
)
def profile_criterion_remove(request: HttpRequest, criterion_id: int) -> Status[None]:
    return _remove(request, ProfileCriterion, criterion_id)


# Scoring ----------------------------------------------------------------------------------------


CUSTOM_FIELD_HELP = "For the custom_* conditions: the key of the lead field the rule reads."


class ScoringRuleIn(InputSchema):
    name: str = Field(
        "",
        max_length=150,
        description="Shown in the explanation. Blank for a custom-field rule: named by what it "
        "tests (“Total visits of at least 5”).",
    )
    condition: ConditionIn
    threshold: Decimal | None = Field(
        None,
        max_digits=14,
        decimal_places=2,
        description="As the condition says; for a custom number range, the lowest value.",
    )
    custom_field: str | None = Field(None, max_length=50, description=CUSTOM_FIELD_HELP)
    threshold_max: Decimal | None = Field(
        None,
        max_digits=14,
        decimal_places=2,
        description="For a custom number range: the highest value (blank: no upper end).",
    )
    values: list[str] = Field(
        [], max_length=100, description="For custom_choice_in: the choices, by key or label."
    )
    points: int = Field(ge=-1000, le=1000, description="Negative to lower the score.")
    half_life_days: int | None = Field(None, ge=1, le=3650)
    position: int = Field(0, ge=0, le=32767)
    is_active: bool = True


class ScoringRulePatch(PatchSchema):
    name: str = Field(None, max_length=150)
    condition: ConditionIn = Field(None)
    threshold: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    custom_field: str | None = Field(None, max_length=50, description=CUSTOM_FIELD_HELP)
    threshold_max: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    values: list[str] = Field(None, max_length=100)
    points: int = Field(None, ge=-1000, le=1000)
    half_life_days: int | None = Field(None, ge=1, le=3650)
    position: int = Field(None, ge=0, le=32767)
    is_active: bool = Field(None)


class ScoringRuleOut(Schema):
    id: int
    name: str
    condition: str
    category: str
    threshold: Decimal | None
    custom_field: str | None = Field(description="The key of the lead field it reads.")
    threshold_max: Decimal | None
    values: list[str]
    explained: str = Field(description="What the rule tests, in words.")
    not_counting_reason: str = Field(
        description="Why the rule gives no points now (its field is archived or changed type); "
        "empty when it counts."
    )
    points: int
    half_life_days: int | None
    position: int
    is_active: bool

    @staticmethod
    def resolve_custom_field(rule: ScoringRule) -> str | None:
        return rule.custom_field.key if rule.custom_field is not None else None


class ScoringRuleList(Schema):
    items: list[ScoringRuleOut]
    count: int


class ScoringSettingsOut(Schema):
    hot_min: int = Field(description="A score from here up is hot.")
    warm_min: int = Field(description="A score from here up is warm; below, cold.")
    updated_at: dt.datetime


class ScoringSettingsPatch(PatchSchema):
    hot_min: int = Field(None, ge=-10000, le=10000)
    warm_min: int = Field(None, ge=-10000, le=10000)


def _rule_save(request: HttpRequest, rule: ScoringRule, payload: InputSchema) -> ScoringRule:
    require_admin(request.auth)
    data = payload.model_dump(exclude_unset=True)
    if data.get("custom_field") is not None:
        data["custom_field"] = scoring_custom_field_get(data["custom_field"])
    return _stored(scoring_rule_save(rule, acting_user=request.auth, **data))


@router.get(
    "/settings/scoring-rules", response={200: ScoringRuleList, **ADMIN_READ_ERRORS}, auth=ADMIN_ONLY
)
def scoring_rule_list(request: HttpRequest) -> dict[str, Any]:
    """The rules in order. A custom-field rule names its lead field by key; `explained` says
    what it tests, `not_counting_reason` why it gives no points now (e.g. its field is archived).
    """
    rules = ScoringRule.objects.select_related("custom_field").order_by("position", "pk")
    return _admin_rows(request, rules)


@router.post(
    "/settings/scoring-rules", response={201: ScoringRuleOut, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def scoring_rule_add(request: HttpRequest, payload: ScoringRuleIn) -> Status[Any]:
    """Custom-field conditions: `custom_number_range` (threshold and/or threshold_max),
    `custom_choice_in` (values), `custom_yes`, `custom_no`, `custom_date_within` (threshold
    days, optional half_life_days). A field that is not a lead field, or of a type the condition
    does not read, answers 422 naming `custom_field`."""
    return Status(201, _rule_save(request, ScoringRule(), payload))


@router.patch(
    "/settings/scoring-rules/{rule_id}",
    response={200: ScoringRuleOut, **WRITE_ERRORS},
    auth=ADMIN_ONLY,
)
def scoring_rule_change(request: HttpRequest, rule_id: int, payload: ScoringRulePatch) -> Any:
    return _rule_save(request, _admin_row(request, ScoringRule, rule_id), payload)


@router.delete(
    "/settings/scoring-rules/{rule_id}", response={204: None, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def scoring_rule_remove(request: HttpRequest, rule_id: int) -> Status[None]:
    return _remove(request, ScoringRule, rule_id)


@router.get(
    "/settings/scoring", response={200: ScoringSettingsOut, **ADMIN_READ_ERRORS}, auth=ADMIN_ONLY
)
def scoring_settings_detail(request: HttpRequest) -> Any:
    """The grade thresholds: hot from `hot_min`, warm from `warm_min`, cold below."""
    require_admin(request.auth)
    return scoring_settings()


@router.patch(
    "/settings/scoring", response={200: ScoringSettingsOut, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def scoring_settings_change(request: HttpRequest, payload: ScoringSettingsPatch) -> Any:
    require_admin(request.auth)
    row = scoring_settings()
    hot = payload.hot_min if payload.hot_min is not None else row.hot_min
    warm = payload.warm_min if payload.warm_min is not None else row.warm_min
    if hot <= warm:
        field = "hot_min" if payload.hot_min is not None else "warm_min"
        raise ValidationError({field: f"Hot ({hot}) must start above warm ({warm})."})
    return _save(request, row, payload)


# Assignment rules -------------------------------------------------------------------------------


class AssignmentRuleIn(InputSchema):
    name: str = Field(min_length=1, max_length=150)
    priority: int = Field(100, ge=0, le=32767, description="Lower goes first.")
    region: str = Field("", max_length=100, description="Blank matches any.")
    industry: str = Field("", max_length=100, description="Blank matches any.")
    size_band: SizeBandIn = Field("", description="Blank matches any.")
    team_id: int
    owner_id: int | None = Field(None, description="A fixed rep; none: the team's reps in turn.")
    is_active: bool = True


class AssignmentRulePatch(PatchSchema):
    name: str = Field(None, min_length=1, max_length=150)
    priority: int = Field(None, ge=0, le=32767)
    region: str = Field(None, max_length=100)
    industry: str = Field(None, max_length=100)
    size_band: SizeBandIn = Field(None)
    team_id: int = Field(None)
    owner_id: int | None = None
    is_active: bool = Field(None)


class AssignmentRuleOut(Schema):
    id: int
    name: str
    priority: int
    region: str
    industry: str
    size_band: str
    team_id: int
    owner_id: int | None
    is_active: bool


class AssignmentRuleList(Schema):
    items: list[AssignmentRuleOut]
    count: int


@router.get(
    "/settings/assignment-rules",
    response={200: AssignmentRuleList, **ADMIN_READ_ERRORS},
    auth=ADMIN_ONLY,
)
def assignment_rule_list(request: HttpRequest) -> dict[str, Any]:
    """Where routed leads go: the first active rule (lowest priority) that matches wins."""
    return _admin_rows(request, AssignmentRule.objects.order_by("priority", "pk"))


@router.post(
    "/settings/assignment-rules", response={201: AssignmentRuleOut, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def assignment_rule_add(request: HttpRequest, payload: AssignmentRuleIn) -> Status[Any]:
    require_admin(request.auth)
    return Status(201, _save(request, AssignmentRule(), payload, RULE_LINKS))


@router.patch(
    "/settings/assignment-rules/{rule_id}",
    response={200: AssignmentRuleOut, **WRITE_ERRORS},
    auth=ADMIN_ONLY,
)
def assignment_rule_change(request: HttpRequest, rule_id: int, payload: AssignmentRulePatch) -> Any:
    rule = _admin_row(request, AssignmentRule, rule_id)
    return _save(request, rule, payload, RULE_LINKS)


@router.delete(
    "/settings/assignment-rules/{rule_id}", response={204: None, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def assignment_rule_remove(request: HttpRequest, rule_id: int) -> Status[None]:
    return _remove(request, AssignmentRule, rule_id)


# Capture forms ----------------------------------------------------------------------------------


class CaptureFormIn(InputSchema):
    """Give a default owner, a default team, or both."""

    name: str = Field(min_length=1, max_length=150)
    campaign_id: int | None = None
    source: SourceIn = "content"
    channel: BlankChannelIn = Field("", description="Blank: the source's usual channel.")
    default_owner_id: int | None = Field(None, description="Who gets the leads.")
    default_team_id: int | None = Field(None, description="Whose queue gets them.")
    is_active: bool = True
    success_message: str = Field(
        "Thank you! We will get back to you shortly.", min_length=1, max_length=300
    )
    max_submissions_per_ip: int = Field(
        5, ge=1, le=1000, description="Submissions one address may send in 10 minutes."
    )


class CaptureFormPatch(PatchSchema):
    name: str = Field(None, min_length=1, max_length=150)
    campaign_id: int | None = None
    source: SourceIn = Field(None)
    channel: BlankChannelIn = Field(None)
    default_owner_id: int | None = None
    default_team_id: int | None = None
    is_active: bool = Field(None)
    success_message: str = Field(None, min_length=1, max_length=300)
    max_submissions_per_ip: int = Field(None, ge=1, le=1000)


class CaptureFormOut(Schema):
    id: int
    name: str
    form_key: str
    campaign_id: int | None
    source: str
    channel: str
    default_owner_id: int | None
    default_team_id: int | None
    is_active: bool
    success_message: str
    max_submissions_per_ip: int
    created_at: dt.datetime
    updated_at: dt.datetime
    submit_url: str = Field(description="Where the form posts (no token needed).")
    embed_html: str = Field(description="A <form> to paste into your website.")

    @staticmethod
    def resolve_submit_url(form: Any, context: Any) -> str:
        path = reverse("api:public-form-submit", kwargs={"form_key": form.form_key})
        return context["request"].build_absolute_uri(path)

    @staticmethod
    def resolve_embed_html(form: Any, context: Any) -> str:
        return capture_form_embed_html(CaptureFormOut.resolve_submit_url(form, context))


class CaptureFormList(Schema):
    items: list[CaptureFormOut]
    count: int


def capture_form_embed_html(submit_url: str) -> str:
    """A plain HTML form posting to the public endpoint. The honeypot field is moved off
    screen and out of the tab order, so people leave it empty and bots fill it."""
    fields = format_html_join(
        "\n",
        '  <p><label>{} <input type="{}" name="{}"></label></p>',
        ((label, kind, name) for name, label, kind in EMBED_FIELDS),
    )
    return format_html(
        '<form action="{}" method="post">\n{}\n'
        '  <p><label>Message <textarea name="notes"></textarea></label></p>\n'
        '  <p style="position:absolute;left:-10000px" aria-hidden="true">'
        '<label>Leave this empty <input type="text" name="{}" tabindex="-1" autocomplete="off">'
        "</label></p>\n"
        '  <p><button type="submit">Send</button></p>\n'
        "</form>",
        submit_url,
        fields,
        HONEYPOT_FIELD,
    )


def _owner_or_team(data: dict[str, Any], form: LeadCaptureForm | None = None) -> None:
    owner = data.get("default_owner", form.default_owner_id if form else None)
    team = data.get("default_team", form.default_team_id if form else None)
    if owner is None and team is None:
        raise ValidationError({"default_team_id": "Give the form a default owner or team."})


@router.get(
    "/settings/capture-forms", response={200: CaptureFormList, **ADMIN_READ_ERRORS}, auth=ADMIN_ONLY
)
def capture_form_list(request: HttpRequest) -> dict[str, Any]:
    return _admin_rows(request, LeadCaptureForm.objects.order_by("name", "pk"))


@router.post(
    "/settings/capture-forms", response={201: CaptureFormOut, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def capture_form_add(request: HttpRequest, payload: CaptureFormIn) -> Status[Any]:
    require_admin(request.auth)
    data = links_resolve(payload.model_dump(), user=request.auth, links=CAPTURE_LINKS)
    _owner_or_team(data)
    form = lead_setting_save(LeadCaptureForm(), acting_user=request.auth, **data)
    return Status(201, _stored(form))


@router.patch(
    "/settings/capture-forms/{form_id}",
    response={200: CaptureFormOut, **WRITE_ERRORS},
    auth=ADMIN_ONLY,
)
def capture_form_change(request: HttpRequest, form_id: int, payload: CaptureFormPatch) -> Any:
    form = _admin_row(request, LeadCaptureForm, form_id)
    data = links_resolve(
        payload.model_dump(exclude_unset=True), user=request.auth, links=CAPTURE_LINKS
    )
    _owner_or_team(data, form)
    return lead_setting_save(form, acting_user=request.auth, **data)


@router.delete(
    "/settings/capture-forms/{form_id}", response={204: None, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def capture_form_remove(request: HttpRequest, form_id: int) -> Status[None]:
    """Refused (409) once leads came in through the form: deactivate it instead."""
    return _remove(request, LeadCaptureForm, form_id)


# Disqualification reasons and campaigns ---------------------------------------------------------


class DisqualificationReasonOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool


class DisqualificationReasonList(Schema):
    items: list[DisqualificationReasonOut]
    count: int


@router.get("/disqualification-reasons", response={200: DisqualificationReasonList, **READ_ERRORS})
def disqualification_reason_list(
    request: HttpRequest, active: bool | None = None
) -> dict[str, Any]:
    """Every reason, retired ones too (old leads name them); `active=true` for the pick list."""
    reasons = DisqualificationReason.objects.order_by("position", "name", "pk")
    if active is not None:
        reasons = reasons.filter(is_active=active)
    rows = list(reasons)
    return {"items": rows, "count": len(rows)}


class CampaignIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    channel: ChannelIn
    source: BlankSourceIn = ""
    cost: Decimal = Field(Decimal(0), **AMOUNT)
    currency: str = Field("EUR", min_length=3, max_length=3)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    is_active: bool = True


class CampaignOut(Schema):
    id: int
    name: str
    channel: str
    source: str
    cost: Decimal
    currency: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    is_active: bool
    created_at: dt.datetime


class CampaignList(Schema):
    items: list[CampaignOut]
    count: int


class CampaignQuery(PageQuery):
    q: str | None = Field(None, description="Part of the name.")
    active: bool | None = None
    channel: ChannelIn | None = None


@router.get("/campaigns", response={200: CampaignList, **READ_ERRORS})
def campaign_list(request: HttpRequest, query: Query[CampaignQuery]) -> dict[str, Any]:
    campaigns = Campaign.objects.order_by("-starts_on", "name", "pk")
    if query.q:
        campaigns = campaigns.filter(name__icontains=query.q)
    if query.active is not None:
        campaigns = campaigns.filter(is_active=query.active)
    if query.channel is not None:
        campaigns = campaigns.filter(channel=query.channel)
    return page(campaigns, query)


@router.post("/campaigns", response={201: CampaignOut, **WRITE_ERRORS}, auth=MANAGER_ONLY)
def campaign_add(request: HttpRequest, payload: CampaignIn) -> Status[Any]:
    """Managers and admins."""
    if not (request.auth.is_admin or request.auth.is_manager):
        raise AccessDenied("Only a manager or an admin may add campaigns.")
    if payload.starts_on and payload.ends_on and payload.ends_on < payload.starts_on:
        raise ValidationError({"ends_on": "A campaign ends on or after the day it starts."})
    return Status(201, _save(request, Campaign(), payload))
