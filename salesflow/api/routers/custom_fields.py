"""Custom field definitions: everyone reads them (to know each key and its type), admins
define, change, archive and retype them.

Values are read and written on the records themselves, as their `custom` object, and lists
filter on them with `custom.<key>=`, `__gte=`, `__lte=`, `__in=a,b` and `__isnull=true`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesflow.api.auth import ADMIN_ONLY
from salesflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    PatchSchema,
    choices_literal,
)
from salesflow.customfields import services
from salesflow.customfields.models import CustomField, FieldType, RecordKind
from salesflow.customfields.selectors import custom_fields_all

router = Router(tags=["custom fields"])

KindIn = choices_literal(RecordKind)
TypeIn = choices_literal(FieldType)


class ChoiceSchema(Schema):
    key: str | None = Field(None, description="Kept for an existing choice; made from the label.")
    label: str = Field(..., max_length=100)
    archived: bool = False


class CustomFieldOut(Schema):
    id: int
    kind: str
    key: str
    label: str
    type: str = Field(..., description=f"One of: {', '.join(FieldType.values)}.")
    help_text: str
    is_required: bool
    default: Any = None
    choices: list[ChoiceSchema]
    currency: str
    section: str
    position: int
    is_personal: bool
    is_outcome: bool
    show_in_list: bool
    archived_at: dt.datetime | None


class CustomFieldList(Schema):
    items: list[CustomFieldOut]
    count: int


class CustomFieldQuery(Schema):
    kind: KindIn | None = None
    archived: bool = Field(False, description="Include archived fields.")


class DefinitionFields(InputSchema):
    help_text: str = Field("", max_length=300)
    is_required: bool = False
    default: Any = None
    choices: list[ChoiceSchema | str] = Field(default_factory=list)
    currency: str = Field("", max_length=3)
    section: str = Field("", max_length=60)
    position: int | None = Field(None, ge=0, le=100000)
    is_personal: bool = False
    is_outcome: bool = False
    show_in_list: bool = False


class CustomFieldIn(DefinitionFields):
    kind: KindIn
    key: str = Field(..., max_length=50, description="Lower-case identifier; never changes.")
    label: str = Field(..., min_length=1, max_length=100)
    type: TypeIn


class CustomFieldPatch(PatchSchema):
    label: str = Field(None, min_length=1, max_length=100)
    help_text: str = Field(None, max_length=300)
    is_required: bool = Field(None)
    default: Any = None
    choices: list[ChoiceSchema | str] = Field(None)
    currency: str = Field(None, max_length=3)
    section: str = Field(None, max_length=60)
    position: int = Field(None, ge=0, le=100000)
    is_personal: bool = Field(None)
    is_outcome: bool = Field(None)
    show_in_list: bool = Field(None)


class TypeChangeIn(InputSchema):
    type: TypeIn


class TypeChangeOut(Schema):
    field: CustomFieldOut
    converted: int


def _choices(raw: list[Any]) -> list[Any]:
    return [item if isinstance(item, str) else item.dict(exclude_none=True) for item in raw]


@router.get("/custom-fields", response={200: CustomFieldList, **READ_ERRORS})
def custom_field_list(request: HttpRequest, query: Query[CustomFieldQuery]) -> dict[str, Any]:
    fields = custom_fields_all()
    if query.kind:
        fields = fields.filter(kind=query.kind)
    if not query.archived:
        fields = fields.filter(archived_at__isnull=True)
    items = list(fields)
    return {"items": items, "count": len(items)}


@router.post("/custom-fields", response={201: CustomFieldOut, **WRITE_ERRORS}, auth=ADMIN_ONLY)
def custom_field_add(request: HttpRequest, payload: CustomFieldIn) -> Status[Any]:
    """Admins. The field's index is built at once, so filters on it stay fast."""
    data = payload.dict()
    data["choices"] = _choices(payload.choices)
    if data["position"] is None:
        data.pop("position")
    field = services.custom_field_create(acting_user=request.auth, **data)
    return Status(201, field)


@router.patch(
    "/custom-fields/{field_id}", response={200: CustomFieldOut, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def custom_field_change(request: HttpRequest, field_id: int, payload: CustomFieldPatch) -> Any:
    """Admins. Renaming the label or a choice keeps every value; a choice left out is archived."""
    field = get_object_or_404(CustomField, pk=field_id)
    data = payload.dict(exclude_unset=True)
    if "choices" in data:
        data["choices"] = _choices(payload.choices)
    return services.custom_field_update(field, acting_user=request.auth, **data)


@router.post(
    "/custom-fields/{field_id}/archive",
    response={200: CustomFieldOut, **WRITE_ERRORS},
    auth=ADMIN_ONLY,
)
def custom_field_archive(request: HttpRequest, field_id: int) -> Any:
    """Admins. Records keep their values; the field leaves forms, lists and writes."""
    field = get_object_or_404(CustomField, pk=field_id)
    return services.custom_field_archive(field, acting_user=request.auth)


@router.post(
    "/custom-fields/{field_id}/restore",
    response={200: CustomFieldOut, **WRITE_ERRORS},
    auth=ADMIN_ONLY,
)
def custom_field_restore(request: HttpRequest, field_id: int) -> Any:
    field = get_object_or_404(CustomField, pk=field_id)
    return services.custom_field_restore(field, acting_user=request.auth)


@router.post(
    "/custom-fields/{field_id}/type", response={200: TypeChangeOut, **WRITE_ERRORS}, auth=ADMIN_ONLY
)
def custom_field_retype(request: HttpRequest, field_id: int, payload: TypeChangeIn) -> Any:
    """Admins. Converts every stored value; refused (422, with how many and an example) when
    one would not convert, and then nothing changes."""
    field = get_object_or_404(CustomField, pk=field_id)
    count = services.custom_field_type_change(field, acting_user=request.auth, to_type=payload.type)
    return {"field": field, "converted": count}
