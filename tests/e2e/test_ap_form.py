"""The FG fills in the AP meldformulier on a datalek and opens the copy view (issue 20, item 5):
the completeness per section, the answers in the AP form's order, a copy button per answer that
puts the answer on the clipboard — accessible on each page (axe-core)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.helpers import FG, VO, assert_accessible, login, screenshot
from tests.e2e.test_flows import log_datalek

TITLE = "E2E: dossier per post naar verkeerde ontvanger"


def test_the_fg_fills_the_ap_form_and_copies_from_it(new_page: Any, live_server: Any) -> None:
    vo = new_page()
    login(vo, live_server, VO)
    incident_id = log_datalek(vo, TITLE, dt.datetime.now(dt.UTC) - dt.timedelta(hours=5))

    fg = new_page()
    fg.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(fg, live_server, FG)
    fg.goto(f"/incidenten/{incident_id}/datalek")
    section = fg.locator("#ap")
    contact_row = section.locator("tr[data-section='contact']")
    assert "onvolledig" in contact_row.inner_text()
    assert "Naam van de contactpersoon" in contact_row.inner_text()
    assert_accessible(fg)

    edit = fg.locator("#ap-edit")
    edit.get_by_label("Naam van de contactpersoon").fill("Fenna de Vries")
    edit.get_by_label("Functie van de contactpersoon").fill("Functionaris gegevensbescherming")
    edit.get_by_label("Telefoonnummer van de contactpersoon").fill("+31 20 123 4567")
    edit.get_by_label("E-mailadres van de contactpersoon").fill("fg@diemen.example.nl")
    edit.get_by_label("Hoe is het datalek ontdekt?").fill("Een inwoner belde dat hij andermans dossier kreeg.")
    edit.get_by_label("Gestolen").check()
    edit.get_by_label("Aantal betrokkenen: minimaal").fill("50")
    edit.get_by_label("Aantal betrokkenen: maximaal").fill("5")
    edit.get_by_role("button", name="Antwoorden opslaan").click()
    fg.wait_for_load_state()
    # minimum above maximum: the message beside the field, nothing saved
    assert fg.get_by_text(re.compile("groter dan het maximum")).first.is_visible()
    edit = fg.locator("#ap-edit")
    edit.get_by_label("Aantal betrokkenen: maximaal").fill("500")
    edit.get_by_role("button", name="Antwoorden opslaan").click()
    fg.wait_for_url(re.compile(rf"/incidenten/{incident_id}/datalek#ap$"))
    contact = fg.locator("#ap tr[data-section='contact']").inner_text()
    # what the FG filled in is no longer missing; whether a verwerker is involved comes from the assessment
    assert "Naam van de contactpersoon" not in contact and "Of een verwerker betrokken is" in contact
    assert "volledig" in fg.locator("#ap tr[data-section='overig']").inner_text()
    screenshot(fg, "datalek-ap-formulier")

    fg.locator("#ap").get_by_role("link", name="Kopie voor het AP-meldformulier").click()
    fg.wait_for_url(re.compile(rf"/incidenten/{incident_id}/datalek/ap-formulier$"))
    headings = fg.locator("h2").all_inner_texts()
    assert headings[0].startswith("1. Over deze melding") and headings[-1].startswith("10. Overig")
    name_block = fg.locator("pre[data-copy]").filter(has_text="Fenna de Vries")
    assert name_block.is_visible()
    assert fg.locator("pre[data-copy]").filter(has_text="minimaal 50, maximaal 500").is_visible()
    assert_accessible(fg)
    # a copy button beside each answer (added by static/js/ap-copy.js): the answer on the clipboard
    buttons = fg.get_by_role("button", name=re.compile("^Kopieer"))
    assert buttons.count() == fg.locator("pre[data-copy]").count() > 10
    fg.get_by_role("button", name="Kopieer: Naam contactpersoon").click()
    # expect() polls from Python: wait_for_function's string predicate needs eval, which the CSP forbids
    expect(fg.locator(".copy-status")).to_have_text("Gekopieerd: Naam contactpersoon")
    assert fg.evaluate("navigator.clipboard.readText()") == "Fenna de Vries"
    screenshot(fg, "kopie-ap-meldformulier")
