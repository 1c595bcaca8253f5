"""API test helpers: a client that sends a real bearer token, and readers for error answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from salesflow.pipeline.models import Pipeline, Stage
from salesflow.users.services import token_create

BASE = "/api/v1"


class ApiClient:
    """Django's test client, through the real URLs and middleware, as one user's token."""

    def __init__(self, user: Any) -> None:
        self.user = user
        _, key = token_create(user=user, name="tests")
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(BASE + path, params or {}, headers=self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            BASE + path, body or {}, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(
            BASE + path, body, content_type="application/json", headers=self.headers
        )

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(
            BASE + path, body, content_type="application/json", headers=self.headers
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(BASE + path, headers=self.headers)


@pytest.fixture
def api_as(db):
    """`api_as(rep).get("/deals")`: call the API as that user."""
    return ApiClient


def invalid_fields(response: Any) -> set[str]:
    """The fields a 422 names, as the last element of each error's `loc`."""
    assert response.status_code == 422, response.content
    return {str(error["loc"][-1]) for error in response.json()["detail"]}


def ids(response: Any) -> set[int]:
    """The ids of a list answer's items."""
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.fixture
def other_pipeline(db) -> Pipeline:
    """A second pipeline, for stages that do not belong to a deal's pipeline."""
    pipeline = Pipeline.objects.create(name="Upsell")
    Stage.objects.bulk_create(
        [
            Stage(pipeline=pipeline, name="Discovery", position=1, probability=20),
            Stage(pipeline=pipeline, name="Offer", position=2, probability=60),
            Stage(pipeline=pipeline, name="Won", position=3, probability=100, kind="won"),
        ]
    )
    return pipeline
