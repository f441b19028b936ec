"""Two-factor login in a real browser: enrol on the account page, then log in with a code and
with a recovery code."""

from __future__ import annotations

from typing import Any

from tests.e2e.helpers import VO_UITHOORN, assert_accessible, enrol, login, logout, screenshot, totp_code


def _password(page: Any, live_server: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(live_server.passwords[email])
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/login/totp")


def test_enrol_then_log_in_with_a_code_and_with_a_recovery_code(page: Any, live_server: Any) -> None:
    email = VO_UITHOORN
    login(page, live_server, email)
    page.goto("/account")
    page.get_by_role("link", name="Tweestapsverificatie").click()
    page.get_by_role("link", name="Tweestapsverificatie instellen").click()
    assert page.locator(".qr svg").is_visible()            # the QR code, inline SVG under our CSP
    assert_accessible(page)
    codes = enrol(page, live_server, email)
    assert len(codes) == 10
    page.goto("/account/tweestapsverificatie")
    assert "Staat aan" in page.content()
    logout(page)

    _password(page, live_server, email)
    assert_accessible(page)
    screenshot(page, "totp-login")
    page.goto("/incidenten")                               # the half-logged-in state opens nothing
    assert "/login" in page.url
    _password(page, live_server, email)
    page.get_by_label("Code", exact=True).fill("000000")
    page.get_by_role("button", name="Verder").click()
    # wait for the answer to the click rather than reading the page that may still be the one before it
    page.locator("#code-error", has_text="Deze code klopt niet.").wait_for()
    page.get_by_label("Code", exact=True).fill(totp_code(live_server, email))
    page.get_by_role("button", name="Verder").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.get_by_role("button", name="Uitloggen").is_visible()
    logout(page)

    _password(page, live_server, email)
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Verder").click()
    page.wait_for_url(lambda url: "/login" not in url)
    logout(page)
    _password(page, live_server, email)                     # the same recovery code a second time
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Verder").click()
    page.locator("#code-error", has_text="Deze code klopt niet.").wait_for()
    assert "/login/totp" in page.url
