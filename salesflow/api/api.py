"""The one NinjaAPI, mounted at /api/v1/: docs at /api/v1/docs, schema at /api/v1/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI

from salesflow.api.auth import BearerToken
from salesflow.api.errors import handlers_install
from salesflow.api.routers import (
    accounts,
    activities,
    capture,
    contacts,
    deals,
    imports,
    lead_settings,
    leads,
    pipelines,
    playbooks,
    quotes,
    stakeholders,
    users,
)

api = NinjaAPI(
    title="Salesflow API",
    version="1",
    description="Send `Authorization: Bearer <token>` with every request.",
    urls_namespace="api",
    auth=BearerToken(),
)
handlers_install(api)

ROUTERS = (
    users,
    accounts,
    contacts,
    leads,
    lead_settings,
    capture,
    deals,
    stakeholders,
    playbooks,
    quotes,
    activities,
    pipelines,
    imports,
)
for module in ROUTERS:
    api.add_router("/", module.router)
