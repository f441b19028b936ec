"""The README shows the screenshots there are (scripts/screenshots makes them), and only those."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_shows_every_screenshot_and_no_missing_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    referenced = set(re.findall(r"\]\(docs/screenshots/([^)]+)\)", readme))
    present = {path.name for path in (ROOT / "docs" / "screenshots").iterdir()}
    assert referenced - present == set(), "the README shows screenshots that are not there"
    assert present - referenced == set(), "screenshots the README does not show"
    assert len(present) >= 30
