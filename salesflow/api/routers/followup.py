"""Follow-up: tier cadences, contact due, reminders, the daily digest and calendar feeds."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["followup"])
