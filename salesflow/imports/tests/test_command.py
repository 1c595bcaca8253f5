from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from salesflow.customfields.models import CustomField
from salesflow.imports.models import ImportStatus
from salesflow.leads.models import Lead

REPO = Path(__file__).resolve().parents[3]
SALESFLOW = Path(sys.executable).parent / "salesflow"
MAPPING = {
    "kind": "leads",
    "columns": {"Email": "email", "Name": "full_name", "Company": "company"},
    "defaults": {"source": "referral"},
}


def leads_csv(path: Path, count: int, start: int = 0) -> Path:
    lines = ["Email,Name,Company"]
    lines += [f"p{n}@example.com,Person {n},Company {n % 50}" for n in range(start, start + count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING))
    return tmp_path, mapping


def test_the_command_imports_and_summarises(admin_user, rep, files, capsys):
    tmp, mapping = files
    data = leads_csv(tmp / "leads.csv", 3)

    call_command("import", "leads", str(data), "--mapping", str(mapping), "--owner", "rep")

    out = capsys.readouterr()
    assert "of leads.csv: Created 3, updated 0, unchanged 0" in out.out
    assert "progress: imported 3 / 3 rows" in out.err
    assert set(Lead.objects.values_list("owner__username", flat=True)) == {"rep"}


def test_the_command_reports_row_errors_and_writes_them_to_a_csv(admin_user, files, capsys):
    tmp, mapping = files
    data = tmp / "bad.csv"
    data.write_text("Email,Name,Company\nbad@,Bob,X\nok@example.com,Ok,Y\n")

    call_command("import", "leads", str(data), "--mapping", str(mapping),
                 "--errors-csv", str(tmp / "errors.csv"))  # fmt: skip

    out = capsys.readouterr().out
    assert "bad.csv, row 2, column 'Email' (value 'bad@'): Enter a valid email address" in out
    assert (tmp / "errors.csv").read_text(encoding="utf-8-sig").startswith("row,column,value")


def test_a_dry_run_writes_nothing(admin_user, files, capsys):
    tmp, mapping = files

    call_command("import", "leads", str(leads_csv(tmp / "l.csv", 2)), "--mapping", str(mapping),
                 "--dry-run")  # fmt: skip

    assert "Would create 2" in capsys.readouterr().out
    assert Lead.objects.count() == 0


def test_all_or_nothing_fails_the_command(admin_user, files):
    tmp, mapping = files
    data = tmp / "bad.csv"
    data.write_text("Email,Name,Company\nbad@,Bob,X\nok@example.com,Ok,Y\n")

    with pytest.raises(CommandError, match="1 rows have errors, so nothing was written"):
        call_command("import", "leads", str(data), "--mapping", str(mapping), "--all-or-nothing")
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mapping", "nowhere.json"], "no file or saved mapping named 'nowhere.json'"),
        (["--owner", "ghost"], "--owner: no user 'ghost'"),
        (["--user", "ghost"], "--user: no user 'ghost'"),
    ],
)
def test_bad_options_are_named(admin_user, files, args, message):
    tmp, mapping = files
    options = ["--mapping", str(mapping), *args] if args[0] != "--mapping" else args

    with pytest.raises(CommandError, match=message):
        call_command("import", "leads", str(leads_csv(tmp / "l.csv", 1)), *options)


def test_a_mapping_that_is_not_json_or_not_valid_is_explained(admin_user, files):
    tmp, _ = files
    broken = tmp / "broken.json"
    broken.write_text('{"columns": {"Email": "email",}}')
    wrong = tmp / "wrong.json"
    wrong.write_text('{"columns": {"Email": "e-mail"}, "defaults": {"source": "other"}}')
    data = leads_csv(tmp / "l.csv", 1)

    with pytest.raises(CommandError, match=r"not valid JSON \(line 1, column 31"):
        call_command("import", "leads", str(data), "--mapping", str(broken))
    with pytest.raises(CommandError, match="Column 'Email' maps to 'e-mail', which leads do not"):
        call_command("import", "leads", str(data), "--mapping", str(wrong))
    deep = tmp / "deep.json"
    deep.write_text('{"columns": ' * 5000 + "{}" + "}" * 5000)
    with pytest.raises(CommandError, match="nested too deep"):
        call_command("import", "leads", str(data), "--mapping", str(deep))


