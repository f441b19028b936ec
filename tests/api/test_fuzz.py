"""Fuzzing the JSON API with schemathesis against our own OpenAPI document.

Every operation of ``/api/v1/openapi.json`` gets a bounded number of generated requests (valid
and invalid ones), sent in-process to the WSGI app with the API token of a user who holds roles
in an organisation with real data: incidents, a datalek with an assessment and a decision, a
maatregel, a catalog with controls and a report. Path parameters mostly point at those real
objects, so the operations do real work rather than answering 404.

Every response must pass schemathesis' default checks: no 5xx, a documented status code
(``status_code_conformance``), the documented content type (problem+json for errors), documented
headers and a body that matches its schema (``response_schema_conformance``); invalid input must be
refused. The data is chosen so that the answers with the most fields are reached: a datalek whose
assessment has an ENISA score, attachments (one removed: 409 on removing it again, 410 on its
content), a user the caller manages, a report the caller made at the meldpunt. The run is
derandomised, so CI sees the same requests every time.

Hostile JSON that schemathesis never generates (nested thousands deep, a number of thousands of
digits, arrays of a million values) goes to every operation that takes a JSON body: a documented
422 problem+json each time, never a 5xx.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from bio_register import create_app
from bio_register.database import utcnow
from bio_register.reporting import services as reporting
from tests import factories
from tests.conftest import TEST_SECRET
from tests.measures.conftest import CATALOG, add_controls

# Every default check runs except ``positive_data_acceptance``: it demands 2xx for every request the
# document allows, but a schema-valid request can still break a rule that depends on the stored
# state (a Cbw report for an incident that is not Cbw-significant, a stale version, an AP melding
# before the decision to notify) or on a bound OpenAPI 3.0 cannot express (times between 1970 and
# 2100); the API answers those with 422 and the reason per field, which is right.
NOT_APPLICABLE = [positive_data_acceptance]

# Every operation x a few examples keeps the whole run to a minute or two on SQLite; set
# BIO_REGISTER_FUZZ_EXAMPLES for a deeper run (100 takes about ten minutes).
MAX_EXAMPLES = int(os.environ.get("BIO_REGISTER_FUZZ_EXAMPLES", "8"))


@dataclass
class FuzzData:
    token: str
    ids: dict[str, list[Any]] = field(default_factory=dict)
    fields: dict[str, list[Any]] = field(default_factory=dict)
    #: an attachment's id → the path parameters of the object it belongs to
    owners: dict[int, dict[str, Any]] = field(default_factory=dict)


@pytest.fixture
def fuzz_data() -> FuzzData:
    """An organisation with some data, and a token of a user who may do nearly everything in it."""
    from flask import current_app

    from bio_register.attachments import services as attachments
    from bio_register.extensions import db
    from bio_register.incident_reports import links
    from bio_register.incident_reports import services as incident_reports

    user = factories.user([("verbindingsofficier", "DIE"), ("fg", "DIE"), ("ciso", "DIE"),
                           ("concern_control", "DUO"), ("beheerder", "DIE")], name="Fuzzer")
    factories.organisation("OA")
    plain = factories.incident("DIE", actor=user)
    datalek = factories.incident("DIE", actor=user, is_datalek=True,
                                 discovered_at=utcnow() - dt.timedelta(days=3))
    # every field of the assessment filled in, so its answer has an ENISA score (4 × 1 + 0.25)
    factories.assess(datalek, fg=user, enisa_dpc=4, enisa_ei="1", enisa_cb_confidentiality="0.25",
                     subjects_count=12, records_count=30, processor_name="Verwerker BV",
                     likely_consequences="Identiteitsfraude", measures_taken="Wachtwoorden gewijzigd")
    factories.decide_not_to_notify(datalek, fg=user)
    closed = factories.incident("DIE", actor=user, status="afgehandeld")
    other = factories.incident("OA")  # another organisation's
    measure = factories.measure("DIE", actor=user)
    controls = add_controls()
    last_quarter = reporting.previous_period("quarterly", utcnow()).label
    last_month = reporting.previous_period("monthly", utcnow()).label
    report = reporting.generate("quarterly", last_quarter, "DIE", actor=user)
    evidence = factories.incident_attachment(plain, actor=user)
    removed = factories.incident_attachment(plain, actor=user, filename="oud.pdf")
    control_evidence = factories.control_attachment("DIE", controls["5.25"], actor=user)
    control_removed = factories.control_attachment("DIE", controls["5.25"], actor=user, filename="oud.pdf")
    for attachment in (removed, control_removed):
        attachments.remove(user, attachment, "Verkeerd bestand")
    colleague = factories.user([("verbindingsofficier", "DIE"), ("ciso", "DIE")], name="Collega")
    own_report = incident_reports.report(user, factories.organisation("DIE"), {
        "description": "Laptop kwijt in de trein", "personal_data": "weet_niet"}, links=links.for_app(current_app))
    activity = factories.processing_activity("DIE", actor=user)
    template = factories.breach_template("DIE", actor=user, processing_activity_ids=[activity.id])
    webhook = factories.webhook("DIE")
    db.session.commit()
    on_incident = {"incident_id": plain.id}
    on_control = {"code": "DIE", "catalog": CATALOG, "control": "5.25"}
    return FuzzData(token=factories.token(user), ids={
        "incident_id": [plain.id, datalek.id, closed.id, other.id],
        "measure_id": [measure.id],
        "report_id": [report.id, own_report.id],
        "code": ["DIE", "OA", "DUO"],
        "catalog": [CATALOG],
        "control": ["5.25", "5.24.03"],
        "attachment_id": [evidence.id, removed.id, control_evidence.id, control_removed.id],
        "user_id": [colleague.id],
        "organisation": ["DIE"],
        "role": ["ciso", "verbindingsofficier"],
        "template_id": [template.id],
        "category": ["phishing", "email_verkeerde_ontvanger"],
        "webhook_id": [webhook.id],
    }, owners={
        evidence.id: on_incident, removed.id: on_incident,
        control_evidence.id: on_control, control_removed.id: on_control,
    }, fields={
        "organisation": ["DIE"],
        "scope": ["DIE", "all"],
        "period": [last_quarter, last_month],
        "catalog": [CATALOG],
        "control": ["5.24", "5.24.03", "5.25"],
        "incidents": [[plain.id], [plain.id, datalek.id]],
        "controls": [[{"catalog": CATALOG, "code": "5.25"}]],
        "processing_activity_ids": [[activity.id]],
    })


def _openapi_document() -> dict[str, Any]:
    """The document as the app serves it (it does not depend on the database, so any app will do)."""
    throwaway = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": TEST_SECRET})
    response = throwaway.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


# Loaded at collection, so that each operation is a test of its own; the requests go to the test app.
_DOCUMENT = _openapi_document()
schema = schemathesis.openapi.from_dict(copy.deepcopy(_DOCUMENT))


def _pick(value: Any, choices: list[Any]) -> Any:
    """Three in four generated values are replaced by a real one (chosen by the value, so the run
    stays reproducible); the fourth stays as generated."""
    number = value if isinstance(value, int) else sum(map(ord, repr(value)))
    return choices[number % len(choices)] if number % 4 != 3 else value


def _point_at_real_objects(case: Any, data: FuzzData) -> None:
    """Valid generated ids, codes and versions mostly become real ones, so requests reach the rules
    behind the validation; an invalid one, generated to be refused, stays as it is."""
    meta = case.meta
    if not (meta and meta.is_negative_at(ParameterLocation.PATH)):
        for name, value in list((case.path_parameters or {}).items()):
            if name in data.ids:
                case.path_parameters[name] = _pick(value, data.ids[name])
        path = case.path_parameters or {}
        attachment_id = path.get("attachment_id")
        owner = data.owners.get(attachment_id) if isinstance(attachment_id, int) else None
        if owner is not None and set(owner) <= set(path):  # the attachment at the address of its own object
            path.update(owner)
    if isinstance(case.query, dict) and not (meta and meta.is_negative_at(ParameterLocation.QUERY)):
        for name, value in list(case.query.items()):
            if name in data.fields:
                case.query[name] = _pick(value, data.fields[name])
    if isinstance(case.body, dict) and not (meta and meta.is_negative_at(ParameterLocation.BODY)):
        for name, value in list(case.body.items()):
            if name in data.fields:
                case.body[name] = _pick(value, data.fields[name])
        if "version" in case.body and isinstance(case.body["version"], int):
            current = _current_version(case.path_parameters or {})
            if current is not None:
                case.body["version"] = _pick(case.body["version"], [current])


def _current_version(path: dict[str, Any]) -> int | None:
    from sqlalchemy import select

    from bio_register.extensions import db
    from bio_register.incidents.models import Incident
    from bio_register.measures.models import Measure

    for name, model in (("incident_id", Incident), ("measure_id", Measure)):
        if isinstance(path.get(name), int) and 0 <= path[name] < 2**31:
            return db.session.scalar(select(model.version).where(model.id == path[name]))
    return None


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case: Any, fuzz_data: FuzzData, app: Flask) -> None:
    case.operation.schema.app = case.operation.app = app  # the test app (the document came from another)
    _point_at_real_objects(case, fuzz_data)
    # A case generated without its Authorization header (the security scheme's, negated) goes
    # without the token: adding it would make the request valid and its 2xx look like a failure.
    without_token = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
    headers = {} if without_token else {"Authorization": f"Bearer {fuzz_data.token}"}
    case.call_and_validate(session=app.test_client(), headers=headers, excluded_checks=NOT_APPLICABLE)


def test_the_run_holds_every_operation_to_its_documented_statuses_and_schemas() -> None:
    """The run above covers every operation of the document, and the checks that hold an answer to
    the contract are among those it runs (none of them may be switched off)."""
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = {(method.upper(), path) for path, item in _DOCUMENT["paths"].items()
                  for method in item if method in {"get", "post", "put", "patch", "delete"}}
    assert {(operation.method.upper(), operation.path) for operation in operations} == documented
    assert len(documented) >= 59
    for operation in operations:
        config = schema.config.checks_config_for(operation=operation, phase=None)
        for check in (status_code_conformance, response_schema_conformance):
            assert config.get_by_name(name=check.__name__).enabled and check not in NOT_APPLICABLE


# --- hostile JSON (issue 18): shapes schemathesis never generates, sent to every operation with a body ---

HOSTILE_BODIES = {
    "nested 5,000 deep": b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "an integer of 5,000 digits": b'{"version": ' + b"9" * 5000 + b"}",
    "an array of 1,000,000 values": b'{"a": [' + b",".join([b"0"] * 1_000_000) + b"]}",
    "an array of 20,000 values": b'{"a": [' + b",".join([b"0"] * 20_000) + b"]}",
}
JSON_OPERATIONS = sorted(
    (method.upper(), path) for path, item in _DOCUMENT["paths"].items() for method, operation in item.items()
    if method in {"post", "put", "patch", "delete"}
    and "application/json" in operation.get("requestBody", {}).get("content", {}))


@pytest.mark.parametrize(("method", "path"), JSON_OPERATIONS)
def test_hostile_json_is_a_documented_422_problem_everywhere(method: str, path: str, fuzz_data: FuzzData,
                                                            app: Flask) -> None:
    documented = _DOCUMENT["paths"][path][method.lower()]["responses"]
    assert "422" in documented, f"{method} {path} does not document 422"
    url = path
    for name, values in fuzz_data.ids.items():
        url = url.replace("{" + name + "}", str(values[0]))
    url = re.sub(r"\{[a-z_]+\}", "1", url)  # an attachment or user: the body is refused before it is looked up
    client = app.test_client()
    for shape, body in HOSTILE_BODIES.items():
        response = client.open(url, method=method, data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {fuzz_data.token}"})
        assert response.status_code == 422, (shape, response.status_code)
        assert response.mimetype == "application/problem+json", shape
        problem = response.get_json()
        assert problem["status"] == 422 and "grens" in problem["detail"] and problem["errors"]["body"], shape
