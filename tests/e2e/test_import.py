"""The register import in the browser: upload the sample, map, preview, import; axe on every step."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.e2e.helpers import VO, assert_accessible, login

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "voorbeeld-incidentregister.csv"


def test_a_verbindingsofficier_imports_the_sample_register(page: Any, live_server: Any) -> None:
    rows = len([line for line in SAMPLE.read_text(encoding="utf-8-sig").splitlines()[1:] if line.strip()])
    login(page, live_server, VO)
    page.goto("/incidenten/importeren")
    assert_accessible(page)
    page.set_input_files("input[type=file]", str(SAMPLE))
    page.get_by_role("button", name="Verder: kolommen koppelen").click()
    page.wait_for_url(re.compile(r"/importeren/\d+/kolommen$"))
    assert_accessible(page)
    page.get_by_role("button", name="Verder: controleren").click()
    page.wait_for_url(re.compile(r"/importeren/\d+/controle$"))
    assert_accessible(page)
    page.get_by_role("button", name="Stap 4: alle rijen importeren").click()
    status = page.get_by_role("status")
    status.wait_for()
    assert f"{rows} incidenten uit voorbeeld-incidentregister.csv zijn vastgelegd" in status.inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Naar de incidenten").click()
    page.get_by_label("Zoeken").fill("Phishingmail met link naar nep-inlogpagina")
    page.keyboard.press("Enter")
    page.locator("table tbody tr a", has_text="Phishingmail").first.click()
    assert "2021-02" in page.locator("main").inner_text()  # the number in the old register is kept
