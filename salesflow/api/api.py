"""The one NinjaAPI, mounted at /api/v1/: docs at /api/v1/docs, schema at /api/v1/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI

from salesflow.api.auth import BearerToken
from salesflow.api.errors import handlers_install
from salesflow.api.routers import accounts, activities, contacts, deals, leads, pipelines, users

api = NinjaAPI(
    title="Salesflow API",
    version="1",
    description="Send `Authorization: Bearer <token>` with every request.",
    urls_namespace="api",
    auth=BearerToken(),
)
handlers_install(api)

for module in (users, accounts, contacts, leads, deals, activities, pipelines):
    api.add_router("/", module.router)
