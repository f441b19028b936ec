"""Shared steps for the browser tests: logging in, axe-core, screenshots."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.e2e.conftest import AXE

VO = "verbindingsofficier@demo.bio-register.nl"
VO_UITHOORN = "verbindingsofficier.uithoorn@demo.bio-register.nl"
FG = "fg@demo.bio-register.nl"
CISO = "ciso@demo.bio-register.nl"
CONCERN_CONTROL = "concerncontrol@demo.bio-register.nl"
BEHEERDER = "beheerder@demo.bio-register.nl"

#: axe-core impacts that fail a test
BLOCKING = {"serious", "critical"}


def _path(url: str) -> str:
    return urlsplit(url).path


def login(page: Any, server: Any, email: str) -> None:
    """Log in with the password, then the second step: enrol (first login of the demo FG and
    beheerder) or type the code from the secret read at enrolment."""
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(server.passwords[email])
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: _path(url) != "/login")
    if _path(page.url) == "/login/totp/instellen":
        enrol(page, server, email)
    elif _path(page.url) == "/login/totp":
        page.get_by_label("Code", exact=True).fill(totp_code(server, email))
        page.get_by_role("button", name="Verder").click()
    page.wait_for_url(lambda url: "/login" not in url)


def enrol(page: Any, server: Any, email: str) -> list[str]:
    """On an enrolment page: read the secret shown for manual entry, confirm with a code, keep the
    recovery codes, go on."""
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    server.totp_secrets[email] = secret
    screenshot(page, "totp-enrol")
    page.get_by_label("Code uit de app").fill(totp_code(server, email))
    page.get_by_role("button", name="Tweestapsverificatie inschakelen").click()
    page.get_by_role("heading", name="Herstelcodes").wait_for()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    server.recovery_codes[email] = codes
    page.get_by_role("link", name="Ik heb de codes bewaard, ga verder").click()
    return codes


def totp_code(server: Any, email: str) -> str:
    """The code for the next unused 30-second step (a code is accepted once; the next step is
    accepted too, and beyond that we wait for the clock)."""
    import pyotp

    now_step = int(time.time() // 30)
    step = max(now_step, server.totp_steps.get(email, -1) + 1)
    if step > now_step + 1:
        time.sleep((step - 1) * 30 - time.time() + 0.5)
    server.totp_steps[email] = step
    return pyotp.TOTP(server.totp_secrets[email]).generate_otp(step)


def logout(page: Any) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/login**")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in the page; the serious and critical violations.

    The script is evaluated rather than added as a <script> tag: the application's CSP allows
    no inline or injected scripts, and ``evaluate`` is not subject to it.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
    }""")
    return [v for v in result if v["impact"] in BLOCKING]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations)


def screenshot(page: Any, name: str, full_page: bool = False) -> None:
    """Save a screenshot when BIO_REGISTER_SCREENSHOTS names a folder (scripts/screenshots)."""
    folder = os.environ.get("BIO_REGISTER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        path = Path(folder) / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        # A 256-colour palette keeps the README's images small; the UI has few colours anyway.
        from PIL import Image

        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=256).save(path, optimize=True)
