"""One module per report; each registers itself. Every module of this package is imported when
the app is ready, so adding a report is adding a module."""

from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
