"""The ``bio-register`` console script as an operator runs it: every command at the top level, in
a process of its own (no test application around it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bio_register.cli import bio, build_cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "docs" / "voorbeeld-incidentregister.csv"


def bio_register(*args: str, instance: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIO_REGISTER_")}
    env["BIO_REGISTER_INSTANCE_PATH"] = str(instance)
    return subprocess.run([sys.executable, "-c", "from bio_register.cli import main; main()", *args],  # noqa: S603
                          env=env, cwd=instance, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def fresh_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new trial installation (SQLite under its own instance folder), initialised by ``init``."""
    instance = tmp_path_factory.mktemp("instance")
    result = bio_register("init", instance=instance)
    assert result.returncode == 0, result.stdout + result.stderr
    return instance


def test_every_bio_command_is_a_top_level_command() -> None:
    assert set(bio.commands) <= set(build_cli().commands)


def test_import_register_runs_at_the_top_level(fresh_instance: Path) -> None:
    """README's form of the command. It used to fail on every file with "Working outside of
    application context" (a command added to the group without the context wrapper)."""
    result = bio_register("import-register", str(SAMPLE), "--organisation", "NOPE", "--dry-run",
                          instance=fresh_instance)
    assert "application context" not in result.stdout + result.stderr
    assert result.returncode != 0 and "NOPE" in result.stdout + result.stderr


def test_the_scheduler_stops_on_sigterm_without_a_traceback(fresh_instance: Path) -> None:
    """systemd stops the scheduler with SIGTERM. It must exit 0 within a few poll intervals, say
    so, and print no traceback: CI's production step once failed on "Exception ignored in
    <function _collection_gced> … KeyboardInterrupt", an interrupt raised from the signal handler
    while the garbage collector ran (the handler now only sets the event every loop waits on)."""
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("BIO_REGISTER_")}
    env.update(BIO_REGISTER_INSTANCE_PATH=str(fresh_instance), BIO_REGISTER_MAIL="off")
    process = subprocess.Popen(
        [sys.executable, "-c", "from bio_register.cli import main; main()", "scheduler", "--poll", "0.2"],
        env=env, cwd=fresh_instance, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        seen = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            seen.append(line)
            if "scheduler running" in line or not line:
                break
        assert any("scheduler running" in line for line in seen), "".join(seen)
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(seen) + rest
    assert process.returncode == 0, output
    assert "Planner gestopt." in output and "scheduler stopped" in output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
