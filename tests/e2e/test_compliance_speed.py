"""Compliance work at speed in a real browser: the CISO narrows the statement of applicability,
walks through the filtered controls with "volgende", and links a maatregel to a control found by
its number — all with plain forms and links (no script needed)."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.helpers import CISO, assert_accessible, login, screenshot


def test_filter_the_statement_and_walk_through_it(page: Any, live_server: Any) -> None:
    login(page, live_server, CISO)
    page.goto("/compliance/DIE/BIO2-1.3/vvt")
    everything = page.locator("table tbody tr").count()
    page.get_by_label("Thema", exact=True).select_option("8")
    page.get_by_label("Zoeken op nummer of titel").fill("8.1")
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_url(re.compile(r"thema=8"))
    codes = page.locator("table tbody tr td.nowrap a").all_inner_texts()
    assert codes and len(codes) < everything
    # the control and its overheidsmaatregelen (numbered with leading zeros), not 8.10 or 8.2 (a title
    # that names 8.1 is found too)
    assert codes[:2] == ["8.1", "8.01.01"] and "8.10" not in codes and "8.2" not in codes
    assert page.get_by_role("status").inner_text().startswith(f"{len(codes)} van de ")
    assert_accessible(page)
    screenshot(page, "vvt-filter")

    page.locator("table tbody tr td.nowrap a").first.click()
    page.wait_for_url(re.compile(r"thema=8"))
    assert page.locator("h1 .reference").inner_text() == codes[0]
    assert page.get_by_text(f"1 van {len(codes)}").is_visible()
    if len(codes) > 1:
        page.locator("a[rel=next]").click()
        page.wait_for_url(re.compile(r"thema=8"))
        assert page.locator("h1 .reference").inner_text() == codes[1]
        assert page.locator("a[rel=prev]").is_visible()
    assert page.locator("#maatregelen").is_visible()
    assert_accessible(page)


def test_link_a_maatregel_to_a_control_found_by_its_number(page: Any, live_server: Any) -> None:
    login(page, live_server, CISO)
    page.goto("/maatregelen/nieuw")
    page.get_by_label("Organisatie").select_option(label="Gemeente Diemen")
    page.get_by_label("Titel").fill("E2E: meldprocedure herzien")
    page.get_by_role("button", name="Maatregel vastleggen").click()
    page.wait_for_url(re.compile(r"/maatregelen/\d+$"))
    page.get_by_label("Zoek op nummer of titel").fill("5.24")
    page.get_by_role("button", name="Zoeken", exact=True).click()
    results = page.locator(".link-results li")
    assert results.count() >= 2
    assert_accessible(page)
    chosen = results.filter(has_text=re.compile(r"\b5\.24\.03\b")).first
    reference = chosen.locator(".reference").inner_text()
    chosen.get_by_role("button", name="Koppelen").click()
    page.wait_for_load_state()
    assert f"{reference} is gekoppeld aan" in page.locator("main").inner_text()
    assert reference in page.locator("#koppelingen ul").first.inner_text()

    # the control page lists the maatregel linked to it
    key, code = reference.split(" ")
    page.goto(f"/compliance/DIE/{key}/{code}")
    assert "E2E: meldprocedure herzien" in page.locator("#maatregelen").inner_text()

    # and the other way round: from the control page, an existing maatregel found by a word of its title
    page.goto(f"/compliance/DIE/{key}/5.25.01")
    page.get_by_label(re.compile("Zoek een maatregel van")).fill("meldprocedure")
    page.locator("#maatregelen").get_by_role("button", name="Zoeken").click()
    page.locator(".link-results li").filter(has_text="E2E: meldprocedure herzien").get_by_role(
        "button", name="Koppelen").click()
    page.wait_for_url(re.compile(r"/compliance/DIE/.+/5\.25\.01"))
    assert "E2E: meldprocedure herzien" in page.locator("#maatregelen ul").first.inner_text()
    assert_accessible(page)
