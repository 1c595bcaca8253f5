"""Maps Django and domain errors to the API's JSON answers.

Every 422 has ninja's own shape, `{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`, with
body fields at `["body", field]`, whether a schema or a service refused the input. Services name
fields after the model (`account`); the API names them as clients send them (`account_id`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import ValidationError as NinjaValidationError

from salesflow.core.errors import DomainError

if TYPE_CHECKING:
    from ninja import NinjaAPI

# Every route names its body parameter this way; clients never see it in an error's `loc`.
BODY_PARAM = "payload"

# Model field names used by services, as the API spells them in input.
API_FIELD_NAMES = {
    "account": "account_id",
    "campaign": "campaign_id",
    "competitor": "competitor_id",
    "contact": "contact_id",
    "deal": "deal_id",
    "default_owner": "default_owner_id",
    "default_team": "default_team_id",
    "disqualification_reason": "disqualification_reason_id",
    "duplicate": "duplicate_id",
    "handover_owner": "handover_owner_id",
    "handover_team": "handover_team_id",
    "invitation_reason": "invitation_reason_id",
    "item": "item_id",
    "lead": "lead_id",
    "library_response": "library_response_id",
    "lost_reason": "lost_reason_id",
    "owner": "owner_id",
    "pipeline": "pipeline_id",
    "primary_contact": "primary_contact_id",
    "product": "product_id",
    "question": "question_id",
    "question_set": "question_set_id",
    "team": "team_id",
}


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """One ninja-style entry per message, naming the field as the client sent it."""
    if not hasattr(exc, "error_dict"):
        return [{"loc": ["body"], "msg": msg, "type": "value_error"} for msg in exc.messages]
    details = []
    for field, errors in exc.message_dict.items():
        if field == NON_FIELD_ERRORS:
            loc = ["body"]
        elif field.startswith("custom."):
            loc = ["body", "custom", field.removeprefix("custom.")]  # a custom field's value
        else:
            loc = ["body", API_FIELD_NAMES.get(field, field)]
        details += [{"loc": loc, "msg": msg, "type": "value_error"} for msg in errors]
    return details


def _without_body_param(error: dict[str, Any]) -> dict[str, Any]:
    loc = list(error.get("loc", ()))
    if loc[:2] == ["body", BODY_PARAM]:
        error = {**error, "loc": ["body", *loc[2:]]}
    return error


def handlers_install(api: NinjaAPI) -> None:
    """Register the API's exception handlers; call once, after the NinjaAPI is made."""

    @api.exception_handler(NinjaValidationError)
    def schema_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        detail = [_without_body_param(error) for error in exc.errors]
        return api.create_response(request, {"detail": detail}, status=422)

    @api.exception_handler(ValidationError)
    def input_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": validation_details(exc)}, status=422)

    @api.exception_handler(DomainError)
    def rule_refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
        body = {"detail": exc.message, "missing": exc.missing}
        return api.create_response(request, body, status=409)

    @api.exception_handler(PermissionDenied)
    def not_allowed(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = str(exc) or "You may not do this."
        return api.create_response(request, {"detail": message}, status=403)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        # A fixed message: get_object_or_404's text would name the model and the query.
        return api.create_response(request, {"detail": "Not found."}, status=404)
