from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bio_register import create_app
from bio_register.config import SETTINGS, ConfigError, load_settings


def test_defaults_use_sqlite_and_a_generated_secret_in_instance(tmp_path: Path) -> None:
    env = {"BIO_REGISTER_INSTANCE_PATH": str(tmp_path / "inst")}
    settings = load_settings(env)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'bio_register.sqlite3'}"
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.read_text().strip() == settings["SECRET_KEY"]
    assert len(settings["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # kept across restarts
    assert load_settings(env)["SECRET_KEY"] == settings["SECRET_KEY"]


def test_each_installation_gets_its_own_secret(tmp_path: Path) -> None:
    one = load_settings({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path / "a")})["SECRET_KEY"]
    two = load_settings({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path / "b")})["SECRET_KEY"]
    assert one != two


def test_environment_overrides(tmp_path: Path) -> None:
    settings = load_settings({
        "BIO_REGISTER_INSTANCE_PATH": str(tmp_path),
        "BIO_REGISTER_DATABASE_URL": "postgresql://u@db.example/bio",
        "BIO_REGISTER_SECRET_KEY": "k" * 40,
        "BIO_REGISTER_BASE_URL": "https://bio.duoplus.nl/",
        "BIO_REGISTER_SMTP_HOST": "smtp.duoplus.nl",
        "BIO_REGISTER_SMTP_PORT": "587",
        "BIO_REGISTER_TIMEZONE": "Europe/Amsterdam",
    })
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/bio"
    assert settings["SECRET_KEY"] == "k" * 40
    assert settings["BASE_URL"] == "https://bio.duoplus.nl"
    assert settings["SESSION_COOKIE_SECURE"] is True  # https base URL
    assert settings["SMTP_PORT"] == 587
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SMTP_PORT", "twenty-five", "SMTP_PORT"),
    ("TIMEZONE", "Mars/Olympus", "TIMEZONE"),
    ("SECRET_KEY", "short", "SECRET_KEY"),
    ("SESSION_IDLE_MINUTES", "half", "SESSION_IDLE_MINUTES"),
    ("SESSION_ABSOLUTE_HOURS", "0", "SESSION_ABSOLUTE_HOURS"),
    ("BACKUP_KEY", "CHANGE-ME", "BACKUP_KEY is too short"),
])
def test_bad_settings_give_a_clear_error(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path), f"BIO_REGISTER_{name}": value})


def test_create_app_reads_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIO_REGISTER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("BIO_REGISTER_DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith(f"sqlite:///{tmp_path}")
    assert app.instance_path == str(tmp_path)
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_readme_documents_every_setting() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for _name, suffix, _default, _description in SETTINGS:
        assert f"BIO_REGISTER_{suffix}" in readme, f"README lacks BIO_REGISTER_{suffix}"


def test_no_secret_key_file_in_the_repository() -> None:
    root = Path(__file__).resolve().parent.parent
    assert not (root / "secret_key").exists()
    assert "instance/" in (root / ".gitignore").read_text()


def test_behind_a_proxy_the_client_address_comes_from_it(tmp_path: Path) -> None:
    from flask import request

    from bio_register.config import load_settings as load

    assert load({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path), "BIO_REGISTER_PROXIES": "1"})["PROXIES"] == 1
    with pytest.raises(ConfigError, match="PROXIES"):
        load({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path), "BIO_REGISTER_PROXIES": "one"})
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k" * 40,
                      "INSTANCE_PATH": str(tmp_path), "PROXIES": 1})
    seen = {}

    @app.route("/whoami")
    def whoami() -> str:
        seen["addr"], seen["scheme"] = request.remote_addr, request.scheme
        return "ok"

    app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "203.0.113.7", "scheme": "https"}
