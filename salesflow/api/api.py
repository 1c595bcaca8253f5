"""The one NinjaAPI, mounted at /api/v1/: docs at /api/v1/docs, schema at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from salesflow.api.auth import BearerToken
from salesflow.api.errors import handlers_install
from salesflow.api.openapi import custom_fields_document
from salesflow.api.routers import (
    accounts,
    activities,
    analytics,
    analytics_flow,
    analytics_forecast,
    analytics_wins,
    capture,
    coaching,
    contacts,
    custom_fields,
    deals,
    followup,
    imports,
    lead_settings,
    leads,
    outreach,
    pipelines,
    playbooks,
    products,
    quotes,
    referrals,
    saved_views,
    search,
    stakeholders,
    users,
)


class SalesflowAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """The generated schema, with today's custom fields (salesflow.api.openapi)."""
        schema = super().get_openapi_schema(**kwargs)
        custom_fields_document(schema, root=self.get_root_path(kwargs.get("path_params") or {}))
        return schema


api = SalesflowAPI(
    title="Salesflow API",
    version="1",
    description="Send `Authorization: Bearer <token>` with every request.",
    urls_namespace="api",
    auth=BearerToken(),
)
handlers_install(api)

ROUTERS = (
    users,
    custom_fields,
    accounts,
    contacts,
    leads,
    lead_settings,
    capture,
    deals,
    stakeholders,
    playbooks,
    products,
    quotes,
    activities,
    pipelines,
    imports,
    analytics,
    analytics_flow,
    analytics_wins,
    analytics_forecast,
    followup,
    outreach,
    coaching,
    referrals,
    search,
    saved_views,
)
for module in ROUTERS:
    api.add_router("/", module.router)
