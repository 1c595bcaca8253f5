"""Domain errors raised by services and mapped to HTTP answers by views and the API."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class DomainError(Exception):
    """A rule of the sales process refused the action (HTTP 409)."""

    def __init__(self, message: str, *, missing: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.missing = missing or []


class ConflictError(DomainError):
    """Someone changed the record since it was read (optimistic lock, HTTP 409)."""


class AccessDenied(PermissionDenied):
    """The acting user may see the record but not change it (HTTP 403).

    A PermissionDenied, so Django answers 403 in any view that lets it through.
    """
