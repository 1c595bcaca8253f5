"""`salesflow serve`: the production web server (gunicorn) with static files collected."""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    """WEB_CONCURRENCY when set (gunicorn's convention), else two per CPU, at most eight."""
    if os.environ.get("WEB_CONCURRENCY", "").isdigit():
        return int(os.environ["WEB_CONCURRENCY"])
    return min(8, 2 * (os.cpu_count() or 1))


class SalesflowServer(BaseApplication):
    """gunicorn run from Python: its settings come from here, not from its own command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                self.cfg.set(key, value)

    def load(self) -> Any:
        from salesflow.wsgi import application

        return application


def server_options(*, host: str, port: int, workers: int, timeout: int) -> dict[str, Any]:
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "timeout": timeout,
        "accesslog": "-",  # one line per request on stdout
        "errorlog": "-",
        "proc_name": "salesflow",
        # gunicorn 24+ opens a control socket in $HOME by default; two servers would share it.
        "control_socket_disable": True,
    }


class Command(BaseCommand):
    help = "Serve Salesflow with gunicorn, after collecting static files for whitenoise."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port (default: 8000).")
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="Worker processes (default: WEB_CONCURRENCY or 2 per CPU, at most 8).",
        )
        parser.add_argument(
            "--timeout", type=int, default=60, help="Seconds before a stuck worker is restarted."
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_false",
            dest="collectstatic",
            help="Skip collecting static files (when the deployment already did).",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        timeout: int,
        collectstatic: bool,
        **options: Any,
    ) -> None:
        if not 0 < port < 65536:
            raise CommandError("--port: give a port between 1 and 65535.")
        if workers < 1:
            raise CommandError("--workers: give at least 1.")
        if collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        # Workers are forked from this process: they must not share its database connection.
        connections.close_all()
        self.stdout.write(f"Salesflow on http://{host}:{port}/ with {workers} workers.")
        self.stdout.flush()
        SalesflowServer(
            server_options(host=host, port=port, workers=workers, timeout=timeout)
        ).run()
