"""Issue 16's whole path in the browser: the functioneel beheerder invites a new colleague as
medewerker of Diemen; the colleague opens the link from the e-mail, chooses a password, logs in and
reports a suspected incident; the verbindingsofficier of Diemen finds it among the notices to
triage. Nobody ever sees a password chosen by someone else. axe-core checks the pages on the way.

The test server sends no e-mail (nothing listens on its SMTP port): the invitation waits in the
outbox, where this test reads the link as the colleague would read it in the mailbox."""

from __future__ import annotations

import re
import sqlite3
from typing import Any
from urllib.parse import urlsplit

from tests.e2e.helpers import BEHEERDER, VO, assert_accessible, login, screenshot

NEW_EMAIL = "nieuwe.collega@diemen.example.nl"
NEW_PASSWORD = "Mijn eigen wachtzin voor het meldpunt 2026"
WHAT = "Er lag een USB-stick met het logo van de gemeente op de parkeerplaats; ik heb hem niet gebruikt."


def _invitation_link(server: Any) -> str:
    with sqlite3.connect(server.database) as connection:
        row = connection.execute("SELECT body FROM outbox_messages WHERE recipient = ? ORDER BY id DESC",
                                 (NEW_EMAIL,)).fetchone()
    assert row is not None, "no invitation in the outbox"
    found = re.search(r"https?://\S+/wachtwoord-instellen/\S+", row[0])
    assert found, row[0]
    return urlsplit(found.group(0)).path                   # the e-mail names the configured address


def test_a_beheerder_invites_the_colleague_reports_and_the_officer_triages(new_page: Any, live_server: Any) -> None:
    beheerder = new_page()
    login(beheerder, live_server, BEHEERDER)
    beheerder.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Gebruikers").click()
    beheerder.wait_for_url("**/gebruikers")
    assert_accessible(beheerder)
    beheerder.get_by_role("link", name=re.compile("uitnodigen", re.IGNORECASE)).first.click()
    beheerder.wait_for_url("**/gebruikers/uitnodigen")
    beheerder.get_by_label("E-mailadres").fill(NEW_EMAIL)
    beheerder.get_by_label("Naam").fill("Nieuwe Collega")
    beheerder.get_by_label("Organisatie").select_option("DIE")
    beheerder.get_by_label("Rol").select_option("medewerker")
    assert_accessible(beheerder)
    screenshot(beheerder, "people-invite")
    beheerder.get_by_role("button", name="Uitnodigen").click()
    beheerder.wait_for_url(re.compile(r"/gebruikers/\d+$"))
    assert beheerder.get_by_text(NEW_EMAIL).count() >= 1
    assert NEW_PASSWORD not in beheerder.content()
    # the invitation is in the audit log, with who did it
    beheerder.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Auditlog").click()
    beheerder.wait_for_url("**/beheer/auditlog")
    assert beheerder.get_by_text(NEW_EMAIL).count() >= 1
    assert_accessible(beheerder)
    screenshot(beheerder, "audit-log")
    beheerder.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Gebruikers").click()
    beheerder.wait_for_url("**/gebruikers")
    screenshot(beheerder, "people")

    # the colleague follows the link from the e-mail and chooses a password
    colleague = new_page()
    colleague.goto(_invitation_link(live_server))
    colleague.wait_for_url("**/wachtwoord-instellen")            # the token left the address bar at once
    assert_accessible(colleague)
    colleague.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
    colleague.get_by_label("Herhaal het wachtwoord").fill(NEW_PASSWORD)
    colleague.get_by_role("button", name="Wachtwoord opslaan").click()
    colleague.wait_for_url("**/login")
    # the link works once
    again = new_page()
    assert again.goto(_invitation_link(live_server)).status in {200, 302, 410}
    again.wait_for_load_state()
    assert again.get_by_role("button", name="Wachtwoord opslaan").count() == 0

    live_server.passwords[NEW_EMAIL] = NEW_PASSWORD
    login(colleague, live_server, NEW_EMAIL)
    assert colleague.get_by_role("heading", name="Meldpunt").count() == 1     # a medewerker starts here
    colleague.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Melden").click()
    colleague.wait_for_url("**/melden")
    colleague.get_by_label("Wat is er gebeurd?").fill(WHAT)
    colleague.get_by_role("radio", name="Nee").check()
    colleague.get_by_role("button", name="Melding versturen").click()
    colleague.wait_for_url(re.compile(r"/melden/mijn-meldingen/\d+$"))
    reference = colleague.locator("h1 .reference").inner_text()
    assert re.fullmatch(r"DIE-\d{4}-\d{4}", reference)

    officer = new_page()
    login(officer, live_server, VO)
    officer.get_by_role("link", name=re.compile("^Meldingen")).click()
    officer.get_by_role("link", name=re.compile(f"Nieuwe melding {reference}")).first.click()
    officer.wait_for_url(re.compile(r"/incidenten/\d+$"))
    assert officer.locator("h1 .reference").inner_text() == reference
    assert officer.get_by_text("USB-stick", exact=False).count() >= 1
