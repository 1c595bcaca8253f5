"""Maintenance mode: while `salesflow restore` replaces the data, the site answers 503.

A restore replaces every table in one transaction. Requests that reached the database meanwhile
would wait for its lock until they time out (a minute or more on a busy site), holding every
web worker. Instead the restore writes a flag file first (`SALESFLOW_MAINTENANCE_FILE`, holding
the restoring process's id) and removes it when done, whatever happened; while it exists,
every request gets a short 503 with `Retry-After` before any middleware touches the database.
A flag left behind by a process that no longer runs (killed hard) is ignored.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

RETRY_AFTER_SECONDS = 30
MESSAGE = "Salesflow is being restored from a backup. Try again in a minute."


def _flag() -> Path:
    return Path(settings.SALESFLOW_MAINTENANCE_FILE)


def _process_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it runs, as another user
    return True


def maintenance_active() -> bool:
    try:
        owner = json.loads(_flag().read_text())
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return True  # a flag we cannot read: better a short 503 than a lock timeout
    pid = owner.get("pid") if isinstance(owner, dict) else None
    # pid 0 or none would signal our own process group and always "run": a flag without a
    # usable pid counts as up, like a flag we cannot read.
    return _process_runs(pid) if isinstance(pid, int) and pid > 0 else True


@contextmanager
def maintenance_mode(reason: str = "restore") -> Iterator[None]:
    flag = _flag()
    flag.parent.mkdir(parents=True, exist_ok=True)
    flag.write_text(json.dumps({"pid": os.getpid(), "reason": reason}))
    try:
        yield
    finally:
        flag.unlink(missing_ok=True)


class MaintenanceMiddleware:
    """First in the chain: no session, user or audit lookup runs during a restore."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not maintenance_active():
            return self.get_response(request)
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": MESSAGE}, status=503)
        else:
            response = HttpResponse(
                f"<!doctype html><title>Restoring</title><p>{MESSAGE}</p>", status=503
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
