"""Backup and restore: one file holding a consistent snapshot of the database and uploads.

The archive is a gzip'd tar with `manifest.json`, `data.json` (Django's serialisation with
natural foreign keys, so it loads into SQLite or PostgreSQL alike) and `media/`. The dump
sees one moment of the database without holding writers back: on PostgreSQL it runs in one
REPEATABLE READ transaction; on SQLite, whose Django transactions take the write lock
(`transaction_mode` IMMEDIATE), it runs in a plain read transaction instead, which in WAL mode
reads one snapshot while writers go on.
Restore replaces everything in one transaction: a broken archive leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

FORMAT_VERSION = 1
# Rebuilt by migrations, or per-process state that must not travel between installs.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]


class BackupError(Exception):
    pass


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent read of the database for the dump, without taking SQLite's write lock."""
    outermost = not connection.in_atomic_block
    if connection.vendor == "sqlite" and outermost:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")  # a read transaction: WAL readers never block writers
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")  # it only read
        return
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _model_counts() -> dict[str, int]:
    counts = {}
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.app_label in {"contenttypes", "sessions", "admin", "axes"}:
            continue
        if label == "auth.Permission" or model._meta.proxy or not model._meta.managed:
            continue
        counts[label] = model._default_manager.count()
    return counts


def backup_create(path: Path) -> dict[str, object]:
    """Write the archive to `path` and return its manifest."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        data_file = Path(tmp) / "data.json"
        with _snapshot():
            counts = _model_counts()
            call_command(
                "dumpdata",
                exclude=EXCLUDED,
                natural_foreign=True,
                output=str(data_file),
                verbosity=0,
            )
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "database": connection.vendor,
            "counts": counts,
        }
        media_root = Path(settings.MEDIA_ROOT)
        tmp_target = path.with_name(path.name + ".partial")
        with tarfile.open(tmp_target, "w:gz") as archive:
            raw = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
            archive.add(data_file, arcname="data.json")
            if media_root.is_dir():
                archive.add(media_root, arcname="media")
        tmp_target.replace(path)  # never leave a half-written backup under the real name
    return manifest


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or member.issym() or member.islnk():
            raise BackupError(f"Unsafe path in backup: {member.name}")
        members.append(member)
    return members


def _first_line(exc: BaseException, limit: int = 200) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def backup_restore(path: Path) -> dict[str, object]:
    """Replace the database and uploaded files with the archive's content."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with tempfile.TemporaryDirectory() as tmp:
        try:
            with tarfile.open(path, "r:gz") as archive:
                archive.extractall(tmp, members=_safe_members(archive), filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{path}: not a Salesflow backup ({exc})") from exc
        root = Path(tmp)
        try:
            manifest = json.loads((root / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            raise BackupError(f"{path}: manifest.json is missing or unreadable") from exc
        if not isinstance(manifest, dict) or not isinstance(manifest.get("counts"), dict):
            raise BackupError(f"{path}: manifest.json is not a Salesflow backup's manifest")
        if manifest.get("format") != FORMAT_VERSION or not (root / "data.json").is_file():
            raise BackupError(f"{path}: unsupported backup format {manifest.get('format')!r}")
        with transaction.atomic():
            # flush re-creates content types and permissions (post_migrate) for the natural keys.
            call_command("flush", interactive=False, verbosity=0)
            try:
                call_command("loaddata", str(root / "data.json"), verbosity=0)
            except Exception as exc:  # whatever loaddata meets, the transaction undoes it
                raise BackupError(
                    f"{path}: data.json cannot be loaded ({_first_line(exc)})"
                ) from exc
            counts = _model_counts()
            if counts != manifest["counts"]:
                differing = sorted(k for k in counts if counts[k] != manifest["counts"].get(k))
                raise BackupError(f"{path}: restored counts differ for {', '.join(differing)}")
        media_root = Path(settings.MEDIA_ROOT)
        if (root / "media").is_dir():
            if media_root.exists():
                shutil.rmtree(media_root)
            shutil.copytree(root / "media", media_root)
    return manifest
