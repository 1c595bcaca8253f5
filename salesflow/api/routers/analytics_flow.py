"""Analytics reports under /api/v1/analytics/ (see salesflow.api.routers.analytics)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["analytics"])
