"""HTTPS to the checked address: the connection goes to the IP address that was resolved and
checked, while TLS still verifies the receiver's certificate against the name in the URL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask
from sqlalchemy import select

from bio_register.extensions import db
from bio_register.notifications.models import OutboxMessage
from bio_register.scheduler import deliver_webhooks
from bio_register.webhooks import sending
from bio_register.webhooks import services as webhooks
from tests import factories
from tests.webhooks.receiver import Receiver


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for the name ``webhook.test``: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "webhook.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("webhook.test")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder: Path = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


@pytest.fixture
def https_receiver(certificate) -> Iterator[Receiver]:
    server = Receiver().start(tls=certificate)
    yield server
    server.stop()


def _deliver(app: Flask, host: str, receiver: Receiver) -> OutboxMessage:
    port = receiver.server.server_address[1]
    endpoint = factories.webhook("DIE", url=f"https://{host}:{port}/bio-hook", events=[webhooks.INCIDENT_LOGGED])
    receiver.secret = endpoint.secret
    factories.incident("DIE")
    deliver_webhooks(app)
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.webhook_endpoint_id == endpoint.id)).one()


def test_https_goes_to_the_checked_address_and_checks_the_certificate_against_the_name(
        app: Flask, https_receiver, certificate, loopback, dns, monkeypatch) -> None:
    monkeypatch.setattr(sending, "CA_BUNDLE", certificate[0])
    dns["webhook.test"] = ["127.0.0.1"]
    message = _deliver(app, "webhook.test", https_receiver)
    assert webhooks.delivery_status(message) == "afgeleverd" and message.http_status == 204
    [received] = https_receiver.received
    assert received.verified and received.headers["Host"].startswith("webhook.test:")


def test_a_certificate_for_another_name_is_refused(app: Flask, https_receiver, certificate, loopback, dns,
                                                   monkeypatch) -> None:
    monkeypatch.setattr(sending, "CA_BUNDLE", certificate[0])
    dns["other.test"] = ["127.0.0.1"]
    message = _deliver(app, "other.test", https_receiver)
    assert webhooks.delivery_status(message) == "opnieuw" and "SSLError" in message.last_error
    assert https_receiver.received == []


def test_an_untrusted_certificate_is_refused(app: Flask, https_receiver, loopback, dns) -> None:
    dns["webhook.test"] = ["127.0.0.1"]
    message = _deliver(app, "webhook.test", https_receiver)
    assert webhooks.delivery_status(message) == "opnieuw" and "SSLError" in message.last_error
    assert https_receiver.received == []
