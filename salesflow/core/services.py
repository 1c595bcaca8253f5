"""Helpers every app's services share: field assignment, validation and versioned saves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F

from salesflow.core.errors import ConflictError

M = TypeVar("M", bound=models.Model)


def fields_assign(
    instance: models.Model, data: Mapping[str, Any], *, allowed: Iterable[str]
) -> list[str]:
    """Set the allowed fields from `data` on the instance; return the names that changed."""
    allowed = set(allowed)
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    changed = []
    for name, value in data.items():
        field = instance._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            is_instance = isinstance(value, models.Model)
            new_id = value.pk if is_instance else value
            if instance.pk and getattr(instance, field.attname) == new_id:
                continue
            setattr(instance, name if is_instance else field.attname, value)
            changed.append(name)
            continue
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def instance_save_versioned(
    instance: M, *, changed: list[str], expected_version: int | None = None
) -> M:
    """Validate and save the changed fields, refusing if another write came first.

    The UPDATE is a compare-and-swap on `version`, so two writers that read the same version
    cannot both succeed, whatever the database's isolation level.
    """
    read_version = instance.version  # type: ignore[attr-defined]
    if expected_version is not None and expected_version != read_version:
        raise ConflictError(
            f"This record was changed by someone else (version {read_version}, "
            f"you sent {expected_version}). Reload it and apply your change again."
        )
    if not changed:
        return instance
    instance.full_clean()
    values = {}
    for name in changed:
        field = instance._meta.get_field(name)
        values[field.attname] = getattr(instance, field.attname)
    if any(f.name == "updated_at" for f in instance._meta.fields):
        instance.updated_at = instance._meta.get_field("updated_at").pre_save(instance, add=False)
        values["updated_at"] = instance.updated_at
    rows = (
        type(instance)
        ._default_manager.filter(pk=instance.pk, version=read_version)
        .update(version=F("version") + 1, **values)
    )
    if rows != 1:
        raise ConflictError(
            "This record was changed by someone else while you edited it. "
            "Reload it and apply your change again."
        )
    instance.version = read_version + 1  # type: ignore[attr-defined]
    return instance