def test_without_an_admin_the_command_asks_for_the_importing_user(db, files):
    tmp, mapping = files

    with pytest.raises(CommandError, match="No active admin to import as"):
        call_command("import", "leads", str(leads_csv(tmp / "l.csv", 1)), "--mapping", str(mapping))


def test_the_command_creates_the_custom_fields_as_an_admin_and_refuses_a_rep(
    admin_user, rep, files, capsys
):
    tmp, _ = files
    mapping = tmp / "custom.json"
    mapping.write_text(json.dumps({
        **MAPPING,
        "columns": {**MAPPING["columns"], "Visits": "custom.total_visits"},
        "custom_fields": [{"key": "total_visits", "label": "Total visits", "type": "number"}],
    }))  # fmt: skip
    data = tmp / "visits.csv"
    data.write_text("Email,Name,Company,Visits\nada@example.com,Ada L,Acme,7\n")

    with pytest.raises(CommandError, match=r"Total visits \(total_visits, whole number\) does "
                       r"not exist yet, and only an admin can create it"):  # fmt: skip
        call_command("import", "leads", str(data), "--mapping", str(mapping), "--user", "rep")
    assert not CustomField.objects.exists() and not Lead.objects.exists()

    call_command("import", "leads", str(data), "--mapping", str(mapping))

    assert "Created the lead custom field Total visits" in capsys.readouterr().out
    assert Lead.objects.get().custom == {"total_visits": 7}


# -- crash safety, with a real process and a real database file ---------------------------------


def salesflow(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SALESFLOW), *args], env=env, cwd=REPO, capture_output=True, text=True, check=True,
        timeout=600, **kwargs,
    )  # fmt: skip


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.skipif(not SALESFLOW.exists(), reason=f"no salesflow console script at {SALESFLOW}")
def test_an_import_killed_mid_way_leaves_whole_chunks_and_resumes_without_duplicates(tmp_path):
    db = tmp_path / "crash.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "salesflow.settings",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    salesflow(env, "migrate", "--no-input", "-v", "0")
    salesflow(env, "user", "create", "boss", "--role", "admin")
    data = leads_csv(tmp_path / "leads.csv", 1_500)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING))
    command = [str(SALESFLOW), "import", "leads", str(data), "--mapping", str(mapping),
               "--chunk-rows", "100"]  # fmt: skip

    process = subprocess.Popen(command, env=env, cwd=REPO, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:  # "progress: imported 300 / 1500 rows", once per chunk
        if line.startswith("progress:") and int(line.split()[2]) >= 300:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    process.stderr.close()

    assert process.returncode == -signal.SIGKILL
    [(status, checkpoint, created)] = rows(
        db, "SELECT status, rows_processed, created_count FROM imports_importjob"
    )
    [(leads,)] = rows(db, "SELECT COUNT(*) FROM leads_lead")
    assert status == ImportStatus.RUNNING
    assert 300 <= checkpoint < 1_500 and checkpoint % 100 == 0
    assert leads == created == checkpoint  # no partial chunk: the chunk in flight was rolled back

    again = salesflow(env, *command[1:])

    assert f"Resuming import #1 of leads.csv after row {checkpoint + 1}" in again.stderr
    assert "Created 1500, updated 0, unchanged 0, rows with errors 0" in again.stdout
    assert rows(db, "SELECT COUNT(*), COUNT(DISTINCT email) FROM leads_lead") == [(1_500, 1_500)]
    assert rows(db, "SELECT status, rows_processed FROM imports_importjob") == [("done", 1_500)]

    once_more = salesflow(env, *command[1:])

    assert "Created 0, updated 0, unchanged 1500" in once_more.stdout
    assert rows(db, "SELECT COUNT(*) FROM leads_lead") == [(1_500,)]
