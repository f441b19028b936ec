"""The settings the README's *Production* section recommends, started as an operator would: in a
process of their own, with the real services (Redis on the machine)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("BIO_REGISTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

SCRIPT = """
import re, sys
from bio_register import create_app
app = create_app()
client = app.test_client()
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
codes = [client.post("/login", data={"email": sys.argv[1], "password": "wrong password %d" % i,
                                     "csrf_token": token}).status_code for i in range(6)]
print(" ".join(map(str, codes)))
"""


def run(*args: str, instance: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, cwd=instance, capture_output=True,  # noqa: S603
                          text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def redis_available() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")


def test_login_limits_counted_in_redis(tmp_path: Path, redis_available: None) -> None:
    """README step 4 (``BIO_REGISTER_RATELIMIT_STORAGE=redis://…``) stopped the app at start-up:
    "'redis' prerequisite not available". Now the limits are kept in Redis, shared by all workers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIO_REGISTER_")}
    env.update(BIO_REGISTER_INSTANCE_PATH=str(tmp_path), BIO_REGISTER_RATELIMIT_STORAGE=REDIS_URL)
    init = run("-c", "from bio_register.cli import main; main()", "init", instance=tmp_path, env=env)
    assert init.returncode == 0, init.stdout + init.stderr
    email = f"nobody-{secrets.token_hex(6)}@example.nl"  # a key of its own in the shared Redis
    result = run("-c", SCRIPT, email, instance=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "200", "200", "200", "200", "429"]
