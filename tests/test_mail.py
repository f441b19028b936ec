"""How e-mail leaves: SMTP, switched off, or — in the development server only — the console and the
*Verzonden e-mail (ontwikkeling)* page. Production never sends nowhere silently: without SMTP it
does not start unless e-mail is switched off explicitly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register.config import ConfigError, load_settings, mail_transport, require_mail
from bio_register.extensions import db
from bio_register.notifications import delivery
from bio_register.notifications import services as notifications
from bio_register.notifications.models import OutboxMessage
from bio_register.pipeline import MARK, Guard
from tests import factories
from tests.conftest import login, make_app

ROOT = Path(__file__).resolve().parent.parent

NO_SMTP = {"SMTP_HOST": "", "MAIL": ""}


@pytest.fixture
def mail_config(app: Flask) -> Iterator[dict[str, Any]]:
    """The application's configuration, with no SMTP unless a test sets one (restored after)."""
    saved = {key: app.config.get(key) for key in ("SMTP_HOST", "MAIL", "DEVELOPMENT")}
    app.config.update(NO_SMTP, DEVELOPMENT=False)
    try:
        yield app.config
    finally:
        app.config.update(saved)


def queue(subject: str = "Nieuw datalek DIE-2026-0001: Brief naar verkeerd adres", body: str = "Openen: …") -> int:
    message = notifications.queue_email("fg@example.nl", subject, body)
    db.session.commit()
    return message.id


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- choosing the transport ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("settings", "transport"), [
    ({"SMTP_HOST": "smtp.duoplus.nl"}, "smtp"),
    ({"SMTP_HOST": "smtp.duoplus.nl", "DEVELOPMENT": True}, "smtp"),
    ({}, ""),                                               # production without SMTP: nothing
    ({"DEVELOPMENT": True}, "console"),                     # the development server without SMTP
    ({"MAIL": "off"}, "off"),
    ({"MAIL": "off", "SMTP_HOST": "smtp.duoplus.nl"}, "off"),
])
def test_the_transport_follows_the_configuration(settings: dict[str, Any], transport: str) -> None:
    assert mail_transport({**NO_SMTP, "DEVELOPMENT": False, **settings}) == transport


def test_smtp_is_no_longer_assumed_on_localhost(tmp_path: Path) -> None:
    settings = load_settings({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path)})
    assert settings["SMTP_HOST"] == "" and settings["MAIL"] == "" and settings["DEVELOPMENT"] is False
    assert mail_transport(settings) == ""


@pytest.mark.parametrize(("env", "message"), [
    ({"BIO_REGISTER_MAIL": "pigeon"}, "BIO_REGISTER_MAIL must be one of smtp, off, console"),
    ({"BIO_REGISTER_MAIL": "smtp"}, "BIO_REGISTER_MAIL=smtp needs BIO_REGISTER_SMTP_HOST"),
])
def test_a_bad_mail_setting_is_named(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path), **env})


def test_production_requires_smtp_or_mail_switched_off() -> None:
    with pytest.raises(ConfigError, match=r"No e-mail server configured: set BIO_REGISTER_SMTP_HOST.*MAIL=off"):
        require_mail({**NO_SMTP, "DEVELOPMENT": False})
    with pytest.raises(ConfigError, match="MAIL=console is for the development server"):
        require_mail({**NO_SMTP, "MAIL": "console", "DEVELOPMENT": False})
    require_mail({**NO_SMTP, "SMTP_HOST": "smtp.duoplus.nl"})
    require_mail({**NO_SMTP, "MAIL": "off"})
    require_mail({**NO_SMTP, "DEVELOPMENT": True})            # the development server: the console


# --- sending -----------------------------------------------------------------------------------------------------

