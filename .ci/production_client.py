"""CI's production step: a real HTTP client against the installation, as its users would use it.

Through nginx (TLS) to gunicorn: logs in through the form (CSRF token, and the two-step
enrolment a beheerder must do at the first login), opens every page of the main menu and the user
menu of the functioneel beheerder and of a verbindingsofficier, logs out, and uses the JSON API
with a personal token. ``--restored`` checks an installation restored from a back-up instead: the
token, the incident made before the back-up, and a login still work.

Runs with the installation's own Python (requests and pyotp are its dependencies). Settings come
from the environment: BASE, CA, BEHEERDER_EMAIL, BEHEERDER_PASSWORD, OFFICER_EMAIL,
OFFICER_PASSWORD, TOKEN, and STATE (a file: the reference made, read back by --restored).
"""

from __future__ import annotations

import html
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pyotp
import requests

BASE = os.environ["BASE"].rstrip("/")
CA = os.environ["CA"]
STATE = Path(os.environ["STATE"])
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def fail(message: str) -> None:
    print(f"FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition: object, message: str) -> None:
    if not condition:
        fail(message)


def own_password(printed: str) -> str:
    """The password a user chooses at the first login instead of the one create-user printed."""
    return f"{printed}-eigen-keuze"


class Browser:
    """A requests session that behaves like a browser on the site: cookies, CSRF tokens, redirects."""

    def __init__(self) -> None:
        self.http = requests.Session()
        # verify= on each request: REQUESTS_CA_BUNDLE in the environment would override the session's
        self.http.trust_env = False

    def get(self, path: str, status: int | None = 200) -> requests.Response:
        response = self.http.get(urljoin(BASE, path), timeout=30, allow_redirects=False, verify=CA)
        check(status is None or response.status_code == status,
              f"GET {path}: {response.status_code}, expected {status}")
        return response

    def post_form(self, path: str, fields: dict[str, str], *, form_page: str | None = None) -> requests.Response:
        """POST a form with the CSRF token of the page that shows it (``form_page``, else ``path``)."""
        page = self.get(form_page or path).text
        match = CSRF.search(page)
        check(match, f"no CSRF token on {form_page or path}")
        assert match is not None
        token = match.group(1) or match.group(2)
        # a browser sends the page it came from; over https Flask-WTF insists on a same-origin Referer
        return self.http.post(urljoin(BASE, path), data={**fields, "csrf_token": token}, timeout=30,
                              allow_redirects=False, verify=CA,
                              headers={"Referer": urljoin(BASE, form_page or path)})

    def login(self, email: str, password: str) -> None:
        response = self.post_form("/login", {"email": email, "password": password})
        check(response.status_code == 302, f"login {email}: {response.status_code}")
        location = urlsplit(response.headers["Location"]).path
        if location == "/login/totp/instellen":            # the beheerder's first login: set up two-step
            page = self.get(location).text
            secret = re.search(r'id="totp-secret">([^<]+)<', page)
            check(secret, "no TOTP secret on the enrolment page")
            assert secret is not None
            code = pyotp.TOTP(html.unescape(secret.group(1)).replace(" ", "")).now()
            done = self.post_form(location, {"code": code})
            check(done.status_code == 200 and "herstelcodes" in done.text.lower(),
                  f"two-step enrolment: {done.status_code}")
        elif location == "/login/totp":
            fail("unexpected second step: this client only knows the first enrolment")
        first = self.get("/", status=None)
        if first.status_code == 302 and urlsplit(first.headers["Location"]).path == "/account/password":
            # a password printed by create-user is changed by its owner at the first login
            changed = self.post_form("/account/password", {"current_password": password,
                                                           "password": own_password(password),
                                                           "repeat": own_password(password)})
            check(changed.status_code == 302, f"the first password change of {email}: {changed.status_code}")
        start = self.get("/")
        check(email in start.text or "Uitloggen" in start.text, f"{email} not logged in")
        cookie = next((c for c in self.http.cookies if c.name == "bio_register_session"), None)
        check(cookie is not None and cookie.secure, "the session cookie is not Secure behind https")

    def menu(self) -> list[tuple[str, str]]:
        """(label, path) of every link in the main menu and the user menu of the start page."""
        page = self.get("/").text
        nav = re.search(r'<nav[^>]*aria-label="Hoofdmenu"[^>]*>(.*?)</nav>', page, re.S)
        user = re.search(r'<div class="user-menu">(.*?)</div>', page, re.S)
        check(nav and user, "no main menu or user menu on the start page")
        assert nav is not None and user is not None
        links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)', nav.group(1) + user.group(1))
        return [(html.unescape(label).strip(), html.unescape(href)) for href, label in links]

    def open_every_page(self, who: str, expected: set[str]) -> None:
        pages = self.menu()
        labels = {label for label, _ in pages}
        check(expected <= labels, f"{who}: menu lacks {sorted(expected - labels)} (has {sorted(labels)})")
        for label, path in pages:
            started = time.monotonic()
            page = self.get(path)
            check("<h1" in page.text, f"{who}: {path} shows no heading")
            print(f"  {who}: {label:<14} {path:<28} 200 ({(time.monotonic() - started) * 1000:.0f} ms)")

    def logout(self) -> None:
        response = self.post_form("/logout", {}, form_page="/")
        check(response.status_code == 302, f"logout: {response.status_code}")
        self.get("/", status=302)


