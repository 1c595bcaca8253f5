from __future__ import annotations

import ipaddress

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet

from salesflow.audit.models import AuditEvent


def record_history(record: models.Model) -> QuerySet[LogEntry]:
    """Field-level changes of one record, newest first, with who made them."""
    return (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(record, for_concrete_model=False),
            object_pk=str(record.pk),
        )
        .select_related("actor")
        .order_by("-timestamp", "-pk")
    )


def log_entries_search(
    *, q: str = "", model: str = "", actor_id: int | None = None
) -> QuerySet[LogEntry]:
    """Record changes for the admins' audit page; callers check the admin role."""
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if q:
        entries = entries.filter(
            Q(object_repr__icontains=q) | Q(changes_text__icontains=q) | Q(object_pk=q)
        )
    if model:
        app_label, _, model_name = model.partition(".")
        entries = entries.filter(content_type__app_label=app_label, content_type__model=model_name)
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    return entries


def audit_events_search(*, q: str = "", action: str = "") -> QuerySet[AuditEvent]:
    """Sign-ins, exports and privacy actions for the admins' audit page."""
    events = AuditEvent.objects.select_related("actor")
    if q:
        match = Q(actor_label__icontains=q) | Q(object_repr__icontains=q)
        if _is_ip(q):
            match |= Q(ip_address=q)
        events = events.filter(match)
    if action:
        events = events.filter(action=action)
    return events


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
