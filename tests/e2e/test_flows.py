"""The main flows in a real browser: a datalek from logging to closing, reports, access, login."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.e2e.helpers import (
    CONCERN_CONTROL,
    FG,
    VO,
    VO_UITHOORN,
    assert_accessible,
    login,
    logout,
    screenshot,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TITLE = "E2E: brief met BSN naar verkeerd adres"


def _local_input(moment: dt.datetime) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m-%dT%H:%M")


def _hours(text: str) -> float:
    """ "nog 0,9 uur" or "nog 2 dagen en 3 uur" in hours."""
    days = re.search(r"(\d+) dag", text)
    hours = re.search(r"([\d,]+) uur", text)
    return (int(days.group(1)) * 24 if days else 0) + (float(hours.group(1).replace(",", ".")) if hours else 0)


def log_datalek(page: Any, title: str, discovered: dt.datetime) -> int:
    page.get_by_role("link", name="Incident melden").first.click()
    page.wait_for_url("**/incidenten/nieuw")
    page.get_by_label("Organisatie").select_option(label="Gemeente Diemen")
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Wat is er gebeurd?").fill("Een brief met BSN is naar een verkeerd adres gestuurd.")
    page.get_by_label("Ontdekt op").fill(_local_input(discovered))
    page.get_by_role("group", name=re.compile("persoonsgegevens")).get_by_label("Ja").check()
    page.get_by_role("button", name="Incident vastleggen").first.click()
    page.wait_for_url(re.compile(r"/incidenten/\d+$"))
    assert page.get_by_role("heading", level=1).filter(has_text=title).is_visible()
    return int(page.url.rsplit("/", 1)[1])


def test_datalek_from_logging_to_closing(new_page: Any, live_server: Any) -> None:
    # The verbindingsofficier of Diemen logs a datalek discovered 71 hours ago: one hour left.
    vo = new_page()
    login(vo, live_server, VO)
    discovered = dt.datetime.now(dt.UTC) - dt.timedelta(hours=71)
    incident_id = log_datalek(vo, TITLE, discovered)
    reference = vo.locator("h1 .reference").inner_text() if vo.locator("h1 .reference").count() else ""
    screenshot(vo, "incident")

    # The FG sees it in the overview with the hours left, open ones by the time left.
    fg = new_page()
    login(fg, live_server, FG)
    fg.get_by_role("link", name="Datalekken", exact=True).first.click()
    row = fg.locator("table tbody tr").filter(has_text=TITLE)
    hours = _hours(row.locator(".hours-left").inner_text())
    assert 0 < hours <= 1.1
    assert row.locator(".badge").first.evaluate("e => getComputedStyle(e.parentElement).whiteSpace") == "nowrap"
    # Open datalekken come first, by their AP deadline: ours, with one hour left, heads the running
    # clocks (above it only what is already late or decided earlier, from the demo data).
    left = [_hours(t) for t in fg.locator("table tbody tr .hours-left").all_inner_texts()]
    assert left[0] == hours and left == sorted(left)
    assert TITLE in fg.locator("table tbody tr").filter(has=fg.locator(".hours-left")).first.inner_text()
    # Found by searching its title, too.
    fg.get_by_label("Zoeken").fill("BSN naar verkeerd")
    fg.get_by_label("Stand", exact=True).select_option(label="te beoordelen (nog geen besluit)")
    fg.get_by_role("button", name="Filteren").click()
    fg.wait_for_load_state()
    assert fg.locator("table tbody tr").count() == 1
    fg.locator("table tbody tr").get_by_role("link", name=TITLE).click()
    fg.wait_for_url(f"**/incidenten/{incident_id}/datalek")

    # The facts come first: what happened, as the verbindingsofficier logged it.
    facts = fg.locator("#facts")
    assert "Een brief met BSN is naar een verkeerd adres gestuurd." in facts.inner_text()
    assert facts.bounding_box()["y"] < fg.locator("#assessment").bounding_box()["y"]

    # Assessment and decision in one form: awareness = discovery, some data; notify the AP.
    combined = fg.locator("#combined")
    combined.get_by_label("Bewust geworden op").fill(_local_input(discovered))
    combined.get_by_label("Burgerservicenummer (BSN)").check()
    combined.get_by_label("Aantal betrokkenen (ongeveer)").fill("1")
    combined.get_by_label(re.compile("Inbreuk op de vertrouwelijkheid")).check()
    decision = fg.locator("#combined-decision")
    decision.get_by_label("Ja").check()
    decision.get_by_label("Motivering").fill("BSN verstrekt aan een onbekende: risico voor de betrokkene.")
    combined.get_by_role("button", name="Opslaan").click()
    fg.wait_for_load_state()
    assert fg.get_by_text("Nog niet beoordeeld.").count() == 0
    assert fg.locator("#decision .decisions").inner_text().startswith("Melden")
    notification = fg.locator("#notification")
    notification.get_by_label("Gemeld op").fill(_local_input(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)))
    notification.get_by_label("Meldnummer van de AP").fill("M-E2E-123456")
    notification.get_by_role("button", name="Melding vastleggen").click()
    fg.wait_for_load_state()
    table = fg.locator("#notification table").inner_text()
    assert "M-E2E-123456" in table and "op tijd" in table
    assert "op tijd gemeld" in fg.locator(".panel").first.inner_text()

    # Data subjects: informed by letter, in the same form.
    fg.locator("#combined summary").click()
    subjects = fg.locator("#combined-subjects")
    subjects.get_by_label("Ja").check()
    subjects.get_by_label(re.compile("^Hoe")).fill("brief")
    fg.locator("#combined").get_by_role("button", name="Opslaan").click()
    fg.wait_for_load_state()
    assert "Wel informeren" in fg.locator("#subjects .decisions").inner_text()
    assert_accessible(fg)
    screenshot(fg, "datalek", full_page=False)

    # The verbindingsofficier closes it.
    vo.goto(f"/incidenten/{incident_id}")
    vo.get_by_role("button", name="In behandeling nemen").click()
    vo.wait_for_load_state()
    vo.get_by_role("button", name="Afhandelen").click()
    vo.wait_for_load_state()
    assert vo.locator(".badges .badge-status-afgehandeld").count() == 1

    # A verbindingsofficier of Uithoorn cannot see it: not in the list, and 404 on its pages.
    other = new_page()
    login(other, live_server, VO_UITHOORN)
    other.goto("/incidenten?q=E2E")
    assert TITLE not in other.content()
    for path in (f"/incidenten/{incident_id}", f"/incidenten/{incident_id}/datalek"):
        response = other.goto(path)
        assert response is not None and response.status == 404
        assert TITLE not in other.content()
    if reference:
        other.goto(f"/incidenten?q={reference}")
        assert reference not in other.locator("main").inner_text()


def test_concern_control_compliance_and_quarterly_report(page: Any, live_server: Any) -> None:
    login(page, live_server, CONCERN_CONTROL)
    page.get_by_role("link", name="Compliance", exact=True).first.click()
    page.wait_for_url("**/compliance")
    assert_accessible(page)
    screenshot(page, "compliance")

    today = dt.datetime.now(AMSTERDAM).date()
    quarter = (today.month - 1) // 3  # the previous quarter
    period = f"{today.year}-Q{quarter}" if quarter else f"{today.year - 1}-Q4"
    page.get_by_role("link", name="Rapportages", exact=True).first.click()
    page.locator("summary", has_text="Rapportage maken").click()
    page.get_by_label("Soort").select_option("quarterly")
    page.get_by_label("Periode").select_option(period)  # chosen from the recent quarters
    page.get_by_label("Voor").select_option("DIE")
    page.get_by_role("button", name="Maken").click()
    page.wait_for_load_state()
    in_words = f"{period[-1]}e kwartaal {period[:4]}"  # the archive names the period as people say it
    row = page.locator("table tbody tr").filter(has_text=in_words).filter(has_text="Gemeente Diemen").first
    with page.expect_download() as download_info:
        row.get_by_role("link", name="PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"kwartaalrapportage-DIE-{period.replace('-Q', '-K')}-v")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    screenshot(page, "reports")


def test_wrong_password_and_logging_out(page: Any, live_server: Any) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(FG)
    page.get_by_label("Wachtwoord").fill("not-the-password")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
    assert "/login" in page.url
    assert page.get_by_text("Deze combinatie van e-mailadres en wachtwoord is onbekend.").is_visible()
    assert page.get_by_role("button", name="Uitloggen").count() == 0

    login(page, live_server, FG)
    assert page.get_by_role("button", name="Uitloggen").is_visible()
    logout(page)
    assert page.get_by_text("U bent uitgelogd.").is_visible()
    page.goto("/datalekken")
    assert "/login" in page.url


def test_the_fg_downloads_the_register_of_one_controller(page: Any, live_server: Any) -> None:
    """An FG of several municipalities chooses the organisation and year; the file is that one's."""
    login(page, live_server, FG)
    page.goto("/datalekken")
    register = page.locator("#register")
    options = register.get_by_label("Organisatie").locator("option").all_inner_texts()
    assert len(options) > 1 and "Gemeente Uithoorn" in options  # no "alle": one controller at a time
    register.get_by_label("Organisatie").select_option(label="Gemeente Uithoorn")
    year = str(dt.datetime.now(AMSTERDAM).year)
    register.get_by_label("Jaar").select_option(year)
    with page.expect_download() as info:
        register.get_by_role("button", name="CSV downloaden").click()
    download = info.value
    assert re.fullmatch(rf"datalekkenregister-UIT-{year}-\d{{8}}-\d{{4}}\.csv", download.suggested_filename)
    body = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "Gemeente Uithoorn" in body and "Gemeente Diemen" not in body
    with page.expect_download() as info:
        register.get_by_role("button", name="PDF downloaden").click()
    assert info.value.suggested_filename.startswith(f"datalekkenregister-UIT-{year}-")
    # the overdue ones, filtered
    page.get_by_label("Stand", exact=True).select_option(label="te laat (AP-termijn verstreken)")
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_load_state()
    rows = page.locator("table tbody tr")
    assert all("te laat" in text for text in rows.all_inner_texts())
    assert_accessible(page)
