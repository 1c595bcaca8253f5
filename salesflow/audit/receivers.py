from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from salesflow.audit.models import AuditAction
from salesflow.audit.services import audit_event_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_event_record(action=AuditAction.LOGIN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_event_record(action=AuditAction.LOGOUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Django already replaces the password in `credentials`; keep only the username tried.
    audit_event_record(
        action=AuditAction.LOGIN_FAILED,
        actor_label=str(credentials.get("username", ""))[:150],
        request=request,
    )
