"""Customer communications: segments, email templates, campaigns, consent, unsubscribe."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["outreach"])
