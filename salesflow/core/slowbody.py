"""Request bodies that arrive too slowly do not hold a web worker.

`salesflow serve` runs gunicorn's synchronous workers: one request at a time each. A client that
declares a large body (an import upload, say) and then sends little or nothing would keep its
worker waiting on the socket until gunicorn's own timeout restarts it, a minute later. This WSGI
wrapper (applied in salesflow/wsgi.py) reads the body before Django sees it, and answers

- 408 when no byte arrives for SALESFLOW_BODY_IDLE_SECONDS (10), or when, after that many
  seconds, the body has arrived at under SALESFLOW_BODY_MIN_BYTES_PER_SECOND (5,000) on average;
- 400 when the client stops before the length it declared;
- 413 when the declared length is over SALESFLOW_BODY_MAX_BYTES (twice the largest upload
  Salesflow accepts, so the pages can still say "this file is too large" for a file a little
  over their own limit).

The body is kept in memory up to 2.5 MB (Django's own threshold) and in a temporary file beyond.
Behind a reverse proxy that buffers request bodies (nginx does by default) none of this is
reached. A client sending just above the minimum rate is still served: that is what the minimum
rate is for; a proxy is the place to limit it further (docs/deployment notes in README).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from tempfile import SpooledTemporaryFile
from typing import Any

CHUNK = 64 * 1024
IN_MEMORY = 2_621_440  # Django's FILE_UPLOAD_MAX_MEMORY_SIZE default


class BodyDeadline:
    """Read a request's body within time limits before handing the request to `app`."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        *,
        idle_seconds: float,
        min_bytes_per_second: float,
        max_bytes: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.idle_seconds = idle_seconds
        self.min_bytes_per_second = min_bytes_per_second
        self.max_bytes = max_bytes
        self.clock = clock

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        raw = environ.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return _refuse(start_response, 400, "Content-Length is not a number.")
        if length <= 0:
            return self.app(environ, start_response)
        if length > self.max_bytes:
            return _refuse(
                start_response,
                413,
                f"The request body is larger than the {self.max_bytes:,} bytes accepted.",
            )
        sock = environ.get("gunicorn.socket")
        previous = sock.gettimeout() if sock is not None else None
        if sock is not None:
            sock.settimeout(self.idle_seconds)
        try:
            body, problem = self._read(environ["wsgi.input"], length)
        finally:
            if sock is not None:
                sock.settimeout(previous)
        if problem is not None:
            return _refuse(start_response, *problem)
        environ["wsgi.input"] = body
        return self.app(environ, start_response)

    def _read(self, stream: Any, length: int) -> tuple[Any, tuple[int, str] | None]:
        body = SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 (handed to Django)
        start = self.clock()
        received = 0
        while received < length:
            try:
                chunk = stream.read(min(CHUNK, length - received))
            except OSError:  # the socket's timeout: nothing arrived for idle_seconds
                body.close()
                return None, (408, "The request body stopped arriving.")
            if not chunk:
                body.close()
                return None, (400, "The request body is shorter than its Content-Length.")
            body.write(chunk)
            received += len(chunk)
            elapsed = self.clock() - start
            if (
                received < length
                and elapsed > self.idle_seconds
                and received / elapsed < self.min_bytes_per_second
            ):
                body.close()
                return None, (408, "The request body is arriving too slowly.")
        body.seek(0)
        return body, None


def _refuse(start_response: Callable, status: int, message: str) -> list[bytes]:
    reason = {400: "Bad Request", 408: "Request Timeout", 413: "Content Too Large"}[status]
    payload = (message + "\n").encode()
    start_response(
        f"{status} {reason}",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(payload))),
            ("Connection", "close"),
        ],
    )
    return [payload]


def body_deadline_from_settings(app: Callable[..., Iterable[bytes]]) -> BodyDeadline:
    from django.conf import settings

    return BodyDeadline(
        app,
        idle_seconds=settings.SALESFLOW_BODY_IDLE_SECONDS,
        min_bytes_per_second=settings.SALESFLOW_BODY_MIN_BYTES_PER_SECOND,
        max_bytes=settings.SALESFLOW_BODY_MAX_BYTES,
    )