def api(method: str, path: str, status: int, **kwargs: object) -> requests.Response:
    response = requests.request(method, urljoin(BASE, path), timeout=30, verify=CA,
                                headers={"Authorization": f"Bearer {os.environ['TOKEN']}"}, **kwargs)  # type: ignore[arg-type]
    check(response.status_code == status, f"{method} {path}: {response.status_code}, expected {status}: "
                                          f"{response.text[:300]}")
    return response


def production() -> None:
    health = requests.get(urljoin(BASE, "/health"), timeout=30, verify=CA)
    check(health.status_code == 200 and health.json()["status"] == "ok", "/health")
    check("max-age" in health.headers.get("Strict-Transport-Security", ""), "no HSTS behind https")
    ready = requests.get(urljoin(BASE, "/health/ready"), timeout=30, verify=CA)
    check(ready.status_code == 200, f"/health/ready: {ready.status_code} {ready.text[:300]}")
    metrics = requests.get(urljoin(BASE, "/metrics"), timeout=30, verify=CA)
    check(metrics.status_code == 404, f"/metrics through the public site: {metrics.status_code}")

    # A failed login, answered on the form and counted in Redis per account and per client address
    # (checked by the step). The client's own X-Forwarded-For is not believed: nginx appends the
    # address it sees, and BIO_REGISTER_PROXIES=1 trusts only that last one.
    stranger = Browser()
    stranger.http.headers["X-Forwarded-For"] = os.environ["SPOOFED_ADDRESS"]
    wrong = stranger.post_form("/login", {"email": os.environ["STRANGER_EMAIL"], "password": "not the password"})
    check(wrong.status_code == 200 and "onbekend" in wrong.text, f"failed login: {wrong.status_code}")

    beheerder = Browser()
    beheerder.login(os.environ["BEHEERDER_EMAIL"], os.environ["BEHEERDER_PASSWORD"])
    beheerder.open_every_page("beheerder", {"Start", "Planning", "Organisaties", "Gebruikers", "Auditlog",
                                            "Meldingen"})
    check("/beheer/verzonden-e-mail" not in beheerder.get("/").text, "the development mail page in production")
    beheerder.get("/beheer/verzonden-e-mail", status=404)
    beheerder.logout()

    officer = Browser()
    officer.login(os.environ["OFFICER_EMAIL"], os.environ["OFFICER_PASSWORD"])
    officer.open_every_page("verbindingsofficier", {"Start", "Incidenten", "Maatregelen", "Meldingen"})

    me = api("GET", "/api/v1/me", 200).json()
    check(me["email"] == os.environ["OFFICER_EMAIL"], f"/api/v1/me: {me}")
    created = api("POST", "/api/v1/incidents", 201, json={
        "organisation": "DIE", "title": "Brief naar verkeerd adres (CI)",
        "description": "Een brief met een BSN is naar een verkeerd adres gestuurd.",
        "discovered_at": "2026-11-20T09:15:00+01:00", "is_datalek": True}).json()
    reference = created["reference"]
    listed = api("GET", "/api/v1/incidents?organisation=DIE", 200).json()
    check(any(item["reference"] == reference for item in listed["items"]), "the new incident is not listed")
    api("GET", f"/api/v1/incidents/{created['id']}", 200)
    api("GET", "/api/v1/openapi.json", 200)
    # the page shows what the API made
    check(reference in officer.get(f"/incidenten/{created['id']}").text, "the incident page")
    officer.logout()
    STATE.write_text(f"{created['id']} {reference}\n")
    print(f"  API: /me, incident {reference} created (datalek), listed and read")


def restored() -> None:
    incident_id, reference = STATE.read_text().split()
    check(requests.get(urljoin(BASE, "/health"), timeout=30, verify=CA).status_code == 200, "/health")
    check(api("GET", "/api/v1/me", 200).json()["email"] == os.environ["OFFICER_EMAIL"], "token after restore")
    check(api("GET", f"/api/v1/incidents/{incident_id}", 200).json()["reference"] == reference,
          "the incident made before the back-up")
    officer = Browser()
    officer.login(os.environ["OFFICER_EMAIL"], own_password(os.environ["OFFICER_PASSWORD"]))
    check(reference in officer.get(f"/incidenten/{incident_id}").text, "the incident page after restore")
    print(f"  restored: token, incident {reference} and a login answer")


if __name__ == "__main__":
    restored() if "--restored" in sys.argv[1:] else production()
    print("OK")
