"""Single sign-on in a real browser: Chromium clicks "Inloggen met …", the test provider on
127.0.0.1 logs the user in and sends the browser back, and the application starts the session."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import redirect_stdout
from typing import Any

import pytest

from bio_register import create_app
from tests.conftest import TEST_SECRET
from tests.e2e.conftest import VIEWPORT
from tests.e2e.helpers import assert_accessible, screenshot
from tests.sso.idp import TestProvider


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TestProvider]]:
    from werkzeug.serving import make_server

    from bio_register.accounts import services as accounts
    from bio_register.cli import run_migrations
    from bio_register.extensions import db
    from bio_register.organisations import services as organisations

    idp = TestProvider().start()
    folder = tmp_path_factory.mktemp("e2e-sso")
    application = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'sso.sqlite3'}", "SECRET_KEY": TEST_SECRET,
        "INSTANCE_PATH": str(folder), "SMTP_PORT": 1,
        "OIDC_ISSUER": idp.issuer, "OIDC_CLIENT_ID": idp.client_id, "OIDC_CLIENT_SECRET": idp.client_secret,
        "OIDC_BUTTON_LABEL": "Microsoft Entra ID", "LOCAL_LOGIN": False,
    })
    with application.app_context(), redirect_stdout(io.StringIO()):
        run_migrations()
        diemen = organisations.create_organisation(None, "DIE", "Gemeente Diemen", actor_label="test")
        user = accounts.create_user(None, "ambtenaar@diemen.nl", "Anna Ambtenaar", actor_label="test")
        accounts.grant_role(None, user, diemen, "verbindingsofficier", actor_label="test")
        db.session.commit()
        db.engine.dispose()
    server = make_server("127.0.0.1", 0, application, threaded=True)
    application.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"  # the redirect URI's host
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield application.config["BASE_URL"], idp
    finally:
        server.shutdown()
        thread.join(timeout=10)
        idp.stop()
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def sso_page(browser: Any, sso_server: tuple[str, TestProvider]) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, base_url=sso_server[0], locale="nl-NL")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_login_through_the_provider(sso_page: Any, sso_server: tuple[str, TestProvider]) -> None:
    _url, idp = sso_server
    idp.reset()
    sso_page.goto("/login")
    assert sso_page.get_by_label("Wachtwoord").count() == 0  # local login is off
    assert_accessible(sso_page)
    screenshot(sso_page, "login-sso")
    sso_page.get_by_role("link", name="Inloggen met Microsoft Entra ID").click()
    sso_page.wait_for_url(lambda url: "/login" not in url)
    assert sso_page.get_by_role("button", name="Uitloggen").is_visible()


def test_a_refused_token_shows_a_message_in_the_browser(sso_page: Any, sso_server: tuple[str, TestProvider]) -> None:
    _url, idp = sso_server
    idp.reset()
    idp.tamper = {"aud": "another-application"}
    sso_page.goto("/login")
    sso_page.get_by_role("link", name="Inloggen met Microsoft Entra ID").click()
    sso_page.wait_for_url("**/login/oidc/callback**")
    alert = sso_page.get_by_role("alert")
    assert "Inloggen is niet gelukt" in alert.inner_text()
    assert "geweigerd" in alert.inner_text()
    assert_accessible(sso_page)
    assert sso_page.get_by_role("button", name="Uitloggen").count() == 0
    idp.reset()
