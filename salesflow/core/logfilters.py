"""Logging filters used by settings.LOGGING."""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """Log a 4xx answer (403, 404, ...) as one line: drop the traceback Django attaches.

    Django's `log_response` passes the exception of a refused request (PermissionDenied,
    Http404) as `exc_info`, so every ordinary 403 printed a full traceback. A 5xx keeps it.
    Attached to the `django.request` logger, so every handler (and pytest's caplog) sees the
    record without it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
