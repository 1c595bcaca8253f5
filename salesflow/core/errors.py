"""Domain errors raised by services and mapped to HTTP answers by views and the API."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class DomainError(Exception):
    """A rule of the sales process refused the action (HTTP 409)."""

    def __init__(self, message: str, *, missing: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.missing = missing or []

    def full_text(self) -> str:
        """The message and what is missing, each sentence once (see `refusal_text`)."""
        return refusal_text(self.message, self.missing)


def _sentence(text: str) -> str:
    return text.strip().rstrip(".").strip()


def missing_not_said(message: str, missing: list[dict[str, str]] | None) -> list[str]:
    """The texts of the missing items that the message does not already say, each once and
    without its final full stop."""
    said = _sentence(message).casefold()
    items: list[str] = []
    for item in missing or []:
        text = _sentence(item.get("message", ""))
        if text and text.casefold() not in said and text not in items:
            items.append(text)
    return items


def refusal_text(message: str, missing: list[dict[str, str]] | None = None) -> str:
    """A refusal and what is missing as one text, each sentence once, one final full stop.

    An item the message already says ("Add at least one line before sending the quote." and
    "Add at least one line.") is not repeated.
    """
    said = _sentence(message)
    items = missing_not_said(message, missing)
    if not items:
        return f"{said}." if said else ""
    return f"{said}. Missing: {'; '.join(items)}." if said else f"Missing: {'; '.join(items)}."


class ConflictError(DomainError):
    """Someone changed the record since it was read (optimistic lock, HTTP 409)."""


class AccessDenied(PermissionDenied):
    """The acting user may see the record but not change it (HTTP 403).

    A PermissionDenied, so Django answers 403 in any view that lets it through.
    """
