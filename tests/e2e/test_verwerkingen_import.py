"""The FG imports the sample verwerkingsregister in the browser: upload, map, preview, import; axe on
every step. (Into Ouder-Amstel: Diemen's demo register already has a verwerking of the sample's name.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.e2e.helpers import FG, assert_accessible, login

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "voorbeeld-verwerkingsregister.xlsx"


def test_the_fg_imports_the_sample_verwerkingsregister(page: Any, live_server: Any) -> None:
    login(page, live_server, FG)
    page.goto("/verwerkingen")
    page.get_by_role("link", name="Register importeren").click()
    page.wait_for_url(re.compile(r"/verwerkingen/importeren$"))
    assert_accessible(page)
    page.get_by_label("Organisatie").select_option("OA")
    page.set_input_files("input[type=file]", str(SAMPLE))
    page.get_by_role("button", name="Verder: kolommen koppelen").click()
    page.wait_for_url(re.compile(r"/verwerkingen/importeren/\d+/kolommen$"))
    assert_accessible(page)
    page.get_by_role("button", name="Verder: controleren").click()
    page.wait_for_url(re.compile(r"/verwerkingen/importeren/\d+/controle$"))
    assert page.get_by_text("Alle 7 rijen zijn in orde.").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Stap 4: alle rijen importeren").click()
    status = page.get_by_role("status")
    status.wait_for()
    assert "7 verwerkingen uit voorbeeld-verwerkingsregister.xlsx zijn vastgelegd" in status.inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Naar het verwerkingsregister").click()
    page.get_by_role("link", name="Wmo-aanvragen maatwerkvoorzieningen").click()
    page.wait_for_url(re.compile(r"/verwerkingen/\d+$"))
    assert page.get_by_text("h. gezondheidszorg, sociale zorg of behandeling").is_visible()
