"""Browser tests: the real application served on 127.0.0.1, driven by Chromium through Playwright.

Run with ``python -m pytest -m e2e tests/e2e``. They need Debian's Chromium (``/usr/bin/chromium``,
or ``BIO_REGISTER_CHROMIUM``), the ``playwright`` Python package and ``npm ci`` (axe-core). Without
them the tests are skipped, unless ``BIO_REGISTER_E2E_REQUIRED=1`` (CI), which fails instead.
``BIO_REGISTER_SCREENSHOTS=DIR`` makes the tests save screenshots of the main pages into DIR.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from bio_register import create_app
from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("BIO_REGISTER_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--lang=nl"]
#: Chromium's own widgets (the date and time fields' dd-mm-jjjj) in Dutch, as a municipality's
#: browser shows them, when Debian's chromium-l10n is installed; without it they stay en-US
#: (mm/dd/yyyy, AM/PM), which the tests allow too. The page's locale is the context's (nl-NL).
BROWSER_ENV = {**os.environ, "LANG": "nl_NL.UTF-8", "LANGUAGE": "nl"}
VIEWPORT = {"width": 1280, "height": 800}

#: The development server that serves the browser leaves a static file unclosed when the browser
#: drops the connection while it is being sent (a favicon, mid-navigation): a ResourceWarning raised
#: in a garbage collector's callback, which pytest turns into an error at random. The application's
#: own errors still fail the tests (as pages with 500s and through the log).
_DROPPED_STATIC_FILE = ("ignore:Exception ignored in. <_io\\.FileIO name='[^']*/static/"
                        ":pytest.PytestUnraisableExceptionWarning")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.filterwarnings(_DROPPED_STATIC_FILE))


def _missing(what: str) -> None:
    message = f"browser tests need {what}"
    if os.environ.get("BIO_REGISTER_E2E_REQUIRED") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _rollback() -> Iterator[None]:
    """The browser tests commit for real in a database of their own: no per-test rollback."""
    yield


class LiveServer:
    def __init__(self, url: str, passwords: dict[str, str], database: Path | None = None) -> None:
        self.url = url
        self.passwords = passwords
        #: the server's SQLite file: a test reads the e-mail outbox there (nothing is sent)
        self.database = database
        #: per e-mail: the TOTP secret read from the enrolment page, the last time step used, the
        #: recovery codes shown (the demo FG and beheerder enrol at their first login)
        self.totp_secrets: dict[str, str] = {}
        self.totp_steps: dict[str, int] = {}
        self.recovery_codes: dict[str, list[str]] = {}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A fresh SQLite database with the demo data, served by Werkzeug on a free port."""
    from werkzeug.serving import make_server

    from bio_register.cli import create_demo_data, run_migrations
    from bio_register.extensions import db

    folder = tmp_path_factory.mktemp("e2e-instance")
    application = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.sqlite3'}",
        "SECRET_KEY": TEST_SECRET,
        "INSTANCE_PATH": str(folder),
        "SMTP_PORT": 1,  # no SMTP host is set and nothing listens: mail stays in the outbox
    })
    with application.app_context(), redirect_stdout(io.StringIO()):
        run_migrations()
        credentials = create_demo_data()
        db.engine.dispose()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}",
                         {email: password for email, password, _ in credentials}, folder / "e2e.sqlite3")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with application.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package (pip install -e '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if not AXE.is_file():
        _missing("axe-core (npm ci)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, env=BROWSER_ENV)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """``new_page()`` opens a page in a fresh browser context (its own cookies); closed afterwards."""
    contexts = []

    def make() -> Any:
        context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url, locale="nl-NL",
                                      timezone_id="Europe/Amsterdam", accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Any) -> Any:
    return new_page()
