from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from salesflow.audit.models import AuditEvent
from salesflow.core.http import client_ip as request_client_ip


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request_client_ip(request)


def audit_event_record(
    *,
    action: str,
    actor: Any = None,
    actor_label: str = "",
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit event. Call it inside the transaction of the action it records."""
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    return AuditEvent.objects.create(
        action=action,
        actor=actor if is_user else None,
        actor_label=actor_label or (actor.get_username() if is_user else ""),
        at=timezone.now(),
        ip_address=client_ip(request),
        object_type=target._meta.label if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        details=details or {},
    )
