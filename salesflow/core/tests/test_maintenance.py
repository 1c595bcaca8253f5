"""During a restore the site answers 503 at once instead of holding workers on a lock (issue 14)."""

from __future__ import annotations

import json
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from salesflow.core.maintenance import maintenance_active, maintenance_mode
from salesflow.core.management.commands import restore


@pytest.fixture(autouse=True)
def flag_file(settings, tmp_path):
    settings.SALESFLOW_MAINTENANCE_FILE = str(tmp_path / "salesflow.maintenance")
    return tmp_path / "salesflow.maintenance"


def test_every_request_answers_503_with_retry_after_while_the_flag_is_up(
    db, django_assert_num_queries
):
    with maintenance_mode(), django_assert_num_queries(0):
        page = Client().get("/login/")
        api = Client().get("/api/v1/deals")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert api.status_code == 503 and "being restored" in api.json()["detail"]
    assert Client().get("/login/").status_code == 200


def test_a_flag_left_by_a_process_that_no_longer_runs_is_ignored(db, flag_file):
    dead = subprocess.Popen(["true"])  # a process that has ended: its pid runs nothing now
    dead.wait()
    flag_file.write_text(json.dumps({"pid": dead.pid, "reason": "restore"}))
    assert not maintenance_active()
    assert Client().get("/login/").status_code == 200


def test_restore_puts_the_site_into_maintenance_and_takes_it_out_even_on_failure(
    db, monkeypatch, flag_file
):
    seen = []

    def fake_restore(path):
        seen.append(Client().get("/login/").status_code)
        raise restore.BackupError(f"{path}: not a Salesflow backup")

    monkeypatch.setattr(restore, "backup_restore", fake_restore)
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("restore", "broken.tar.gz", "--yes")

    assert seen == [503]
    assert not flag_file.exists()
    assert Client().get("/login/").status_code == 200


@pytest.mark.parametrize("content", ['{"reason": "restore"}', '{"pid": 0}', "5", "not json"])
def test_a_flag_without_a_usable_pid_keeps_the_site_in_maintenance_without_500(
    db, flag_file, content
):
    flag_file.write_text(content)
    assert maintenance_active()
    assert Client().get("/login/").status_code == 503
