"""The public end of web-to-lead capture forms: no token, anyone on the internet may post.

It answers only the new lead's id and the form's thank-you message, never other data. The
service records every attempt, refused ones too, so it is called outside any transaction of
ours: a rolled-back refusal would not count towards the address's limit.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from salesflow.api.schemas import DetailOut, InvalidOut
from salesflow.core.http import client_ip
from salesflow.core.validation import text_problem
from salesflow.leads.models import SubmissionOutcome
from salesflow.leads.selectors import capture_form_get_by_key
from salesflow.leads.services import (
    CAPTURE_FIELDS,
    HONEYPOT_FIELD,
    CaptureRefused,
    lead_capture_from_form,
)

router = Router(tags=["public"])

# How each refusal answers: spam 400, too many 429, a closed form as if it did not exist.
REFUSAL_STATUS = {
    SubmissionOutcome.SPAM: 400,
    SubmissionOutcome.RATE_LIMITED: 429,
    SubmissionOutcome.CLOSED: 404,
}
FIELDS_SCHEMA = {
    "type": "object",
    "properties": {
        **{name: {"type": "string"} for name in CAPTURE_FIELDS},
        HONEYPOT_FIELD: {"type": "string", "description": "Hidden from people; leave empty."},
    },
}


class CapturedOut(Schema):
    id: int
    message: str


def _submitted(request: HttpRequest) -> dict[str, Any] | None:
    """The posted fields, from a JSON object or a form-encoded body; None if unreadable."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None  # RecursionError: nested too deep for the parser
        return data if isinstance(data, dict) else None
    return request.POST.dict()


def _field_errors(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The posted fields that are not text a lead can hold, each named (answered with 422)."""
    errors = []
    for name in (*CAPTURE_FIELDS, HONEYPOT_FIELD):
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            problem = "Send this field as text."
        elif isinstance(value, str) and text_problem(value):
            problem = f"This field {text_problem(value)}"
        else:
            continue
        errors.append({"loc": ["body", name], "msg": problem, "type": "value_error"})
    return errors


@router.post(
    "/public/forms/{form_key}",
    auth=None,
    url_name="public-form-submit",
    response={201: CapturedOut, 400: DetailOut, 404: DetailOut, 422: InvalidOut, 429: DetailOut},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": FIELDS_SCHEMA},
                "application/x-www-form-urlencoded": {"schema": FIELDS_SCHEMA},
            }
        }
    },
)
def capture_form_submit(request: HttpRequest, form_key: str) -> Status[Any]:
    """Create a lead from a capture form on your website (no token needed).

    Send the form's fields as JSON or form-encoded, with the honeypot field `website_url`
    empty. A filled honeypot answers 400, too many submissions from one address 429, an
    unknown or inactive form 404, a bad field 422 naming it.
    """
    form = capture_form_get_by_key(form_key)
    data = _submitted(request)
    if data is None:
        return Status(400, {"detail": "Send the form's fields as JSON or form-encoded."})
    errors = _field_errors(data)
    if errors:
        return Status(422, {"detail": errors})
    try:
        lead = lead_capture_from_form(form, data=data, ip=client_ip(request))
    except CaptureRefused as refusal:
        status = REFUSAL_STATUS.get(refusal.reason, 400)
        detail = "Not found." if status == 404 else refusal.message
        return Status(status, {"detail": detail})
    return Status(201, {"id": lead.pk, "message": form.success_message})
