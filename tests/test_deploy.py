"""The deployment files in ``deploy/`` name what the project really has: the units start real entry
points (the ``bio-register`` console script and its commands, gunicorn's application) with options
they accept, run as the dedicated user with the environment file and the hardening, and the nginx
site lets through the largest attachment the application accepts."""

from __future__ import annotations

import ast
import importlib.util
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from bio_register.cli import build_cli
from bio_register.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV_BIN = "/opt/bio-register/venv/bin/"
INSTANCE = "/var/lib/bio-register"
SERVICES = ("bio-register-web.service", "bio-register-scheduler.service", "bio-register-backup.service")
HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
             "PrivateDevices": "yes", "RestrictSUIDSGID": "yes", "CapabilityBoundingSet": "",
             "SystemCallFilter": "@system-service", "UMask": "0077"}


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file: section → key → values (a key may repeat; comments and blank lines skipped)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        assert current is not None, f"{name}: {line!r} before any section"
        key, sep, value = line.partition("=")
        assert sep, f"{name}: {line!r} is not key=value"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(values: dict[str, list[str]], key: str) -> str:
    assert key in values, f"{key} missing"
    (value,) = values[key]
    return value


def exec_start(name: str) -> list[str]:
    return shlex.split(one(unit(name)["Service"], "ExecStart"))


def console_scripts() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    scripts: dict[str, str] = project["scripts"]
    return scripts


# --- the units ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_as_the_dedicated_user_with_the_environment_file(name: str) -> None:
    service = unit(name)["Service"]
    assert one(service, "User") == one(service, "Group") == "bio-register"
    assert one(service, "EnvironmentFile") == "/etc/bio-register/env"
    assert one(service, "WorkingDirectory") == INSTANCE
    assert one(service, "StateDirectory") == INSTANCE.rsplit("/", 1)[1]
    for key, value in HARDENING.items():
        assert one(service, key) == value, f"{name}: {key}={value}"


@pytest.mark.parametrize(("name", "restart"), [("bio-register-web.service", "always"),
                                                ("bio-register-scheduler.service", "always")])
def test_the_long_running_services_restart_and_start_at_boot(name: str, restart: str) -> None:
    sections = unit(name)
    assert one(sections["Service"], "Restart") == restart
    assert float(one(sections["Service"], "RestartSec")) > 0
    assert one(sections["Unit"], "StartLimitBurst")                # no tight restart loop on a bad setting
    assert one(sections["Install"], "WantedBy") == "multi-user.target"


def test_the_console_script_is_the_cli() -> None:
    assert console_scripts()["bio-register"] == "bio_register.cli:main"


@pytest.mark.parametrize(("name", "command"), [("bio-register-scheduler.service", "scheduler"),
                                                ("bio-register-backup.service", "backup")])
def test_bio_register_units_start_real_commands_with_valid_options(name: str, command: str) -> None:
    program, *args = exec_start(name)
    assert program == VENV_BIN + "bio-register" and Path(program).name in console_scripts()
    commands = build_cli().commands
    assert args[0] == command and command in commands, f"bio-register has no command {args[0]!r}"
    commands[command].make_context(f"bio-register {command}", args[1:])  # raises on an unknown option


def test_gunicorn_serves_the_packaged_application_with_valid_options() -> None:
    from gunicorn.config import Config

    program, *args = exec_start("bio-register-web.service")
    assert program == VENV_BIN + "gunicorn"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(re.match(r"gunicorn\b", dependency) for dependency in project["dependencies"])
    parsed = Config().parser().parse_args(args)                     # gunicorn's own parser: exits on a bad option
    (target,) = parsed.args
    module, _, attribute = target.partition(":")
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"{module} is not importable"
    # in the package (not the checkout's wsgi.py), so a non-editable install finds it from any directory
    assert Path(spec.origin).resolve().is_relative_to(ROOT / "bio_register")
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    assigned = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                if isinstance(t, ast.Name)}
    assert attribute in assigned, f"{module} defines no {attribute}"
    assert parsed.bind == ["127.0.0.1:8000"] and int(parsed.workers) >= 2


def test_the_web_unit_counts_the_metrics_of_every_worker() -> None:
    service = unit("bio-register-web.service")["Service"]
    _program, *args = exec_start("bio-register-web.service")
    from gunicorn.config import Config

    parsed = Config().parser().parse_args(args)
    assert parsed.config == "python:bio_register.gunicorn_config"   # its hooks empty the folder at start
    assert importlib.util.find_spec("bio_register.gunicorn_config") is not None
    environment = dict(entry.split("=", 1) for entry in shlex.split(one(service, "Environment")))
    folder = environment["PROMETHEUS_MULTIPROC_DIR"]
    runtime = one(service, "RuntimeDirectory")
    assert folder.startswith(f"/run/{runtime}/")                     # systemd makes (and removes) it


def test_the_checkout_wsgi_module_is_the_same_application() -> None:
    source = (ROOT / "wsgi.py").read_text(encoding="utf-8")
    assert "from bio_register.wsgi import app" in source


def test_the_backup_service_keeps_its_archives_in_the_default_folder() -> None:
    service = unit("bio-register-backup.service")["Service"]
    assert one(service, "Type") == "oneshot"
    assert exec_start("bio-register-backup.service")[1:] == ["backup"]  # → $INSTANCE_PATH/backups
    cleanup = shlex.split(one(service, "ExecStartPost"))
    assert cleanup[:2] == ["/usr/bin/find", f"{INSTANCE}/backups"] and "-delete" in cleanup


