"""A real SMTP server on loopback for tests that follow an e-mail (aiosmtpd): the fixtures
``smtp_server`` and ``mailbox`` (the app sends there for one test). The same server as
tests/breaches/test_warnings.py's, shared."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask


class Collector:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def take(self) -> list[EmailMessage]:
        taken, self.messages = self.messages, []
        return taken


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_server(request: pytest.FixtureRequest) -> Controller:
    controller = Controller(Collector(), hostname="127.0.0.1", port=free_port())
    controller.start()
    request.addfinalizer(controller.stop)
    return controller


SMTP_KEYS = ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS", "SMTP_USERNAME", "BASE_URL")


@pytest.fixture
def mailbox(app: Flask, smtp_server: Controller) -> Iterator[Collector]:
    handler: Collector = smtp_server.handler
    handler.messages.clear()
    saved = {key: app.config.get(key) for key in SMTP_KEYS}
    app.config.update(SMTP_HOST=smtp_server.hostname, SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False,
                      SMTP_USERNAME="", BASE_URL="https://bio.example.nl")
    try:
        yield handler
    finally:
        app.config.update(saved)


LINK_RE = re.compile(r"https://bio\.example\.nl(/wachtwoord-instellen/[A-Za-z0-9_-]+)")


def link_in(message: EmailMessage) -> str:
    """The path of the one-time link in an e-mail."""
    match = LINK_RE.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)
