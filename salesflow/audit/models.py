from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    LOGIN = "login", "Signed in"
    LOGOUT = "logout", "Signed out"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    EXPORT = "export", "Export"
    PRIVACY_EXPORT = "privacy_export", "Privacy export"
    PRIVACY_ERASE = "privacy_erase", "Privacy erasure"
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_REVOKED = "token_revoked", "API token revoked"


class AuditEvent(models.Model):
    """A security-relevant event that is not a change of a record (those are in auditlog)."""

    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too: the username tried in a failed sign-in, or a deleted user's name.
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="auditevent_object_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_label} at {self.at:%Y-%m-%d %H:%M}"
