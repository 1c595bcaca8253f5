"""Two people acting on the same deal at the same moment, through the API, on a real database."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from salesflow.api.tests.conftest import ApiClient
from salesflow.pipeline.tests.factories import ungated_deal


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_users_moving_the_same_deal_at_once_one_gets_200_the_other_409(rep, teammate):
    # Without exit criteria, so the skip to Needs assessment is not refused for missing BANT.
    deal = ungated_deal(owner=rep)
    moves = {
        ApiClient(rep): "Qualification",
        ApiClient(teammate): "Needs assessment",
    }
    barrier = threading.Barrier(len(moves))
    statuses: dict[str, int] = {}

    def move(api: ApiClient, stage: str) -> None:
        try:
            barrier.wait(timeout=10)
            # Both read version 1 before either moved.
            response = api.post(f"/deals/{deal.pk}/move", {"stage": stage, "version": 1})
            statuses[api.user.username] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=item) for item in moves.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses.values()) == [200, 409]
    winner = next(api for api in moves if statuses[api.user.username] == 200)
    history = winner.get(f"/deals/{deal.pk}/history").json()["items"]
    assert [step["to_stage_name"] for step in history] == ["Prospecting", moves[winner]]
    deal.refresh_from_db()
    assert (deal.stage.name, deal.version) == (moves[winner], 2)
