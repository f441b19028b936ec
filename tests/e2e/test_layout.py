"""Every main page of every role at phone width (390 px, and 320 px for overflow) and laptop width
(1366 px): nothing scrolls sideways, axe-core finds no serious or critical violation; the header
fits a phone and its menu button opens the menu; printing leaves out menu, forms and buttons."""

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

SMALL_PHONE = {"width": 320, "height": 640}
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}

#: A page: its path, or (list page, pattern of the first link to follow to a detail page).
Page = str | tuple[str, str]

INCIDENT = ("/incidenten", r"/incidenten/\d+$")
DATALEK = ("/datalekken", r"/incidenten/\d+/datalek$")
MEASURE = ("/maatregelen", r"/maatregelen/\d+$")
ORGANISATION = ("/organisaties", r"/organisaties/[A-Z0-9-]+$")
PERSON = ("/gebruikers", r"/gebruikers/\d+$")
ORG_COMPLIANCE = ("/compliance", r"/compliance/[^/]+/[^/]+$")
SOA = ("@organisation-compliance", r"/compliance/[^/]+/[^/]+/vvt$")
CONTROL = ("@soa", r"/compliance/[^/]+/[^/]+/(?!vvt|chart)[^/]+$")
FINDING = ("/bevindingen", r"/bevindingen/\d+$")
PROCESSING = ("/verwerkingen", r"/verwerkingen/\d+$")
OWN = ["/", "/meldingen", "/account", "/account/tokens", "/api/v1/docs"]

#: The main pages of each role (what its menu offers, and one of each kind of detail page).
PAGES: dict[str, list[Page]] = {
    VO: [*OWN, "/melden", "/incidenten", INCIDENT, "/incidenten/nieuw", "/maatregelen"],
    FG: [*OWN, "/incidenten", INCIDENT, "/datalekken", DATALEK, "/datalekken/sjablonen", "/maatregelen",
         "/verwerkingen", PROCESSING, "/verwerkers", "/compliance"],
    CISO: [*OWN, "/incidenten", INCIDENT, "/datalekken", "/compliance", ORG_COMPLIANCE, SOA, CONTROL,
           "/maatregelen", MEASURE, "/bevindingen", FINDING, "/rapportages", "/jaarcijfers"],
    CONCERN_CONTROL: [*OWN, "/incidenten", "/datalekken", "/maatregelen", "/compliance", ORG_COMPLIANCE, SOA,
                      CONTROL, "/rapportages", "/jaarcijfers"],
    BEHEERDER: [*OWN, "/beheer/planning", "/beheer/auditlog", "/organisaties", ORGANISATION, "/gebruikers",
                PERSON],
}

#: Horizontal overflow: the page wider than the window, and the widest element that sticks out
#: on the right (not counting what scrolls or is clipped inside a container of its own).
OVERFLOW = """() => {
    const width = window.innerWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    if (scrollWidth <= width) return null;
    const clipped = el => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== 'visible') return true;
        }
        return false;
    };
    let worst = null;
    const all = [...document.body.querySelectorAll('*')];
    // An element inside a scrolling box still widens the page when that box is not its containing
    // block (position: absolute): then name whatever sticks out furthest.
    const candidates = all.filter(el => el.getBoundingClientRect().right > width + 0.5);
    const unclipped = candidates.filter(el => !clipped(el));
    for (const el of (unclipped.length ? unclipped : candidates)) {
        const r = el.getBoundingClientRect();
        if (!worst || (unclipped.length ? r.width > worst.width : r.right > worst.right)) {
            const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (typeof el.className === 'string' && el.className.trim()
                   ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
            worst = {name, width: Math.round(r.width), right: Math.round(r.right)};
        }
    }
    return {width, scrollWidth, worst};
}"""


def _links(page: Any) -> list[str]:
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
    return [href.split("?")[0].split("#")[0] for href in hrefs]


def _resolve(page: Any, target: Page, found: dict[str, str]) -> str:
    """The path of a page: a plain path, or the first link matching a pattern on a list page."""
    if isinstance(target, str):
        return target
    source, pattern = target
    source = found.get(source[1:], source) if source.startswith("@") else source
    page.goto(source)
    for path in _links(page):
        if re.search(pattern, path):
            return path
    raise AssertionError(f"no link matching {pattern} on {source}")


def _ensure_a_measure(page: Any) -> None:
    """The demo has no maatregelen: the CISO records one, so that a maatregel's page can be seen."""
    page.goto(MEASURE[0])
    if any(re.search(MEASURE[1], path) for path in _links(page)):
        return
    page.goto("/maatregelen/nieuw")
    page.get_by_label("Organisatie").select_option(index=1)
    page.get_by_label("Titel").fill("Laptops versleutelen met BitLocker en de herstelsleutels centraal bewaren")
    page.get_by_role("button", name="Maatregel vastleggen").click()
    page.wait_for_url(re.compile(r"/maatregelen/\d+$"))


