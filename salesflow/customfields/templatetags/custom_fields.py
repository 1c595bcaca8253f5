"""`{% load custom_fields %}{% custom_fields_card record %}`: a record's custom values, by
section, for its page."""

from __future__ import annotations

from typing import Any

from django import template

from salesflow.core.panels import page_config
from salesflow.customfields.models import FieldType
from salesflow.customfields.selectors import custom_fields_of
from salesflow.customfields.values import value_display

register = template.Library()


def custom_sections(record: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(section, [(label, shown value)])] of the record's kind's active fields."""
    stored = record.custom or {}
    kind = record._meta.model_name
    # On a record page, from the configuration cache (salesflow.core.config_cache).
    fields = page_config(record, ("custom_fields", kind), lambda: custom_fields_of(kind))
    users: dict[int, str] = {}
    wanted = [stored[f.key] for f in fields if f.type == FieldType.USER and f.key in stored]
    if wanted:
        from salesflow.users.models import User

        users = {u.pk: str(u) for u in User.objects.filter(pk__in=wanted)}
    sections: dict[str, list[tuple[str, str]]] = {}
    for field in fields:
        shown = value_display(field, stored.get(field.key), users=users)
        sections.setdefault(field.section or "More details", []).append((field.label, shown))
    return list(sections.items())


@register.inclusion_tag("customfields/card.html")
def custom_fields_card(record: Any) -> dict[str, Any]:
    return {"sections": custom_sections(record), "record": record}


@register.filter
def custom_value(record: Any, field: Any) -> str:
    """A record's value of a custom field as a person reads it (list cells)."""
    return value_display(field, (record.custom or {}).get(field.key)) or "—"
