"""Helpers every app's services share: field assignment, validation and versioned saves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

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

    Must run inside a transaction. The row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite
    transactions here are IMMEDIATE, so writers are serialised) and its version compared with the
    one the caller read, so two writers that read the same version cannot both succeed. The save
    goes through `Model.save()` so the audit log sees it.
    """
    read_version = instance.version  # type: ignore[attr-defined]
    if expected_version is not None and expected_version != read_version:
        raise ConflictError(
            f"This {instance._meta.verbose_name} was changed by someone else since you opened "
            "it, so nothing was saved. Look at it again and repeat your change."
        )
    if not changed:
        return instance
    instance.full_clean()
    current = (
        type(instance)
        ._default_manager.select_for_update()
        .filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current != read_version:
        raise ConflictError(
            f"This {instance._meta.verbose_name} was changed by someone else while you edited "
            "it, so nothing was saved. Look at it again and repeat your change."
        )
    instance.version = read_version + 1  # type: ignore[attr-defined]
    update_fields = {instance._meta.get_field(name).name for name in changed} | {"version"}
    if any(f.name == "updated_at" for f in instance._meta.fields):
        update_fields.add("updated_at")
    instance.save(update_fields=sorted(update_fields))
    return instance
