"""axe-core on every main page (no serious or critical violation), and the keyboard-only incident form."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.helpers import (
    BEHEERDER,
    CISO,
    CONCERN_CONTROL,
    FG,
    VO,
    assert_accessible,
    login,
    screenshot,
)


def test_login_page(page: Any) -> None:
    page.goto("/login")
    assert_accessible(page)
    screenshot(page, "login")


@pytest.mark.parametrize(("email", "shot"), [
    (VO, "start-verbindingsofficier"), (FG, "start-fg"), (CISO, "start-ciso"),
    (CONCERN_CONTROL, "start-concern-control"), (BEHEERDER, "start-beheerder"),
])
def test_start_page_per_role(page: Any, live_server: Any, email: str, shot: str) -> None:
    login(page, live_server, email)
    page.goto("/")
    assert_accessible(page)
    screenshot(page, shot)


def test_main_pages_of_the_fg(page: Any, live_server: Any) -> None:
    login(page, live_server, FG)
    for path, shot in [("/incidenten", "incidents"), ("/datalekken", "datalekken"), ("/maatregelen", "measures"),
                       ("/api/v1/docs", None)]:
        page.goto(path)
        assert_accessible(page)
        if shot:
            screenshot(page, shot)
    page.goto("/incidenten")
    page.locator("table tbody tr a").first.click()
    page.wait_for_url(re.compile(r"/incidenten/\d+$"))
    assert_accessible(page)
    page.goto("/datalekken")
    page.locator("table tbody tr a").first.click()
    page.wait_for_url(re.compile(r"/datalek$"))
    assert_accessible(page)


def test_compliance_pages(page: Any, live_server: Any) -> None:
    login(page, live_server, CONCERN_CONTROL)
    page.goto("/compliance")
    assert_accessible(page)
    page.goto("/compliance/DIE/BIO2-1.3")
    assert_accessible(page)
    page.goto("/compliance/DIE/BIO2-1.3/vvt")
    assert_accessible(page)
    page.goto("/rapportages")
    assert_accessible(page)


def _focused(page: Any) -> str:
    return page.evaluate("document.activeElement && (document.activeElement.id || document.activeElement.tagName)")


def _tab_to(page: Any, element_id: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page) == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_log_an_incident_with_the_keyboard_alone(page: Any, live_server: Any) -> None:
    login(page, live_server, VO)
    page.goto("/incidenten/nieuw")
    assert_accessible(page)
    screenshot(page, "incident-new")
    title = "Toetsenbord: USB-stick met persoonsgegevens verloren"
    _tab_to(page, "organisation")
    page.keyboard.press("ArrowDown")  # the first organisation after "kies …"
    page.keyboard.press("Tab")
    assert _focused(page) == "title"
    page.keyboard.type(title)
    page.keyboard.press("Tab")
    assert _focused(page) == "description"
    page.keyboard.type("Een medewerker is een onversleutelde USB-stick kwijtgeraakt.")
    page.keyboard.press("Tab")
    assert _focused(page) == "discovered_at"
    # The date segments follow Chromium's own locale (dd-mm-jjjj or mm/dd/yyyy): 11 November reads
    # the same either way. Typing a segment's digits moves on to the next one.
    page.keyboard.type("11112026")
    page.keyboard.press("Tab")
    page.keyboard.type("0915")
    # A 12-hour locale (Debian's Chromium ships en-US alone) adds an AM/PM segment that it fills
    # with the current half of the day; "A" picks AM there and is ignored after a 24-hour clock.
    page.keyboard.type("A")
    assert page.evaluate("document.getElementById('discovered_at').value") == "2026-11-11T09:15"
    _tab_to(page, "is_datalek-0", limit=5)
    page.keyboard.press("Space")
    assert page.evaluate("document.getElementById('is_datalek-0').checked")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/incidenten/\d+$"))
    assert title in page.locator("h1").inner_text()
