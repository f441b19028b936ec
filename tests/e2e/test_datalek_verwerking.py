"""Issue 20's walk in the browser: the FG links a reported datalek to the verwerking it hit, the
assessment form is prefilled from the verwerkingsregister (categories, verwerker, no retyping), the
verwerking's page lists the datalek, and the copy for the AP meldformulier carries what the register
knew — accessible on each page (axe-core)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.e2e.helpers import FG, VO, assert_accessible, login, screenshot
from tests.e2e.test_flows import _local_input, log_datalek

TITLE = "E2E: parkeervergunningen naar verkeerde adressen gemaild"


def test_the_fg_links_a_datalek_to_a_verwerking_and_opens_the_ap_form_copy(new_page: Any,
                                                                           live_server: Any) -> None:
    vo = new_page()
    login(vo, live_server, VO)
    discovered = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    incident_id = log_datalek(vo, TITLE, discovered)

    fg = new_page()
    login(fg, live_server, FG)
    fg.goto(f"/incidenten/{incident_id}/datalek")
    section = fg.locator("#verwerkingen")
    assert "Nog geen verwerkingen gekoppeld" in section.inner_text()
    section.locator("summary", has_text="Verwerkingen koppelen").click()
    section.get_by_label("Parkeervergunningen").check()
    section.get_by_role("button", name="Koppeling opslaan").click()
    fg.wait_for_load_state()
    section = fg.locator("#verwerkingen")
    assert section.get_by_role("link", name="Parkeervergunningen").is_visible()
    proposal = section.locator(".proposal").inner_text()
    assert "ParkeerDienst B.V." in proposal and "Financiële gegevens" in proposal
    assert_accessible(fg)
    screenshot(fg, "datalek-verwerkingen")

    # Not yet assessed: the form already holds what the verwerking knows; the FG adds the rest.
    combined = fg.locator("#combined")
    assert combined.get_by_label("Financiële gegevens").is_checked()
    assert combined.get_by_label("Locatiegegevens").is_checked()
    assert combined.get_by_label("Naam van de verwerker").input_value() == "ParkeerDienst B.V."
    combined.get_by_label("Bewust geworden op").fill(_local_input(discovered))
    combined.get_by_label("Aantal betrokkenen (ongeveer)").fill("40")
    combined.get_by_label(re.compile("Inbreuk op de vertrouwelijkheid")).check()
    decision = fg.locator("#combined-decision")
    decision.get_by_label("Ja").check()
    decision.get_by_label("Motivering").fill("Adres- en kentekengegevens van 40 bewoners bij onbekenden.")
    combined.get_by_role("button", name="Opslaan").click()
    fg.wait_for_load_state()
    assert fg.get_by_text("Nog niet beoordeeld.").count() == 0

    # The copy for the AP's form carries the verwerker and the categories from the register.
    fg.locator("#ap").get_by_role("link", name="Kopie voor het AP-meldformulier").click()
    fg.wait_for_url(re.compile(rf"/incidenten/{incident_id}/datalek/ap-formulier$"))
    answers = "\n".join(fg.locator("pre[data-copy]").all_inner_texts())
    assert "ParkeerDienst B.V." in answers
    assert "Financiële gegevens" in answers and "Locatiegegevens" in answers
    assert_accessible(fg)

    # The verwerking's page lists the datalek: a signal for its DPIA.
    fg.goto(f"/incidenten/{incident_id}/datalek")
    fg.locator("#verwerkingen").get_by_role("link", name="Parkeervergunningen").click()
    fg.wait_for_url(re.compile(r"/verwerkingen/\d+$"))
    leaks = fg.locator("#datalekken")
    assert leaks.get_by_role("link", name=re.compile(TITLE)).is_visible()
    assert "nog geen DPIA" in leaks.inner_text()
    assert_accessible(fg)
