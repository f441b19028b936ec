"""Who may act on a datalek, declared at the routes: the same answer from the page and the API.

The one rule: a caller who cannot read the datalek gets 404 (as if it did not exist); one who
reads it but may not do this gets 403, before the input is even looked at, and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bio_register.breaches.models import ApDecision, ApNotification, BreachAssessment, CbwReport, DataSubjectDecision
from bio_register.extensions import db
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Incident
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import csrf_token, login

SUBMITTED = "2026-11-01T12:00:00+01:00"


@dataclass(frozen=True)
class Action:
    page: str          # the form's POST path after /incidenten/{id}
    method: str        # the API operation's method …
    api: str           # … and path after /api/v1/incidents/{id}
    body: dict[str, Any]
    model: type        # what it would store
    actor: str         # the role that may do it


ACTIONS = {
    "assessment": Action("/datalek/beoordeling", "PUT", "/breach", {"aware_at": SUBMITTED}, BreachAssessment, "fg"),
    "decision": Action("/datalek/besluit", "POST", "/ap-decisions",
                       {"notify": False, "motivation": "Geen risico voor betrokkenen."}, ApDecision, "fg"),
    "notification": Action("/datalek/ap-melding", "POST", "/ap-notifications",
                           {"kind": "follow_up", "meldnummer": "M-1", "submitted_at": SUBMITTED},
                           ApNotification, "fg"),
    "subjects": Action("/datalek/betrokkenen", "POST", "/data-subject-notification", {"notify": True},
                       DataSubjectDecision, "fg"),
    "cbw": Action("/cbw", "POST", "/cbw-reports", {"phase": "early_warning", "submitted_at": SUBMITTED,
                                                   "malicious_suspected": False, "cross_border_possible": False},
                  CbwReport, "ciso"),
}

ROLES = {
    "no_role": [],
    "verbindingsofficier": [("verbindingsofficier", "DIE")],
    "fg": [("fg", "DIE")],
    "ciso": [("ciso", "DIE")],
    "concern_control": [("concern_control", "DUO")],
    "beheerder": [("beheerder", "DUO")],
    "fg_elsewhere": [("fg", "UIT")],
    "ciso_elsewhere": [("ciso", "UIT")],
}
#: who cannot read a datalek of DIE
OUTSIDERS = {"no_role", "fg_elsewhere", "ciso_elsewhere"}


def cases() -> Any:
    for name, action in ACTIONS.items():
        for role in ROLES:
            if role != action.actor:
                yield pytest.param(name, role, 404 if role in OUTSIDERS else 403, id=f"{name}-{role}")


@pytest.fixture
def leak() -> Incident:
    """A datalek of DIE, assessed with a decision to notify and significant under the Cbw: every
    action applies to it."""
    for code in ("DUO", "DIE", "UIT"):
        factories.organisation(code)
    item = factories.incident("DIE", is_datalek=True)
    fg = factories.user([("fg", "DIE")], email="fg.setup@example.nl")
    factories.assess(item, fg=fg)
    from bio_register.breaches import services as breaches

    breaches.decide(fg, item, True, "Melden: risico voor betrokkenen.")
    incidents.update_incident(None, item, {"is_significant_cbw": True}, item.version)
    db.session.commit()
    return item


def _count(model: type, incident: Incident) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(model.incident_id == incident.id)) or 0


@pytest.mark.parametrize(("name", "role", "expected"), list(cases()))
def test_the_page_and_the_api_answer_alike(client: FlaskClient, leak: Incident, name: str, role: str,
                                           expected: int) -> None:
    action = ACTIONS[name]
    before = _count(action.model, leak)
    user = factories.user(ROLES[role])

    api = client.open(f"/api/v1/incidents/{leak.id}{action.api}", method=action.method, json=action.body,
                      headers=bearer(factories.token(user)))
    assert_problem(api, expected)

    login(client, user.email, factories.PASSWORD)
    # an empty form: the refusal comes before the input is checked
    page = client.post(f"/incidenten/{leak.id}{action.page}", data={"csrf_token": csrf_token(client, "/")})
    assert page.status_code == expected

    db.session.expire_all()
    assert _count(action.model, leak) == before


@pytest.mark.parametrize("name", list(ACTIONS))
def test_the_one_who_may_act_gets_past_the_route(client: FlaskClient, leak: Incident, name: str) -> None:
    """The actor's empty form is checked (422), not refused."""
    action = ACTIONS[name]
    user = factories.user(ROLES[action.actor])
    login(client, user.email, factories.PASSWORD)
    page = client.post(f"/incidenten/{leak.id}{action.page}", data={"csrf_token": csrf_token(client, "/")})
    assert page.status_code == 422


@pytest.mark.parametrize("name", [name for name in ACTIONS if name != "cbw"])
def test_an_incident_that_is_no_datalek_has_no_datalek_routes(client: FlaskClient, name: str) -> None:
    """Assessment, decisions and AP meldingen exist only for a datalek: another incident answers 404
    on the page and in the API, to the FG too."""
    plain = factories.incident("DIE")
    fg = factories.user([("fg", "DIE")])
    action = ACTIONS[name]
    headers = bearer(factories.token(fg))
    assert_problem(client.open(f"/api/v1/incidents/{plain.id}{action.api}", method=action.method,
                               json=action.body, headers=headers), 404)
    if action.method == "POST":
        assert_problem(client.get(f"/api/v1/incidents/{plain.id}{action.api}", headers=headers), 404)
    login(client, fg.email, factories.PASSWORD)
    page = client.post(f"/incidenten/{plain.id}{action.page}", data={"csrf_token": csrf_token(client, "/")})
    assert page.status_code == 404
    # the datalek page itself sends the FG back to the incident
    assert client.get(f"/incidenten/{plain.id}/datalek").status_code == 302
