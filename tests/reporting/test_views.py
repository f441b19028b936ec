"""The reporting pages: who may read and generate, and the planning page on a real SQLite file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import func, select

from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.reporting.models import Report
from bio_register.reporting.services import MONTHS, previous_period
from tests import factories
from tests.conftest import csrf_token, login, make_app, totp_code

#: last month: the page offers the recent months (and quarters) that have ended
LAST_MONTH = previous_period("monthly", utcnow())
GENERATE = {"kind": "monthly", "period": LAST_MONTH.label, "scope": "DIE"}


@pytest.mark.parametrize(("role", "read", "generate"), [
    ("verbindingsofficier", 403, 403),
    ("fg", 403, 403),
    ("ciso", 200, 403),            # reads its organisation's reports, makes none
    ("concern_control", 200, 302),
    ("beheerder", 200, 403),
])
def test_who_reads_and_who_generates(client: FlaskClient, role: str, read: int, generate: int) -> None:
    for code in ("DUO", "DIE"):
        factories.organisation(code)
    user = factories.user([(role, "DUO" if role in ("concern_control", "beheerder") else "DIE")])
    login(client, user.email, factories.PASSWORD)
    assert client.get("/rapportages").status_code == read
    token = csrf_token(client, "/account")  # a page every signed-in user may open
    response = client.post("/rapportages", data={"csrf_token": token, **GENERATE})
    assert response.status_code == generate
    assert db.session.scalar(select(func.count()).select_from(Report)) == (1 if generate == 302 else 0)


def test_a_refused_period_is_shown_on_the_archive_and_nothing_is_stored(client: FlaskClient) -> None:
    factories.organisation("DIE")
    login(client, factories.user([("concern_control", "DUO")]).email, factories.PASSWORD)
    response = client.post("/rapportages", data={"csrf_token": csrf_token(client, "/rapportages"),
                                                  **GENERATE, "period": "2099-01"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0


def test_the_period_is_chosen_from_recent_periods_and_the_result_names_the_organisation(
        client: FlaskClient) -> None:
    factories.organisation("DIE")
    login(client, factories.user([("concern_control", "DUO")]).email, factories.PASSWORD)
    page = client.get("/rapportages").get_data(as_text=True)
    assert 'id="period" name="period"' in page and '<optgroup label="Kwartalen">' in page
    assert "e kwartaal" in page and 'name="period" type="text"' not in page
    token = csrf_token(client, "/rapportages")
    mismatch = client.post("/rapportages", data={"csrf_token": token, **GENERATE, "kind": "quarterly"})
    assert mismatch.status_code == 422 and "Kies een kwartaal voor een kwartaalrapportage" in mismatch.get_data(
        as_text=True)
    response = client.post("/rapportages", data={"csrf_token": token, **GENERATE}, follow_redirects=True)
    text = response.get_data(as_text=True)
    in_words = f"{MONTHS[int(LAST_MONTH.label[5:]) - 1]} {LAST_MONTH.label[:4]}"
    assert f"Rapportage over {in_words} voor Gemeente Diemen gemaakt" in text
    report = db.session.scalar(select(Report))
    download = client.get(f"/rapportages/{report.id}.pdf")
    assert download.headers["Content-Disposition"].startswith(
        f'attachment; filename="maandrapportage-incidentopvolging-DIE-{LAST_MONTH.label}-v1-')


@pytest.mark.committed
def test_the_planning_page_answers_at_once_on_a_sqlite_file(tmp_path: Path) -> None:
    """Issue 17: the page read the job store through a second application context, whose own
    connection waited 10 s for the write lock the request's transaction holds on SQLite (BEGIN
    IMMEDIATE), then failed with "database is locked". Here every request commits for real."""
    app = make_app(f"sqlite:///{tmp_path / 'planning.sqlite3'}", str(tmp_path))
    try:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            email = factories.user([("beheerder", "DUO")]).email
        client = app.test_client()  # each request in an application context (and session) of its own
        client.post("/login", data={"email": email, "password": factories.PASSWORD,
                                    "csrf_token": csrf_token(client, "/login")})
        token = csrf_token(client, "/login/totp")
        with app.app_context():  # left before the next request: its transaction holds no lock then
            code = totp_code(email)
        assert client.post("/login/totp", data={"code": code, "csrf_token": token}).status_code == 302
        started = time.monotonic()
        response = client.get("/beheer/planning")
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert time.monotonic() - started < 5
        assert "quarterly-reports" in response.get_data(as_text=True)
    finally:
        with app.app_context():
            db.engine.dispose()
