from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from bio_register.webhooks import sending
from tests.webhooks.receiver import Receiver

#: a public address for the names the tests use (no DNS lookup leaves the machine)
PUBLIC = "93.184.216.34"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def loopback(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhooks to this machine allowed, as in the tests' and the development server's configuration."""
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_LOOPBACK", True)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names resolved from this table (a literal IP address resolves to itself); any other name: not found."""
    table: dict[str, list[str]] = {"hooks.example.nl": [PUBLIC]}

    def resolve(host: str, port: int) -> list[str]:
        import ipaddress

        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        if host not in table:
            raise OSError("not found")
        return table[host]

    monkeypatch.setattr(sending, "resolve", resolve)
    return table
