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

    args = list(sys.argv[1:] if argv is None else argv)
    # `salesflow train-forecast` runs the `train_forecast` command: hyphens read better on a
    # command line; Django's command modules cannot have them.
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["salesflow", *args])


if __name__ == "__main__":
    main()
