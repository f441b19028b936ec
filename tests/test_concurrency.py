"""Real concurrency on PostgreSQL: threads, a barrier, and requests through the whole app.

(a) Two people load the same incident and save an edit at the same moment, in the browser (the
    form carries the version it was loaded with) and through the API (PATCH with the version):
    exactly one wins, the other is told of the conflict, and the loser's change is not applied.
(b) Many people log an incident for the same organisation at the same moment, in the browser and
    through the API: every incident gets its own reference, consecutive, with no gaps.

SQLite serialises every writer, so these races only exist on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import select

from bio_register.audit import services as audit
from bio_register.audit.models import AuditEvent
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents.models import Incident
from tests import dbutil, factories
from tests.conftest import csrf_token, login, make_app

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.committed,
    pytest.mark.skipif(not dbutil.on_postgresql(),
                       reason="needs PostgreSQL: SQLite serialises all writers, so there is no race to prove"),
]

ROUNDS = 5
WRITERS = 6
PER_WRITER = 3
YEAR = utcnow().year


@pytest.fixture
def live(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A fresh database with DIE, two verbindingsofficieren (with API tokens) and an incident."""
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            anna = factories.user([("verbindingsofficier", "DIE")], name="Anna", email="anna@example.nl")
            bram = factories.user([("verbindingsofficier", "DIE")], name="Bram", email="bram@example.nl")
            tokens = {"anna": factories.token(anna), "bram": factories.token(bram)}
            incident = factories.incident("DIE", actor=anna, title="Oorspronkelijke titel")
            incident_id = incident.id
            db.session.remove()
        try:
            yield {"app": app, "tokens": tokens, "incident_id": incident_id}
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def race(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            results[index] = job(barrier)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    return results


def stored(app: Flask, incident_id: int) -> Incident:
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        db.session.expunge(incident)
        db.session.remove()
        return incident


def update_events(app: Flask, incident_id: int) -> int:
    with app.app_context():
        count = len(db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "incident", AuditEvent.entity_id == str(incident_id),
            AuditEvent.action == "update")).all())
        assert audit.verify_chain().ok
        db.session.remove()
        return count


def browser(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, email, factories.PASSWORD).status_code == 302
    return client


def test_two_browser_saves_of_the_same_incident_one_wins_the_other_sees_the_conflict(live) -> None:
    app, incident_id = live["app"], live["incident_id"]
    clients = {"Anna": browser(app, "anna@example.nl"), "Bram": browser(app, "bram@example.nl")}
    url = f"/incidenten/{incident_id}/bewerken"
    for round_ in range(ROUNDS):
        before = stored(app, incident_id)
        events_before = update_events(app, incident_id)
        forms = {}
        for name, client in clients.items():
            page = client.get(url).get_data(as_text=True)
            forms[name] = {
                "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1),
                "version": re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1),
                "title": f"Titel van {name}, ronde {round_}",
                "description": f"Omschrijving van {name}, ronde {round_}",
                "discovered_at": "2026-11-01T10:00", "is_datalek": "nee",
            }
            assert forms[name]["version"] == str(before.version)

        def save(name: str, data: dict[str, str]) -> Callable[[threading.Barrier], Any]:
            def job(barrier: threading.Barrier) -> Any:
                barrier.wait()
                return clients[name].post(url, data=data)
            return job

        anna, bram = race([save("Anna", forms["Anna"]), save("Bram", forms["Bram"])])
        codes = sorted([anna.status_code, bram.status_code])
        assert codes == [302, 409], codes
        winner, loser = ("Anna", bram) if anna.status_code == 302 else ("Bram", anna)
        html = loser.get_data(as_text=True)
        assert "iemand anders" in html.lower()
        assert f"Titel van {winner}, ronde {round_}" in html  # the stored version is shown beside the form
        after = stored(app, incident_id)
        assert after.title == f"Titel van {winner}, ronde {round_}"
        assert after.description == f"Omschrijving van {winner}, ronde {round_}"
        assert after.version == before.version + 1
        assert update_events(app, incident_id) == events_before + 1


