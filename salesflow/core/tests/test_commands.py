from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_tasks import task
from django_tasks.base import TaskResultStatus

from salesflow.core.management.commands.serve import SalesflowServer, server_options

PROJECT_DIR = Path(__file__).resolve().parents[3]


@task()
def shout(text: str) -> str:
    return text.upper()


def test_serve_configures_gunicorn_with_the_access_log_on_stdout():
    server = SalesflowServer(server_options(host="192.0.2.10", port=9000, workers=3, timeout=30))
    assert server.cfg.bind == ["192.0.2.10:9000"]
    assert server.cfg.workers == 3
    assert server.cfg.accesslog == "-"
    assert server.load() is not None
    ipv6 = SalesflowServer(server_options(host="::1", port=9000, workers=1, timeout=30))
    assert ipv6.cfg.bind == ["[::1]:9000"]


def test_serve_refuses_a_bad_port_or_worker_count():
    with pytest.raises(CommandError, match="--port"):
        call_command("serve", "--port", "0", "--no-collectstatic")
    with pytest.raises(CommandError, match="--workers"):
        call_command("serve", "--workers", "0", "--no-collectstatic")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (localhost)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def serve_start(tmp_path: Path, *args: str, **env_extra: str) -> tuple[subprocess.Popen, str]:
    """`salesflow serve` with one worker on a free port and its own SQLite file; waits (up to a
    minute) until it answers. Returns the process and its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        **env_extra,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    salesflow = Path(sys.executable).parent / "salesflow"
    server = subprocess.Popen(
        [str(salesflow), "serve", "--port", str(port), "--workers", "1", *args],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            get(f"{base}/admin/login/")
            break
        except OSError:
            time.sleep(0.3)
    return server, base


def test_serve_answers_pages_and_collected_static_files(tmp_path):
    server, base = serve_start(tmp_path)
    status = css_status = None
    css = b""
    try:
        status, _ = get(f"{base}/admin/login/")
        css_status, css = get(f"{base}/static/admin/css/base.css")
    except OSError:
        pass
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert status == 200, err
    assert css_status == 200 and b"body" in css
    assert (tmp_path / "static" / "admin" / "css" / "base.css").exists()
    assert '"GET /static/admin/css/base.css HTTP/1.1" 200' in out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_runs_waiting_tasks_and_exits_in_batch_mode():
    result = shout.enqueue("hello")
    call_command("worker", "--batch", verbosity=0)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "HELLO"


def test_worker_refuses_bad_options():
    with pytest.raises(CommandError, match="--max-tasks"):
        call_command("worker", "--max-tasks", "0")
    with pytest.raises(CommandError, match="--interval"):
        call_command("worker", "--interval", "-1")


def test_the_console_script_takes_hyphenated_command_names(capsys):
    """`salesflow train-forecast` is the `train_forecast` command (Django's module names)."""
    from salesflow.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["train-forecast", "--help"])
    assert exited.value.code == 0
    assert "train_forecast" in capsys.readouterr().out
