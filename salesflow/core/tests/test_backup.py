from __future__ import annotations

import tarfile
import threading
import time

import pytest
from auditlog.context import set_actor
from django.core.management import CommandError, call_command
from django.db import connection

from salesflow.audit.selectors import record_history
from salesflow.pipeline.models import Deal, StageChange
from salesflow.pipeline.services import deal_move, deal_update
from tests.factories import ActivityFactory, DealFactory, stage_named

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "quotes").mkdir(parents=True)
    (settings.MEDIA_ROOT / "quotes" / "q1.txt").write_text("Proposal v1")
    return settings.MEDIA_ROOT


def test_backup_and_restore_round_trip_brings_back_data_history_and_files(rep, media, tmp_path):
    deal = DealFactory(owner=rep, name="Harbour cranes", amount=1000)
    ActivityFactory(owner=rep, deal=deal, subject="Site visit")
    with set_actor(rep):
        deal_move(deal, to_stage=stage_named("Qualification"), acting_user=rep)
    archive = tmp_path / "snapshot.tar.gz"
    call_command("backup", str(archive))

    # Life goes on after the backup, and an upload is lost...
    with set_actor(rep):
        deal_update(deal, acting_user=rep, amount=5)
    DealFactory(owner=rep, name="Made after the backup")
    (media / "quotes" / "q1.txt").unlink()

    call_command("restore", str(archive), "--yes")

    restored = Deal.objects.get(pk=deal.pk)
    assert restored.amount == 1000 and restored.stage.name == "Qualification"
    assert not Deal.objects.filter(name="Made after the backup").exists()
    assert StageChange.objects.filter(deal=restored).count() == 2
    assert restored.activities.get().subject == "Site visit"
    assert record_history(restored).exists()
    assert (media / "quotes" / "q1.txt").read_text() == "Proposal v1"
    # The restored database keeps working: new rows get fresh ids.
    assert DealFactory(owner=rep).pk > deal.pk


def test_a_broken_backup_is_refused_and_changes_nothing(rep, tmp_path):
    deal = DealFactory(owner=rep)
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as archive:
        note = tmp_path / "note.txt"
        note.write_text("not a backup")
        archive.add(note, arcname="note.txt")
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("restore", str(bad), "--yes")
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_restore_of_a_missing_file_names_it(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "nope.tar.gz"), "--yes")


def test_writers_go_on_while_a_backup_is_dumped(rep, tmp_path, monkeypatch):
    """The dump reads a snapshot: a write made meanwhile neither waits nor lands in the backup."""
    from salesflow.core import backup

    DealFactory(owner=rep, name="Before the backup")
    written: list[object] = []

    def write_meanwhile() -> None:
        try:
            DealFactory(owner=rep, name="Written during the backup")
            written.append("ok")
        except Exception as error:
            written.append(error)
        finally:
            connection.close()

    real_call_command = backup.call_command

    def dump_with_a_writer(*args, **kwargs):
        writer = threading.Thread(target=write_meanwhile)
        started = time.monotonic()
        writer.start()
        writer.join(timeout=30)
        written.append(time.monotonic() - started)
        return real_call_command(*args, **kwargs)

    monkeypatch.setattr(backup, "call_command", dump_with_a_writer)
    archive = tmp_path / "during.tar.gz"
    call_command("backup", str(archive))

    assert written[0] == "ok", written
    assert written[1] < 5  # not queued behind the backup (SQLite would wait 20 s, then fail)
    assert Deal.objects.filter(name="Written during the backup").exists()
    with tarfile.open(archive) as opened:
        data = opened.extractfile("data.json").read().decode()
    assert "Before the backup" in data and "Written during the backup" not in data