def assert_no_overflow(page: Any) -> None:
    overflow = page.evaluate(OVERFLOW)
    assert overflow is None, (
        f"{page.url} scrolls sideways at {overflow['width']} px: the page is {overflow['scrollWidth']} px wide; "
        f"widest element sticking out: {overflow['worst']}")


@pytest.mark.parametrize("email", [VO, FG, CISO, CONCERN_CONTROL, BEHEERDER])
def test_every_main_page_fits_a_phone_and_a_laptop(page: Any, live_server: Any, email: str) -> None:
    login(page, live_server, email)
    found: dict[str, str] = {}
    failures = []
    for target in PAGES[email]:
        if target is MEASURE:
            _ensure_a_measure(page)
        path = _resolve(page, target, found)
        for name, kind in (("organisation-compliance", ORG_COMPLIANCE), ("soa", SOA)):
            if target is kind:
                found[name] = path
        for viewport in (SMALL_PHONE, PHONE, LAPTOP):
            page.set_viewport_size(viewport)
            response = page.goto(path)
            assert response is not None and response.status == 200, f"{path}: {response and response.status}"
            try:
                assert_no_overflow(page)
                if viewport is not SMALL_PHONE:  # axe at 390 and 1366 px; 320 px only for overflow
                    assert_accessible(page)
            except AssertionError as error:
                failures.append(str(error))
        page.set_viewport_size(LAPTOP)
    assert not failures, "\n\n".join(failures)


def test_phone_header_and_menu_button(page: Any, live_server: Any) -> None:
    login(page, live_server, FG)
    page.set_viewport_size(PHONE)
    page.goto("/")
    header = page.locator("header").first.bounding_box()
    assert header is not None and header["height"] <= 0.2 * PHONE["height"], header
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    incidents = menu.get_by_role("link", name="Incidenten")
    assert not incidents.is_visible(), "on a phone the menu starts closed"
    page.locator("header summary", has_text="Menu").click()
    assert incidents.is_visible()
    # the user menu names the person and, briefly, their role
    assert page.locator("header a[href='/account']").inner_text().strip().endswith("· FG")
    screenshot(page, "menu-telefoon")
    incidents.click()
    page.wait_for_url("**/incidenten")
    # the key columns of the incident list stay on a phone's screen without scrolling sideways:
    # each row shows its reference, status and title
    row = page.locator("table tbody tr").first
    for cell in (row.locator("td").nth(0), row.locator(".badge[class*=badge-status-]"), row.locator("a").first):
        box = cell.bounding_box()
        assert box is not None and box["width"] > 0 and box["x"] + box["width"] <= PHONE["width"], box
    page.set_viewport_size(LAPTOP)
    page.goto("/")
    assert menu.get_by_role("link", name="Incidenten").is_visible(), "on a laptop the menu is open"


@pytest.mark.parametrize(("email", "path", "shot"), [
    (VO, "/", "start-verbindingsofficier-telefoon"),
    (FG, "/incidenten", "incidents-telefoon"),
    (FG, DATALEK, "datalek-telefoon"),
])
def test_phone_screenshots(page: Any, live_server: Any, email: str, path: Page, shot: str) -> None:
    login(page, live_server, email)
    page.set_viewport_size(PHONE)
    page.goto(_resolve(page, path, {}))
    assert_no_overflow(page)
    if path == "/incidenten":  # the list itself, below the filters
        page.locator("main table").evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 8)")
    screenshot(page, shot)


@pytest.mark.parametrize("target", [INCIDENT, DATALEK])
def test_printing_an_incident_or_a_datalek(page: Any, live_server: Any, target: Page) -> None:
    """Printed: the heading, the facts and the timeline; not the menu, forms, buttons or footer."""
    login(page, live_server, FG)
    page.goto(_resolve(page, target, {}))
    assert page.locator("main form").count() > 0, "the page on screen has forms to leave out"
    page.emulate_media(media="print")
    for hidden in ("header nav", "main form", "main button", "footer a", "header summary"):
        for element in page.locator(hidden).all():
            assert not element.is_visible(), f"{hidden} printed"
    assert page.locator("main h1").is_visible()
    assert page.locator("header .brand").evaluate("el => getComputedStyle(el).color") == "rgb(0, 0, 0)", \
        "the header prints black on white"
    # what is recorded (outside the forms) is printed: every heading, list of facts and table
    recorded = [element for element in page.locator("main h2, main dl, main table, main .panel").all()
                if element.evaluate("el => !el.closest('form')")]
    assert recorded and all(element.is_visible() for element in recorded), "the recorded facts are printed"
    if target is INCIDENT:
        assert page.locator("main dl").first.is_visible() and page.locator(".timeline").first.is_visible(), \
            "the incident's facts and timeline are printed"
    assert page.pdf().startswith(b"%PDF")