def test_two_api_patches_of_the_same_incident_one_wins_the_other_gets_409(live) -> None:
    app, incident_id, tokens = live["app"], live["incident_id"], live["tokens"]
    url = f"/api/v1/incidents/{incident_id}"
    for round_ in range(ROUNDS):
        before = stored(app, incident_id)
        events_before = update_events(app, incident_id)

        def patch(name: str, round_: int) -> Callable[[threading.Barrier], Any]:
            def job(barrier: threading.Barrier) -> Any:
                client = app.test_client()
                headers = {"Authorization": f"Bearer {tokens[name]}"}
                version = client.get(url, headers=headers).get_json()["version"]
                barrier.wait()
                return client.patch(url, headers=headers, json={
                    "version": version, "title": f"{name} {round_}", "cause": f"Oorzaak volgens {name}"})
            return job

        anna, bram = race([patch("anna", round_), patch("bram", round_)])
        assert sorted([anna.status_code, bram.status_code]) == [200, 409]
        winner, loser = ("anna", bram) if anna.status_code == 200 else ("bram", anna)
        assert loser.mimetype == "application/problem+json"
        assert loser.get_json()["status"] == 409
        after = stored(app, incident_id)
        assert (after.title, after.cause) == (f"{winner} {round_}", f"Oorzaak volgens {winner}")
        assert after.version == before.version + 1
        assert update_events(app, incident_id) == events_before + 1


def _references(app: Flask) -> list[str]:
    with app.app_context():
        refs = sorted(db.session.scalars(select(Incident.reference).where(Incident.reference.like("DIE-%"))))
        assert audit.verify_chain().ok
        db.session.remove()
        return refs


def test_many_api_clients_logging_at_once_get_distinct_consecutive_references(live) -> None:
    app, tokens = live["app"], live["tokens"]
    discovered = (utcnow() - dt.timedelta(hours=1)).isoformat()

    def writer(n: int) -> Callable[[threading.Barrier], Any]:
        def job(barrier: threading.Barrier) -> list[str]:
            client = app.test_client()
            headers = {"Authorization": f"Bearer {tokens['anna' if n % 2 else 'bram']}"}
            barrier.wait()
            refs = []
            for i in range(PER_WRITER):
                response = client.post("/api/v1/incidents", headers=headers, json={
                    "organisation": "DIE", "title": f"Schrijver {n} nummer {i}", "description": "Gelijktijdig",
                    "discovered_at": discovered, "is_datalek": False})
                assert response.status_code == 201, response.get_data(as_text=True)
                refs.append(response.get_json()["reference"])
            return refs
        return job

    results = race([writer(n) for n in range(WRITERS)])
    answered = sorted(ref for refs in results for ref in refs)
    expected = [f"DIE-{YEAR}-{n:04d}" for n in range(1, WRITERS * PER_WRITER + 2)]  # +1: the fixture's
    assert len(set(answered)) == len(answered) == WRITERS * PER_WRITER
    assert _references(app) == expected


def test_many_browsers_logging_at_once_get_distinct_consecutive_references(live) -> None:
    app = live["app"]
    clients = [browser(app, "anna@example.nl" if n % 2 else "bram@example.nl") for n in range(WRITERS)]
    tokens = [csrf_token(client, "/incidenten/nieuw") for client in clients]
    discovered = (utcnow() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")  # UTC is never after Dutch time

    def writer(n: int) -> Callable[[threading.Barrier], Any]:
        def job(barrier: threading.Barrier) -> None:
            barrier.wait()
            for i in range(PER_WRITER):
                response = clients[n].post("/incidenten/nieuw", data={
                    "csrf_token": tokens[n], "organisation": "DIE", "title": f"Browser {n} nummer {i}",
                    "description": "Gelijktijdig", "discovered_at": discovered, "is_datalek": "nee"})
                assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return job

    race([writer(n) for n in range(WRITERS)])
    assert _references(app) == [f"DIE-{YEAR}-{n:04d}" for n in range(1, WRITERS * PER_WRITER + 2)]
