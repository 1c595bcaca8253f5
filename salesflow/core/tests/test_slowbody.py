"""A request body that arrives too slowly frees its worker (salesflow/core/slowbody.py)."""

from __future__ import annotations

import io
import socket
import time

from salesflow.core.slowbody import BodyDeadline
from salesflow.core.tests.test_commands import get, serve_start


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Trickle:
    """A body stream giving `size` bytes per read, the clock moving `seconds` per read."""

    def __init__(self, clock: Clock, *, size: int, seconds: float, total: int) -> None:
        self.clock, self.size, self.seconds, self.left = clock, size, seconds, total

    def read(self, n: int) -> bytes:
        self.clock.now += self.seconds
        take = min(n, self.size, self.left)
        self.left -= take
        return b"x" * take


class Stalled:
    def read(self, n: int) -> bytes:
        raise TimeoutError("timed out")


def run(app: BodyDeadline, stream, length: int) -> tuple[str, bytes, list]:
    seen: list = []
    status: list[str] = []

    def start_response(s, headers):
        status.append(s)

    environ = {"CONTENT_LENGTH": str(length), "wsgi.input": stream}
    body = b"".join(app(environ, start_response))
    if not status:  # the inner app answered
        status.append("200 OK")
    seen.append(environ["wsgi.input"])
    return status[0], body, seen


def inner(environ, start_response):
    data = environ["wsgi.input"].read()
    start_response("200 OK", [])
    return [str(len(data)).encode()]


def deadline(clock: Clock, **kw) -> BodyDeadline:
    options = {"idle_seconds": 10, "min_bytes_per_second": 5000, "max_bytes": 1_000_000} | kw
    return BodyDeadline(inner, clock=clock, **options)


def test_a_whole_body_reaches_the_application_even_when_slow_at_first():
    clock = Clock()
    # 300 KB at 60 KB a second: slower than a LAN, far above the minimum rate.
    status, body, _ = run(
        deadline(clock), Trickle(clock, size=60_000, seconds=1, total=300_000), 300_000
    )
    assert status == "200 OK" and body == b"300000"


def test_a_stalled_body_answers_408_without_calling_the_application():
    status, body, _ = run(deadline(Clock()), Stalled(), 500_000)
    assert status.startswith("408") and b"stopped arriving" in body


def test_a_trickle_under_the_minimum_rate_answers_408_once_the_grace_has_passed():
    clock = Clock()
    # 1 KB a second: under 5,000 bytes a second; refused after the 10 s grace, not before.
    trickle = Trickle(clock, size=1000, seconds=1, total=500_000)
    status, body, _ = run(deadline(clock), trickle, 500_000)
    assert status.startswith("408") and b"too slowly" in body
    assert 10 < clock.now <= 12


def test_a_body_shorter_than_declared_answers_400_and_an_oversized_declaration_413():
    clock = Clock()
    short = Trickle(clock, size=100, seconds=0, total=100)
    status, body, _ = run(deadline(clock), short, 1000)
    assert status.startswith("400") and b"shorter" in body
    status, body, _ = run(deadline(clock), io.BytesIO(b""), 2_000_000)
    assert status.startswith("413") and b"1,000,000" in body


def test_serve_frees_its_only_worker_from_a_client_that_declares_a_body_and_stops(tmp_path):
    """One worker; a client declares 10 MB, sends 10 bytes and waits. The worker answers it
    408 after the idle limit (1 s here) and serves the next request, instead of waiting for
    gunicorn's 60 s timeout."""
    server, base = serve_start(tmp_path, "--no-collectstatic", SALESFLOW_BODY_IDLE_SECONDS="1")
    port = int(base.rsplit(":", 1)[1])
    answer = b""
    status = None
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as slow:
            slow.sendall(
                b"POST /imports/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n"
                b"0123456789"
            )
            sent = time.monotonic()
            answer = slow.recv(4096)
            waited = time.monotonic() - sent
        status, _ = get(f"{base}/admin/login/")
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert waited < 10
    assert status == 200
