"""The FG in the verwerkingsregister: the menu, the list, a verwerking, the verwerkers needing
attention, and the art. 9 rule on the form — accessible on each page (axe-core)."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.helpers import FG, VO, assert_accessible, login


def test_the_fg_keeps_the_verwerkingsregister(page: Any, live_server: Any) -> None:
    login(page, live_server, FG)
    page.goto("/")
    page.get_by_role("link", name="Verwerkingen", exact=True).click()
    page.wait_for_url(re.compile(r"/verwerkingen$"))
    assert_accessible(page)
    page.get_by_role("link", name="Jeugdhulp").click()
    page.wait_for_url(re.compile(r"/verwerkingen/\d+$"))
    assert page.get_by_text("h. gezondheidszorg, sociale zorg of behandeling").is_visible()
    assert_accessible(page)

    page.goto("/verwerkers")
    heading = page.get_by_role("heading", name="Verwerkersovereenkomsten die aandacht vragen")
    attention = page.locator("section", has=heading)
    assert attention.get_by_text("ParkeerDienst B.V.").is_visible()
    assert_accessible(page)

    page.goto("/verwerkingen/nieuw")
    assert_accessible(page)
    page.get_by_label("Organisatie").select_option("DIE")
    page.get_by_label("Naam van de verwerking").fill("Wmo-maatwerkvoorzieningen")
    page.get_by_label("Doel").fill("Beoordelen en toekennen van maatwerkvoorzieningen (Wmo 2015).")
    page.get_by_label("Grondslag (art. 6 AVG)").select_option("wettelijke_verplichting")
    page.get_by_label("Gezondheid").check()
    page.get_by_role("button", name="Verwerking vastleggen").click()
    assert page.get_by_text("uitzonderingsgrond uit art. 9 lid 2").first.is_visible()
    assert_accessible(page)
    page.get_by_label("Uitzonderingsgrond (art. 9 lid 2 AVG)").select_option("zorg")
    page.get_by_role("button", name="Verwerking vastleggen").click()
    page.wait_for_url(re.compile(r"/verwerkingen/\d+$"))
    assert page.get_by_role("heading", name="Wmo-maatwerkvoorzieningen").is_visible()


def test_a_verbindingsofficier_reads_without_editing(page: Any, live_server: Any) -> None:
    login(page, live_server, VO)
    page.goto("/verwerkingen")
    assert page.get_by_role("link", name="Verwerking toevoegen").count() == 0
    page.get_by_role("link", name="Parkeervergunningen").click()
    page.wait_for_url(re.compile(r"/verwerkingen/\d+$"))
    assert page.get_by_role("link", name="Bewerken").count() == 0
