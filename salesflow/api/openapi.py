"""The OpenAPI schema names today's custom fields: each list operation gets a query parameter
per field (`custom.<key>`, typed), and each record's `custom` object its typed properties.

Custom fields are defined at run time, so this is added each time the schema is generated.
"""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError

from salesflow.customfields.models import CustomField, FieldType
from salesflow.customfields.selectors import custom_fields_of

# Each kind's list path (after the API's root) and output schema.
KIND_DOCS = {
    "lead": ("leads", "LeadOut"),
    "contact": ("contacts", "ContactOut"),
    "account": ("accounts", "AccountOut"),
    "deal": ("deals", "DealOut"),
    "activity": ("activities", "ActivityOut"),
}


def json_schema_of(field: CustomField) -> dict[str, Any]:
    """The JSON schema of a stored value."""
    kind = field.type
    if kind == FieldType.NUMBER or kind == FieldType.USER:
        schema: dict[str, Any] = {"type": "integer"}
    elif kind in (FieldType.DECIMAL, FieldType.MONEY):
        schema = {"type": "number"}
    elif kind == FieldType.YES_NO:
        schema = {"type": "boolean"}
    elif kind == FieldType.DATE:
        schema = {"type": "string", "format": "date"}
    elif kind == FieldType.DATETIME:
        schema = {"type": "string", "format": "date-time"}
    elif kind == FieldType.CHOICE:
        schema = {"type": "string", "enum": field.choice_keys()}
    elif kind == FieldType.CHOICES:
        schema = {"type": "array", "items": {"type": "string", "enum": field.choice_keys()}}
    else:
        schema = {"type": "string"}
    described = f"{field.label} ({field.get_type_display().lower()})"
    if field.help_text:
        described += f": {field.help_text}"
    return {**schema, "title": field.label, "description": described}


def _definitions() -> dict[str, list[CustomField]]:
    """Each kind's fields; none when the schema is built without a database to read (before
    migrations, or while tests collect the API's operations)."""
    try:
        return {kind: custom_fields_of(kind) for kind in KIND_DOCS}
    except (DatabaseError, RuntimeError):
        return {}


def custom_fields_document(schema: dict[str, Any], *, root: str) -> None:
    paths = schema.get("paths", {})
    components = schema.get("components", {}).get("schemas", {})
    definitions = _definitions()
    for kind, (path, out) in KIND_DOCS.items():
        fields = definitions.get(kind)
        if not fields:
            continue
        operation = paths.get(f"{root}{path}", {}).get("get")
        if operation is not None:
            parameters = operation.setdefault("parameters", [])
            for field in fields:
                value = json_schema_of(field)
                described = value["description"]
                if value["type"] == "array":
                    value = value["items"]
                parameters.append(
                    {
                        "name": f"custom.{field.key}",
                        "in": "query",
                        "required": False,
                        "schema": value,
                        "description": f"{described}; also __gte, __lte, __in=a,b, __isnull=true.",
                    }
                )
        output = components.get(out, {}).get("properties", {}).get("custom")
        if output is not None:
            output["properties"] = {field.key: json_schema_of(field) for field in fields}
