"""The configuration cache of record pages (salesflow/core/config_cache.py): what another
process changes is seen on the next page once the version changed; writes never use the cache."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesflow.core.config_cache import (
    config_cached,
    config_changed,
    config_forget,
    config_models_register,
    config_token,
)
from salesflow.core.models import ConfigVersion
from salesflow.core.panels import page_config, page_memo_start
from salesflow.customfields.models import CustomField
from salesflow.pipeline.configuration import stages_reorder
from salesflow.pipeline.models import (
    Competitor,
    Deal,
    LostReason,
    Stage,
    StageKind,
    StageRequirement,
)
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
    """The documented limit: a change that bypasses the models (SQL by hand) is not seen by
    pages until the next bump. A move still checks the exit criteria in the database."""
    stage, later = _free_stage()
    deal = DealFactory(owner=rep, stage=stage)
    url = deal.get_absolute_url()
    rep_client.get(url)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Stage._meta.db_table} SET name = %s WHERE id = %s",  # noqa: S608
            ["Renamed behind its back", later.pk],
        )
        cursor.execute(
            f"INSERT INTO {StageRequirement._meta.db_table} "  # noqa: S608
            "(stage_id, kind, params, label, position) VALUES (%s, %s, %s, %s, %s)",
            [stage.pk, "decision_maker", "{}", "", 0],
        )
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

    config_changed()  # what to do after such a change: the page sees both changes now
    body = rep_client.get(url).content.decode()
    assert "Renamed behind its back" in body and "Name the decision maker" in body


# --- bulk writes through the models' managers (ConfigQuerySet) --------------------------------
# Each write changes what the deal page draws; the page was drawn (its cache filled) before it.


def _stage_update(stage, later):
    Stage.objects.filter(pk=later.pk).update(name="Renamed by update")


def _stage_related_update(stage, later):
    stage.pipeline.stages.filter(pk=later.pk).update(name="Renamed through the pipeline")


def _stage_bulk_update(stage, later):
    later.name = "Renamed by bulk_update"
    Stage.objects.bulk_update([later], ["name"])


def _stage_bulk_create(stage, later):
    Stage.objects.bulk_create(
        [Stage(pipeline=stage.pipeline, name="Added by bulk_create", position=99, probability=90)]
    )


BULK_WRITES = {
    # name: (what the page shows before, what it shows after, the write)
    "stage update": (lambda later: later.name, "Renamed by update", _stage_update),
    "stage update through a related manager": (
        lambda later: later.name,
        "Renamed through the pipeline",
        _stage_related_update,
    ),
    "stage bulk_update": (lambda later: later.name, "Renamed by bulk_update", _stage_bulk_update),
    "stage bulk_create": (None, "Added by bulk_create", _stage_bulk_create),
}


@pytest.mark.parametrize("name", list(BULK_WRITES))
def test_a_bulk_write_of_a_stage_shows_on_the_next_page(rep, rep_client, name):
    shown_before, shown_after, write = BULK_WRITES[name]
    stage, later = _free_stage()
    url = DealFactory(owner=rep, stage=stage).get_absolute_url()
    body = rep_client.get(url).content.decode()  # fills this process's cache
    old = shown_before(later) if shown_before else None
    if old:
        assert f">{old}<" in body
    assert shown_after not in body
    write(stage, later)
    body = rep_client.get(url).content.decode()
    assert f">{shown_after}<" in body  # the progress bar
    if old:
        assert f">{old}<" not in body


def test_a_queryset_delete_of_a_stage_shows_on_the_next_page(rep, rep_client):
    stage, _later = _free_stage()
    url = DealFactory(owner=rep, stage=stage).get_absolute_url()
    extra = Stage.objects.create(
        pipeline=stage.pipeline, name="Removed by delete", position=98, probability=90
    )
    assert ">Removed by delete<" in rep_client.get(url).content.decode()
    assert Stage.objects.filter(pk=extra.pk).delete()[0] == 1
    assert ">Removed by delete<" not in rep_client.get(url).content.decode()


def _reason_option(body: str, name: str) -> bool:
    """Whether the move form's lost reasons offer `name`."""
    return f">{name}</option>" in body


@pytest.mark.parametrize("operation", ["update", "bulk_update", "bulk_create", "delete"])
def test_a_bulk_write_of_a_lost_reason_shows_on_the_next_page(rep, rep_client, operation):
    stage, _later = _free_stage()
    url = DealFactory(owner=rep, stage=stage).get_absolute_url()
    reason = None if operation == "bulk_create" else LostReason.objects.create(name="Went quiet")
    body = rep_client.get(url).content.decode()
    assert _reason_option(body, "Went quiet") is (reason is not None)
    assert not _reason_option(body, "Budget frozen")
    if operation == "update":
        LostReason.objects.filter(pk=reason.pk).update(name="Budget frozen")
    elif operation == "bulk_update":
        reason.name = "Budget frozen"
        LostReason.objects.bulk_update([reason], ["name"])
    elif operation == "bulk_create":
        LostReason.objects.bulk_create([LostReason(name="Budget frozen")])
    else:
        LostReason.objects.filter(pk=reason.pk).delete()
    body = rep_client.get(url).content.decode()
    assert not _reason_option(body, "Went quiet")
    assert _reason_option(body, "Budget frozen") is (operation != "delete")


def test_a_bulk_write_that_rolls_back_leaves_the_version_and_one_that_changes_nothing_too():
    before = config_token()
    with pytest.raises(RuntimeError), transaction.atomic():
        LostReason.objects.update(is_active=False)  # bumps, inside the caller's transaction
        assert config_token() != before
        raise RuntimeError
    assert config_token() == before
    assert LostReason.objects.filter(pk=-1).update(name="Nothing") == 0
    assert LostReason.objects.bulk_update([], ["name"]) == 0
    assert config_token() == before


def test_a_bulk_write_changes_the_version_once():
    """Not once per batch (`bulk_update` runs one `update()` per batch) nor once per row (a
    queryset `delete()` sends `post_delete` per row)."""
    reasons = LostReason.objects.bulk_create([LostReason(name=f"Reason {n}") for n in range(3)])
    for reason in reasons:
        reason.position = 77
    with CaptureQueriesContext(connection) as updated:
        assert LostReason.objects.bulk_update(reasons, ["position"], batch_size=1) == 3
    with CaptureQueriesContext(connection) as deleted:
        assert LostReason.objects.filter(position=77).delete()[0] == 3
    for captured in (updated, deleted):
        bumps = [q for q in captured.captured_queries if ConfigVersion._meta.db_table in q["sql"]]
        assert len(bumps) == 1


def test_a_configuration_model_without_the_manager_is_refused():
    with pytest.raises(ImproperlyConfigured, match=r"pipeline\.Deal"):
        config_models_register(Deal)


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
