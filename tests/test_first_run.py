"""A production install's first run without demo data, exactly as the README's *Production* section
documents it: ``init`` → ``create-organisation`` → ``create-user --role beheerder:…`` → log in →
everything else in the browser."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest

from tests.accounts.test_two_factor import SECRET_RE
from tests.conftest import csrf_token, make_app
from tests.test_cli_toplevel import bio_register

pytestmark = pytest.mark.committed

ROOT = Path(__file__).resolve().parent.parent


def _cli(instance: Path, *args: str) -> str:
    result = bio_register(*args, instance=instance)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_readme_documents_the_sequence_this_test_runs() -> None:
    production = (ROOT / "README.md").read_text(encoding="utf-8").split("## Production", 1)[1].split("\n## ", 1)[0]
    order = [production.index(step) for step in (
        "bio-register init", "bio-register create-organisation --code DUO",
        "bio-register create-user --email", "--role beheerder:DUO")]
    assert order == sorted(order)


def test_from_init_to_a_beheerder_in_the_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the commands run in the instance folder: this checkout's code, whatever is installed
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    instance = tmp_path / "instance"
    instance.mkdir()
    _cli(instance, "init")
    made = _cli(instance, "create-organisation", "--code", "DUO", "--name", "Duo+")
    assert "Organisatie DUO (Duo+) aangemaakt" in made
    out = _cli(instance, "create-user", "--email", "beheer@duo.example", "--name", "Bea Beheer",
               "--role", "beheerder:DUO")
    password = re.search(r"Wachtwoord: (\S+)", out).group(1)

    app = make_app(f"sqlite:///{instance / 'bio_register.sqlite3'}", str(instance))
    client = app.test_client()
    response = client.post("/login", data={"email": "beheer@duo.example", "password": password,
                                           "csrf_token": csrf_token(client, "/login")})
    # the functioneel beheerder sets up the second factor straight after the password
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/totp/instellen")
    page = client.get("/login/totp/instellen").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    enrolled = client.post("/login/totp/instellen", data={
        "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(client, "/login/totp/instellen")})
    assert enrolled.status_code == 200
    # the password create-user printed is replaced by the beheerder's own before anything else
    forced = client.get("/organisaties")
    assert forced.status_code == 302 and forced.headers["Location"].endswith("/account/password")
    changed = client.post("/account/password", data={
        "current_password": password, "password": "Een eigen wachtzin van Bea 2026",
        "repeat": "Een eigen wachtzin van Bea 2026", "csrf_token": csrf_token(client, "/account/password")})
    assert changed.status_code == 302

    organisations = client.get("/organisaties")
    assert organisations.status_code == 200
    html = organisations.get_data(as_text=True)
    assert "Duo+" in html and "Organisatie toevoegen" in html
    # and the rest in the browser: a municipality below Duo+
    created = client.post("/organisaties/nieuw", data={
        "parent": "DUO", "code": "DIE", "name": "Gemeente Diemen",
        "csrf_token": csrf_token(client, "/organisaties/nieuw")}, follow_redirects=True)
    assert created.status_code == 200 and "Gemeente Diemen" in created.get_data(as_text=True)
    assert "Gemeente Diemen" in client.get("/organisaties").get_data(as_text=True)