def test_the_timer_starts_the_backup_every_night() -> None:
    timer = unit("bio-register-backup.timer")
    assert one(timer["Timer"], "Unit") == "bio-register-backup.service"
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d(:\d\d)?", one(timer["Timer"], "OnCalendar"))
    assert one(timer["Timer"], "Persistent") == "true"
    assert one(timer["Install"], "WantedBy") == "timers.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """``systemd-analyze verify`` in a root of its own, with the programs the units start in place."""
    for program in {exec_start(name)[0] for name in SERVICES}:
        stub = tmp_path / program.lstrip("/")
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
    for tool in ("/usr/bin/find", "/bin/kill"):
        (tmp_path / tool.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tool, tmp_path / tool.lstrip("/"))
    if Path("/usr/lib/systemd/system").is_dir():  # sysinit.target and the other units they order after
        shutil.copytree("/usr/lib/systemd/system", tmp_path / "usr/lib/systemd/system", symlinks=True)
    units = tmp_path / "etc/systemd/system"
    units.mkdir(parents=True)
    names = [*SERVICES, "bio-register-backup.timer"]
    for name in names:
        shutil.copy(DEPLOY / name, units / name)
    result = subprocess.run(["systemd-analyze", "verify", f"--root={tmp_path}", *names],  # noqa: S603, S607
                            cwd=units, capture_output=True, text=True, timeout=60, check=False,
                            env={"SYSTEMD_LOG_LEVEL": "notice", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


# --- the environment file ------------------------------------------------------------------------------------------

def environment_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"env.example: {line!r} is not KEY=value"
            values[key.strip()] = value.strip()
    return values


def test_the_example_environment_names_only_real_settings_and_holds_no_secret() -> None:
    values = environment_example()
    known = {f"BIO_REGISTER_{suffix}" for _name, suffix, _default, _description in SETTINGS}
    assert set(values) <= known, f"unknown settings: {sorted(set(values) - known)}"
    for key in ("BIO_REGISTER_SECRET_KEY", "BIO_REGISTER_SMTP_PASSWORD", "BIO_REGISTER_BACKUP_KEY"):
        assert values[key] == "CHANGE-ME"
    assert ":CHANGE-ME@" in values["BIO_REGISTER_DATABASE_URL"]
    assert values["BIO_REGISTER_INSTANCE_PATH"] == INSTANCE
    assert values["BIO_REGISTER_PROXIES"] == "1"                     # exactly one proxy: nginx
    assert values["BIO_REGISTER_RATELIMIT_STORAGE"].startswith("redis://")
    assert values["BIO_REGISTER_BASE_URL"].startswith("https://")
    assert values["BIO_REGISTER_SMTP_HOST"]                          # production needs mail (or MAIL=off)


def test_a_forgotten_secret_key_placeholder_stops_the_application(tmp_path: Path) -> None:
    from bio_register.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="SECRET_KEY is too short"):
        load_settings({**environment_example(), "BIO_REGISTER_INSTANCE_PATH": str(tmp_path)})


# --- the nginx site ------------------------------------------------------------------------------------------------

def nginx_site() -> str:
    text = (DEPLOY / "nginx" / "bio-register.conf").read_text(encoding="utf-8")
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def megabytes(size: str) -> float:
    number, unit_ = re.fullmatch(r"(\d+)([kKmMgG]?)", size).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1 / 1024 / 1024, "k": 1 / 1024, "m": 1, "g": 1024}[unit_.lower()]


def test_nginx_lets_the_largest_attachment_through() -> None:
    default_mb = int(next(default for name, _s, default, _d in SETTINGS if name == "MAX_ATTACHMENT_MB") or 0)
    (size,) = re.findall(r"client_max_body_size\s+(\S+);", nginx_site())
    # the application's own request limit is the attachment + 1 MB: nginx must not refuse first
    assert megabytes(size) >= default_mb + 1 + 1


def test_nginx_terminates_tls_and_passes_the_real_client_on() -> None:
    site = nginx_site()
    assert re.search(r"listen\s+443\s+ssl", site)
    assert re.search(r"ssl_certificate\s+\S+;", site) and re.search(r"ssl_certificate_key\s+\S+;", site)
    assert re.search(r"return\s+301\s+https://", site)               # plain http only redirects
    for header, value in (("Host", "$http_host"), ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
                          ("X-Forwarded-Proto", "$scheme"), ("X-Forwarded-Host", "$http_host")):
        assert re.search(rf"proxy_set_header\s+{re.escape(header)}\s+{re.escape(value)};", site), header
    (upstream,) = re.findall(r"upstream\s+\w+\s*\{\s*server\s+(\S+?);", site)
    assert upstream == "127.0.0.1:8000"                              # gunicorn's --bind in the web unit


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    """``nginx -t`` on the site as shipped, with a throw-away certificate in place of the real one."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",  # noqa: S603, S607
                    "-subj", "/CN=bio.example.nl", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], capture_output=True, check=True, timeout=60)
    site = (DEPLOY / "nginx" / "bio-register.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/letsencrypt/live/bio.example.nl/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/bio.example.nl/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n  include {tmp_path}/site.conf;\n}}\n")
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],  # noqa: S603, S607
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr


def test_the_readme_describes_every_file() -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file() and path.name != "README.md":
            assert path.relative_to(DEPLOY).as_posix() in readme, f"deploy/README.md does not mention {path.name}"
