"""The distribution an operator installs (``pip install .``, not editable) holds what it needs."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out),  # noqa: S603
                             str(ROOT)], capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    return zipfile.ZipFile(next(out.glob("bio_register-*.whl")))


def test_the_migrations_are_in_the_package(wheel: zipfile.ZipFile) -> None:
    """``bio-register init`` after a non-editable install failed: "Path doesn't exist: …/migrations"."""
    names = set(wheel.namelist())
    for name in ("alembic.ini", "env.py", "script.py.mako"):
        assert f"bio_register/migrations/{name}" in names
    versions = sorted(p.name for p in (ROOT / "bio_register" / "migrations" / "versions").glob("*.py"))
    assert versions and all(f"bio_register/migrations/versions/{v}" in names for v in versions)


def test_runtime_dependencies_include_what_production_uses(wheel: zipfile.ZipFile) -> None:
    """defusedxml (safe spreadsheet XML) and redis (BIO_REGISTER_RATELIMIT_STORAGE=redis://…) came
    only with the test extra, or not at all."""
    metadata_name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    metadata = Parser().parsestr(wheel.read(metadata_name).decode())
    runtime = {re.match(r"[A-Za-z0-9_.-]+", req).group(0).lower()  # type: ignore[union-attr]
               for req in metadata.get_all("Requires-Dist", []) if "extra ==" not in req}
    assert {"defusedxml", "redis"} <= runtime
