"""The reporting point in the browser: a medewerker reports a suspected incident with the keyboard
and mouse as anyone would, sees its number and status, and the verbindingsofficier of Diemen finds
it in the notices to triage. axe-core checks the pages a medewerker sees."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.helpers import VO, assert_accessible, login, screenshot

MEDEWERKER = "medewerker.diemen@demo.bio-register.nl"
WHAT = "Ik kreeg een mail van de 'servicedesk' en heb op de link geklikt en mijn wachtwoord ingevuld."


def test_a_medewerker_reports_and_the_verbindingsofficier_triages(new_page: Any, live_server: Any) -> None:
    employee = new_page()
    login(employee, live_server, MEDEWERKER)
    # the start page of someone who only reports is the reporting point
    assert employee.get_by_role("heading", name="Meldpunt").count() == 1
    nav = employee.get_by_role("navigation", name="Hoofdmenu")
    assert nav.get_by_role("link", name="Incidenten").count() == 0
    assert_accessible(employee)
    employee.get_by_role("link", name="Wat meld ik, en waarom?").first.click()
    employee.wait_for_url("**/melden/wat-en-waarom")
    assert_accessible(employee)

    nav.get_by_role("link", name="Melden").click()
    employee.wait_for_url("**/melden")
    assert_accessible(employee)
    employee.get_by_role("button", name="Melding versturen").click()          # empty: told what is missing
    assert employee.get_by_text("Beschrijf kort wat er is gebeurd.").count() >= 1
    assert_accessible(employee)
    employee.get_by_label("Wat is er gebeurd?").fill(WHAT)
    employee.get_by_label("Weet ik niet").check()
    employee.get_by_label("Hoe kunnen we u bereiken?").fill("toestel 4321")
    screenshot(employee, "report")
    employee.get_by_role("button", name="Melding versturen").click()
    employee.wait_for_url(re.compile(r"/melden/mijn-meldingen/\d+$"))
    reference = employee.locator("h1 .reference").inner_text()
    assert re.fullmatch(r"DIE-\d{4}-\d{4}", reference)
    assert employee.get_by_text(f"Uw melding is ontvangen onder nummer {reference}").count() == 1
    assert_accessible(employee)

    # the verbindingsofficier of Diemen gets a notice that leads to the incident
    officer = new_page()
    login(officer, live_server, VO)
    officer.get_by_role("link", name=re.compile("^Meldingen")).click()
    officer.get_by_role("link", name=re.compile(f"Nieuwe melding {reference}")).first.click()
    officer.wait_for_url(re.compile(r"/incidenten/\d+$"))
    assert officer.locator("h1 .reference").inner_text() == reference
    assert officer.get_by_text("gemeld via het meldpunt").count() >= 1
    assert officer.get_by_text("Bereikbaar via: toestel 4321.", exact=False).count() == 1
    # triage: the verbindingsofficier takes it into handling; the reporter sees the new status
    officer.get_by_role("button", name=re.compile("behandeling", re.IGNORECASE)).click()
    officer.wait_for_load_state()

    employee.goto("/melden/mijn-meldingen")
    row = employee.locator("table tbody tr").filter(has_text=reference)
    assert "in behandeling" in row.inner_text()
    # and nothing of the incident's handling page is open to them
    assert employee.goto(officer.url.replace(live_server.url, "")).status == 404
