"""The `salesflow` console script: every Django management command, plus Salesflow's own.

Salesflow's commands (demo, serve, token, user, worker, ...) are management commands of its
apps, so `salesflow help` lists them beside Django's.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesflow.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["salesflow", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
