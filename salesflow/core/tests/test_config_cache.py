"""The configuration cache of record pages (salesflow/core/config_cache.py): what another
process changes is seen on the next page once the version changed; writes never use the cache."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction
from django.urls import reverse

from salesflow.core.config_cache import (
    config_cached,
    config_changed,
    config_forget,
    config_token,
)
from salesflow.core.models import ConfigVersion
from salesflow.core.panels import page_config, page_memo_start
from salesflow.customfields.models import CustomField
from salesflow.pipeline.configuration import stages_reorder
from salesflow.pipeline.models import Competitor, Deal, LostReason, StageKind, StageRequirement
from salesflow.pipeline.selectors import pipeline_default
from salesflow.playbooks.models import LibraryResponse
from salesflow.quotes.tests.factories import ProductFactory
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cold_cache():
    config_forget()
    yield
    config_forget()


def _another_process_bumps() -> None:
    """What `config_changed()` in another process leaves behind: a new token in the row, and
    this process's memory untouched."""
    config_token()  # the row exists
    ConfigVersion.objects.filter(pk=1).update(token="another-process-token")


def _free_stage():
    """An open stage without exit criteria that has a later open stage: a deal there may move on."""
    stages = list(pipeline_default().stages.filter(kind=StageKind.OPEN).order_by("position"))
    for stage, later in itertools.pairwise(stages):
        if not stage.requirements.exists():
            return stage, later
    pytest.skip("every open stage of the default pipeline has exit criteria")


def test_a_change_made_by_another_process_shows_on_the_next_page(rep, rep_client):
    stage, later = _free_stage()
    deal = DealFactory(owner=rep, stage=stage)
    url = deal.get_absolute_url()
    assert later.name in rep_client.get(url).content.decode()  # the progress bar, cached
    # Another process renames the later stage and bumps the version; this one is not told.
    type(later).objects.filter(pk=later.pk).update(name="Renamed elsewhere")
    _another_process_bumps()
    body = rep_client.get(url).content.decode()
    assert "Renamed elsewhere" in body and f">{later.name}<" not in body


def test_without_a_new_version_the_page_keeps_its_cache_but_a_move_checks_the_database(
    rep, rep_client
):
    """The documented limit: a change that bypasses `config_changed()` (here: `update()` and
    `bulk_create`, which send no signal) is not seen by pages until the next bump. A move still
    checks the exit criteria in the database."""
    stage, later = _free_stage()
    deal = DealFactory(owner=rep, stage=stage)
    url = deal.get_absolute_url()
    rep_client.get(url)
    type(later).objects.filter(pk=later.pk).update(name="Renamed behind its back")
    StageRequirement.objects.bulk_create([StageRequirement(stage=stage, kind="decision_maker")])
    body = rep_client.get(url).content.decode()
    assert "Renamed behind its back" not in body and later.name in body
    assert "Name the decision maker" not in body  # the page knows no criterion yet

    response = rep_client.post(
        reverse("pipeline:deal-move", args=[deal.pk]),
        {"to_stage": later.pk, "version": deal.version},
    )
    assert response.status_code in (200, 302)
    fresh = Deal.objects.get(pk=deal.pk)
    assert (fresh.stage_id, fresh.version) == (stage.pk, deal.version)  # refused: not moved

    config_changed()  # what the settings pages do: the page sees both changes now
    body = rep_client.get(url).content.decode()
    assert "Renamed behind its back" in body and "Name the decision maker" in body


@pytest.mark.parametrize(
    "change",
    [
        lambda: LostReason.objects.create(name="Went quiet"),
        lambda: Competitor.objects.create(name="Rival Ltd"),
        lambda: ProductFactory(),
        lambda: LibraryResponse.objects.create(category="price", title="Value", response="..."),
        lambda: CustomField.objects.create(kind="deal", key="fleet", label="Fleet", type="text"),
        lambda: LostReason.objects.filter(is_active=True).first().delete(),
    ],
    ids=["lost reason", "competitor", "product", "objection library", "custom field", "delete"],
)
def test_every_configuration_write_changes_the_version(change):
    before = config_token()
    change()
    assert config_token() != before


def test_reordering_stages_in_bulk_changes_the_version(admin_user):
    pipeline = pipeline_default()
    open_ids = list(
        pipeline.stages.filter(kind=StageKind.OPEN)
        .order_by("position")
        .values_list("pk", flat=True)
    )
    before = config_token()
    stages_reorder(pipeline, list(reversed(open_ids)), acting_user=admin_user)
    assert config_token() != before


def test_a_rolled_back_change_leaves_nothing_a_later_version_would_accept():
    """Tokens are never reused: what was cached under the token of a write that rolled back
    can never be taken for the configuration of a later change."""
    before = config_token()
    with pytest.raises(RuntimeError), transaction.atomic():
        config_changed()
        inside = config_token()
        assert config_cached(inside, "reasons", lambda: ["Ghost"]) == ["Ghost"]
        raise RuntimeError
    assert config_token() == before != inside
    config_changed()
    assert config_cached(config_token(), "reasons", lambda: ["Real"]) == ["Real"]


def test_page_config_reads_once_per_version_on_pages_and_every_time_elsewhere(rep):
    deal = DealFactory(owner=rep)
    reads = []

    def read():
        reads.append(1)
        return len(reads)

    assert page_config(deal, "k", read) == 1 and page_config(deal, "k", read) == 2  # no page
    page_memo_start(deal)
    assert page_config(deal, "k", read) == 3 and page_config(deal, "k", read) == 3
    other = DealFactory(owner=rep)
    page_memo_start(other)  # another page of the same process: the same cache
    assert page_config(other, "k", read) == 3
    _another_process_bumps()
    page_memo_start(other)  # the next page reads the new version
    assert page_config(other, "k", read) == 4


def test_the_version_row_is_created_on_first_use():
    ConfigVersion.objects.all().delete()
    token = config_token()
    assert ConfigVersion.objects.get(pk=1).token == token == config_token()
