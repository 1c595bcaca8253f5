from __future__ import annotations

import threading

import pytest
from django.db import connection

from salesflow.core.errors import ConflictError
from salesflow.pipeline.models import Deal
from salesflow.pipeline.services import deal_move
from salesflow.pipeline.tests.factories import ungated_deal
from tests.factories import stage_named


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_users_moving_the_same_deal_at_once_one_wins_one_gets_a_conflict(rep, teammate):
    # Without exit criteria, so the skip to Needs assessment is not refused for missing BANT.
    deal = ungated_deal(owner=rep)
    targets = {
        rep: stage_named("Qualification", deal.pipeline),
        teammate: stage_named("Needs assessment", deal.pipeline),
    }
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def move(user):
        try:
            copy = Deal.objects.select_related("stage").get(pk=deal.pk)
            barrier.wait(timeout=10)
            deal_move(copy, to_stage=targets[user], acting_user=user)
            results[user.username] = "moved"
        except ConflictError:
            results[user.username] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(user,)) for user in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results.values()) == ["conflict", "moved"]
    deal.refresh_from_db()
    moves = deal.stage_changes.exclude(from_stage=None)
    assert moves.count() == 1
    assert deal.stage == moves.get().to_stage
    assert deal.version == 2