def test_the_console_transport_prints_the_whole_message_clearly_marked(
        mail_config: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    mail_config["DEVELOPMENT"] = True
    factories.organisation("DIE")
    message_id = queue(body="De FG beoordeelt dit datalek.\nOpenen: http://127.0.0.1:5000/incidenten/1")
    assert delivery.deliver(mail_config) == (1, 0)
    printed = capsys.readouterr().out
    assert notifications.CONSOLE_BEGIN in printed and notifications.CONSOLE_END in printed
    block = printed[printed.index(notifications.CONSOLE_BEGIN):printed.index(notifications.CONSOLE_END)]
    assert "Aan:       fg@example.nl" in block
    assert "Onderwerp: Nieuw datalek DIE-2026-0001: Brief naar verkeerd adres" in block
    assert "De FG beoordeelt dit datalek.\nOpenen: http://127.0.0.1:5000/incidenten/1" in block
    (message,) = outbox()
    assert message.id == message_id and message.sent_at is not None and message.last_error is None


def test_without_smtp_in_production_the_message_waits_in_the_outbox(
        mail_config: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    queue()
    assert delivery.deliver(mail_config) == (0, 1)
    (message,) = outbox()
    assert message.sent_at is None and message.attempts == 1
    assert message.last_error == "MailNotConfigured: no e-mail server configured (BIO_REGISTER_SMTP_HOST)"
    assert capsys.readouterr().out == ""                      # never printed outside development


def test_with_mail_switched_off_nothing_is_sent_or_printed(
        mail_config: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    mail_config["MAIL"] = "off"
    queue()
    assert delivery.deliver(mail_config) == (1, 0)            # handled: no backlog piles up
    assert capsys.readouterr().out == ""
    assert delivery.deliver(mail_config) == (0, 0)


# --- production processes refuse to start without a way to send --------------------------------------------------

def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIO_REGISTER_")}
    env.update(BIO_REGISTER_INSTANCE_PATH=str(tmp_path), PYTHONPATH=str(ROOT), **settings)
    return env


def test_gunicorn_does_not_start_without_smtp_unless_mail_is_off(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "gunicorn", "--check-config", "bio_register.wsgi:app"]
    refused = subprocess.run(command, cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True,  # noqa: S603
                             timeout=120, check=False)
    assert refused.returncode != 0
    assert "No e-mail server configured: set BIO_REGISTER_SMTP_HOST" in refused.stdout + refused.stderr
    for settings in ({"BIO_REGISTER_MAIL": "off"}, {"BIO_REGISTER_SMTP_HOST": "smtp.example.nl"}):
        started = subprocess.run(command, cwd=tmp_path, env=_env(tmp_path, **settings), capture_output=True,  # noqa: S603
                                 text=True, timeout=120, check=False)
        assert started.returncode == 0, started.stdout + started.stderr


@pytest.mark.parametrize("command", [["scheduler"], ["send-mail"], ["check-deadlines"]])
def test_the_commands_that_send_refuse_without_smtp(mail_config: dict[str, Any], app: Flask,
                                                     command: list[str]) -> None:
    result = app.test_cli_runner().invoke(args=["bio", *command])
    assert result.exit_code == 1
    assert "No e-mail server configured" in result.output


def test_send_mail_sends_the_outbox(mail_config: dict[str, Any], app: Flask) -> None:
    """``bio-register send-mail`` imported a function that no longer existed, and crashed."""
    mail_config["MAIL"] = "off"
    queue()
    result = app.test_cli_runner().invoke(args=["bio", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "E-mails verzonden: 1; mislukt (volgende keer opnieuw): 0" in result.output


# --- the development server's page -------------------------------------------------------------------------------

@pytest.fixture
def dev_app(app: Flask, tmp_path: Path, mail_config: dict[str, Any]) -> Flask:
    """The development server's application (as ``bio-register serve`` makes it), on the test database."""
    return make_app(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path), DEVELOPMENT=True, **NO_SMTP)


def test_the_page_lists_the_printed_mail_newest_first_paged(dev_app: Flask) -> None:
    factories.organisation("DUO")
    beheerder = factories.user([("beheerder", "DUO")])
    for number in range(1, 28):
        queue(subject=f"Bericht {number:02d}", body=f"Inhoud van bericht {number:02d}")
    assert delivery.deliver(dev_app.config) == (27, 0)
    client = dev_app.test_client()
    login(client, beheerder.email, factories.PASSWORD)
    first = client.get("/beheer/verzonden-e-mail")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "Verzonden e-mail (ontwikkeling)" in html and "27 e-mails" in html
    subjects = re.findall(r"<h2>Bericht (\d\d)</h2>", html)
    assert subjects == [f"{n:02d}" for n in range(27, 2, -1)]  # newest first, 25 a page
    assert "Inhoud van bericht 27" in html and "in de console getoond op" in html
    assert 'href="/beheer/verzonden-e-mail"' in html             # in the beheerder's menu
    second = client.get("/beheer/verzonden-e-mail?page=2").get_data(as_text=True)
    assert re.findall(r"<h2>Bericht (\d\d)</h2>", second) == ["02", "01"]


@pytest.mark.parametrize(("roles", "status"), [
    (None, 302), ([], 403), ([("verbindingsofficier", "DIE")], 403), ([("fg", "DIE")], 403),
    ([("ciso", "DIE")], 403), ([("concern_control", "DUO")], 403), ([("beheerder", "DUO")], 200),
])
def test_only_the_beheerder_opens_the_page(dev_app: Flask, roles: list[tuple[str, str]] | None,
                                           status: int) -> None:
    for code in ("DUO", "DIE"):
        factories.organisation(code)
    client = dev_app.test_client()
    if roles is not None:
        login(client, factories.user(roles).email, factories.PASSWORD)
    assert client.get("/beheer/verzonden-e-mail").status_code == status


def test_the_page_goes_through_the_pipeline(dev_app: Flask) -> None:
    guard = getattr(dev_app.view_functions["dev_mail.outbox"], MARK)
    assert isinstance(guard, Guard) and guard.sign_in and guard.permission is not None


def test_in_production_the_page_does_not_exist(app: Flask, client: FlaskClient) -> None:
    assert "dev_mail.outbox" not in app.view_functions
    factories.organisation("DUO")
    beheerder = factories.user([("beheerder", "DUO")])
    login(client, beheerder.email, factories.PASSWORD)
    assert client.get("/beheer/verzonden-e-mail").status_code == 404
    assert "verzonden-e-mail" not in client.get("/").get_data(as_text=True)


def test_with_smtp_the_development_server_has_no_such_page(app: Flask, tmp_path: Path) -> None:
    smtp_app = make_app(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path), DEVELOPMENT=True,
                        SMTP_HOST="smtp.example.nl")
    assert "dev_mail.outbox" not in smtp_app.view_functions


# --- serve --demo: the newcomer sees the mail and the scheduler's work -------------------------------------------

def test_serve_demo_prints_the_mail_and_runs_the_scheduler(tmp_path: Path) -> None:
    """``serve --demo`` used to run no scheduler and to fail every e-mail with "Connection refused"."""
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    port = _free_port()
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", "from bio_register.cli import main; main()", "serve", "--demo", "--port", str(port)],
            cwd=tmp_path, env=_env(tmp_path), stdout=stdout, stderr=stderr)
        try:
            deadline = time.monotonic() + 300  # three jobs at once on SQLite: minutes on a loaded machine
            while time.monotonic() < deadline and server.poll() is None:
                if err.read_text().count("report(s) generated") == 2 and "job deadline-warnings" in err.read_text():
                    break
                time.sleep(0.5)
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=90)
    printed, logged = out.read_text(), err.read_text()
    assert code == 0, printed + logged
    assert "scheduler running (file lock" in logged
    assert re.search(r"job quarterly-reports: [1-9]\d* report\(s\) generated", logged), logged
    warnings = r"job deadline-warnings: [1-9]\d* warning\(s\), [1-9]\d* e-mail\(s\) sent, 0 failed"
    assert re.search(warnings, logged), logged
    assert "scheduler stopped" in logged                        # SIGTERM stops the thread cleanly
    assert notifications.CONSOLE_BEGIN in printed and "Aan:       fg@demo.bio-register.nl" in printed
    assert f"Openen: http://127.0.0.1:{port}/incidenten/" in printed   # links lead to this server


def test_serve_demo_without_the_scheduler(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bio_register import cli

    started: list[Any] = []

    def fake_run_simple(*args: Any, **kwargs: Any) -> None:
        started.append(args)

    runner = CliRunner()
    env = {"BIO_REGISTER_INSTANCE_PATH": str(tmp_path), "BIO_REGISTER_SMTP_HOST": "", "BIO_REGISTER_MAIL": ""}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("werkzeug.serving.run_simple", fake_run_simple)
        patch.setattr(cli, "_stop_on_sigterm", lambda: None)
        patch.setattr(cli, "create_demo_data", lambda: [("a@example.nl", "pw", "beheerder@DUO")])
        result = runner.invoke(cli.build_cli(), ["serve", "--demo", "--no-scheduler"], env=env)
    assert result.exit_code == 0, result.output
    assert "Planner draait in dit proces" not in result.output
    assert "elke e-mail verschijnt hieronder" in result.output
    (args,) = started
    assert args[2].config["DEVELOPMENT"] is True and args[2].config["DEV_OUTBOX"] is True


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
