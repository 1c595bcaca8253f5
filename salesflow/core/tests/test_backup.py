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


def _archive(tmp_path, name: str, files: dict[str, bytes]):
    import io

    path = tmp_path / name
    with tarfile.open(path, "w:gz") as archive:
        for member, content in files.items():
            info = tarfile.TarInfo(member)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


MANIFEST = b'{"format": 1, "created_at": "2026-12-07T00:00:00Z", "counts": {}}'


@pytest.mark.parametrize(
    "case",
    [
        "random bytes",
        "gzip of garbage",
        "truncated",
        "manifest is a list",
        "manifest without counts",
        "data.json not json",
        "data.json unknown model",
        "data.json bad field value",
        "data.json is a directory",
    ],
)
def test_a_broken_archive_gives_a_plain_error_and_changes_nothing(case, rep, tmp_path):
    """`salesflow restore` of any broken archive ends with one line naming the problem (a
    CommandError, which the command line prints without a traceback), and the data stay."""
    import gzip

    from salesflow.core.backup import FORMAT_VERSION

    deal = DealFactory(owner=rep, name="Kept deal")
    manifest = MANIFEST.replace(b'"format": 1', f'"format": {FORMAT_VERSION}'.encode())
    if case == "random bytes":
        path = tmp_path / "x.tar.gz"
        path.write_bytes(bytes(range(256)) * 10)
    elif case == "gzip of garbage":
        path = tmp_path / "x.tar.gz"
        path.write_bytes(gzip.compress(b"\x00garbage" * 1000))
    elif case == "truncated":
        good = tmp_path / "good.tar.gz"
        call_command("backup", str(good))
        path = tmp_path / "x.tar.gz"
        path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif case == "manifest is a list":
        path = _archive(tmp_path, "x.tar.gz", {"manifest.json": b"[1, 2]", "data.json": b"[]"})
    elif case == "manifest without counts":
        bare = manifest.replace(b', "counts": {}', b"")
        path = _archive(tmp_path, "x.tar.gz", {"manifest.json": bare, "data.json": b"[]"})
    elif case == "data.json not json":
        path = _archive(tmp_path, "x.tar.gz", {"manifest.json": manifest, "data.json": b"[{"})
    elif case == "data.json unknown model":
        data = b'[{"model": "nowhere.thing", "pk": 1, "fields": {}}]'
        path = _archive(tmp_path, "x.tar.gz", {"manifest.json": manifest, "data.json": data})
    elif case == "data.json bad field value":
        data = b'[{"model": "pipeline.deal", "pk": 1, "fields": {"amount": "lots"}}]'
        path = _archive(tmp_path, "x.tar.gz", {"manifest.json": manifest, "data.json": data})
    else:
        path = tmp_path / "x.tar.gz"
        with tarfile.open(path, "w:gz") as archive:
            import io

            info = tarfile.TarInfo("manifest.json")
            info.size = len(manifest)
            archive.addfile(info, io.BytesIO(manifest))
            folder = tarfile.TarInfo("data.json")
            folder.type = tarfile.DIRTYPE
            archive.addfile(folder)
    with pytest.raises(CommandError, match="Nothing was changed") as refused:
        call_command("restore", str(path), "--yes")
    assert str(path) in str(refused.value)
    assert "\n" not in str(refused.value).strip()
    assert Deal.objects.get(pk=deal.pk).name == "Kept deal"
