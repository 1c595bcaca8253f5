"""A real SMTP server for tests (aiosmtpd): what Salesflow sends, as a mail server receives it.

    def test_digest(smtp_server):
        ...send...
        assert smtp_server.recipients() == {"sara@example.com"}

`smtp_server` (a fixture in the root conftest) starts the server on a free local port and points
Django's SMTP backend at it. `smtp_server.stop()` takes it down (to test a server that is down)
and `smtp_server.start()` brings it back on the same port.
"""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def text(self) -> str:
        """The plain-text body (or the whole body of a single-part message)."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.port = _free_port()
        self.handler = _Handler()
        self.controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def recipients(self) -> set[str]:
        return {address for mail in self.received for address in mail.envelope_to}

    def to(self, address: str) -> list[Received]:
        return [mail for mail in self.received if address in mail.envelope_to]
