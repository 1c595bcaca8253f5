"""A body nested thousands deep answers 400 on every JSON route, never 500 (issue 14, found 7:
"a mapping nested 5,000 deep")."""

from __future__ import annotations

import pytest
from django.test import Client

from salesflow.imports.models import ImportMapping
from salesflow.pipeline.models import Deal
from salesflow.users.services import token_create
from tests.factories import DealFactory

DEEP = "[" * 5000 + "]" * 5000
DEEP_MAPPING = (
    '{"name": "Deep", "kind": "leads", "definition": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
)


@pytest.fixture
def api(rep):
    _, key = token_create(user=rep, name="deep")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_mapping_nested_5000_deep_answers_400_and_saves_nothing(api):
    response = api.post("/api/v1/imports/mappings", DEEP_MAPPING, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert not ImportMapping.objects.exists()


@pytest.mark.parametrize("method", ["post", "patch"])
def test_any_json_body_nested_5000_deep_answers_400_and_changes_nothing(api, rep, method):
    deal = DealFactory(owner=rep, name="Steady")
    url = "/api/v1/deals" if method == "post" else f"/api/v1/deals/{deal.pk}"
    response = getattr(api, method)(url, DEEP, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert list(Deal.objects.values_list("name", flat=True)) == ["Steady"]
