"""Catalog updates (issue 21 item 4): the diff between two versions of a catalog, carrying an
organisation's assessments over as proposals, confirming and rejecting them, and refusing a broken file.

The newer version is a TEST catalog (tests/compliance/data/bio2-1.4-test.jsonl), not a published BIO2
version: 5.24.07 revised, 5.26.02 withdrawn, 5.24.05 moved to 5.24.09, 5.24.10 added."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bio_register.audit.models import AuditEvent
from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import services, updates
from bio_register.compliance.models import Control, ControlAssessment, ControlCatalog
from bio_register.errors import Conflict
from bio_register.extensions import db
from controls import loader
from tests import factories
from tests.api.test_api_base import bearer
from tests.conftest import csrf_token, session_login

TEST_CATALOG = Path(__file__).parent / "data" / "bio2-1.4-test.jsonl"


@pytest.fixture
def bio() -> dict[str, ControlCatalog]:
    catalog_import.import_all(actor_label="test")
    catalog_import.import_catalog(loader.read_catalog_file(TEST_CATALOG), actor_label="test")
    db.session.commit()
    return {c.key: c for c in services.catalogs()}


def control(catalog: ControlCatalog, code: str) -> Control:
    found = services.find_control(catalog, code)
    assert found is not None, code
    return found


def test_the_diff_names_added_changed_moved_and_withdrawn_measures(bio) -> None:
    old, new = bio["BIO2-1.3"], bio["BIO2-1.4-test"]
    result = updates.diff(old, new)
    by_kind = {kind: [(c.previous_code, c.code) for c in result.of_kind(kind)] for kind in updates.KINDS}
    assert by_kind == {"added": [(None, "5.24.10")], "changed": [("5.24.07", "5.24.07")],
                       "moved": [("5.24.05", "5.24.09")], "withdrawn": [("5.26.02", "5.26.02")]}
    changed = result.of_kind("changed")[0]
    assert changed.fields == ("title_nl", "revision") and "aangescherpt" in (changed.revision or "")
    assert changed.previous is not None and changed.previous.title_nl.startswith("Incidenten tijdig")
    assert result.counts == {"added": 1, "changed": 1, "moved": 1, "withdrawn": 1}
    # every other control and measure of 1.3 is there unchanged (the moved ones of 1.3 itself included)
    assert result.unchanged == db.session.scalar(
        select(func.count()).select_from(Control).where(Control.catalog_id == old.id)) - 3
    # what may be carried: the same, changed and moved ones, never the withdrawn or added
    pairs = {(o.code, n.code) for o, n in result.pairs}
    assert ("5.24.05", "5.24.09") in pairs and ("5.24.07", "5.24.07") in pairs and ("5.24.01", "5.24.01") in pairs
    assert not any("5.26.02" in pair or "5.24.10" in pair for pair in pairs)
    assert updates.version_in_use(factories.organisation("DIE"), new).key == "BIO2-1.3"
    assert [c.key for c in updates.earlier_versions(new)] == ["BIO2-1.3"]


def test_a_diff_between_two_different_catalogs_is_refused(bio) -> None:
    from bio_register.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        updates.diff(bio["BIO-1.04"], bio["BIO2-1.4-test"])


def _assess_old(ciso: Any, die: Any, old: ControlCatalog) -> Any:
    evidence = factories.control_attachment("DIE", control(old, "5.24.01"), filename="meldpunt.pdf", actor=ciso)
    services.assess(ciso, die, control(old, "5.24.01"), {
        "applicable": True, "status": "volledig", "justification": "Meldpunt via servicedesk", "owner": "CISO",
        "evidence_links": ["https://intranet.example.nl/meldpunt"],
        "opzet": {"status": "voldoet", "assessed_on": "2026-03-01", "assessed_by": "Auditor A"},
        "werking": {"status": "voldoet", "assessed_on": "2026-06-01", "assessed_by": "Auditor A",
                    "attachments": [evidence.id]}})
    services.assess(ciso, die, control(old, "5.24.05"), {"applicable": True, "status": "gedeeltelijk",
                                                         "justification": "Verwijzing ontbreekt nog"})
    services.assess(ciso, die, control(old, "5.24.07"), {"applicable": True, "status": "niet"})
    services.assess(ciso, die, control(old, "5.26.02"), {"applicable": False, "justification": "Geen toezichthouder"})
    services.assess(ciso, die, control(old, "5.24.02"), {"applicable": True, "status": "niet"}, proposed=True)
    db.session.commit()
    return evidence


def test_carried_over_as_proposals_then_confirmed_or_rejected_and_audited(bio) -> None:
    ciso = factories.user([("ciso", "DIE")], name="Carla Ciso")
    die = factories.organisation("DIE")
    old, new = bio["BIO2-1.3"], bio["BIO2-1.4-test"]
    _assess_old(ciso, die, old)

    result = updates.carry_over(ciso, die, old, new)
    db.session.commit()
    proposals = {a.control.code: a for a in result.created}
    # the unchanged, the moved (under its new number) and the changed; not the withdrawn, not the
    # unconfirmed proposal of 5.24.02
    assert sorted(proposals) == ["5.24.01", "5.24.07", "5.24.09"] and result.skipped == []
    assert all(a.proposed for a in proposals.values())
    kept = proposals["5.24.01"]
    assert (kept.status.value, kept.justification, kept.owner) == ("volledig", "Meldpunt via servicedesk", "CISO")
    assert kept.evidence_links == ["https://intranet.example.nl/meldpunt"]
    assert (kept.opzet.status.value, str(kept.opzet.assessed_on), kept.opzet.assessed_by) == (
        "voldoet", "2026-03-01", "Auditor A")
    # the evidence file belongs to 1.3's 5.24.01: the proposal names it, to be added again
    assert kept.werking.status.value == "voldoet" and "meldpunt.pdf" in (kept.werking.evidence or "")
    assert kept.werking.attachment_ids == []
    assert proposals["5.24.09"].status.value == "gedeeltelijk"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "propose")).all()
    assert any("BIO2-1.3 5.24.05 (moved)" in json.dumps(e.changes) for e in events)

    # the CISO confirms the moved one: a new row in force, the proposal stays as history
    confirmed = services.confirm_proposal(ciso, die, control(new, "5.24.09"))
    db.session.commit()
    assert confirmed.proposed is False and confirmed.status.value == "gedeeltelijk"
    assert confirmed.justification == "Verwijzing ontbreekt nog"
    assert [a.proposed for a in services.assessment_history(die, control(new, "5.24.09"))] == [False, True]
    # … and rejects the changed one: nothing in force for it any more
    assert services.reject_proposal(ciso, die, control(new, "5.24.07")) is None
    db.session.commit()
    assert control(new, "5.24.07").id not in services.current_assessments(die, new)
    actions = {e.action: e for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "control_assessment", AuditEvent.action.in_(["confirm", "reject"])))}
    assert set(actions) == {"confirm", "reject"} and actions["confirm"].actor_id == ciso.id
    assert "niet" in json.dumps(actions["reject"].changes)   # the rejected proposal's content is kept
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "carry_over")) == 1
    with pytest.raises(Conflict):
        services.confirm_proposal(ciso, die, control(new, "5.24.09"))   # no proposal left to confirm
    # the old version's assessments are untouched
    assert services.current_assessments(die, old)[control(old, "5.24.05").id].proposed is False


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "bio2-new.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_broken_catalog_file_is_refused_with_its_line_and_nothing_changes(app: Flask, bio, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    lines = TEST_CATALOG.read_text(encoding="utf-8").splitlines()
    before = (db.session.scalar(select(func.count()).select_from(ControlCatalog)),
              db.session.scalar(select(func.count()).select_from(Control)))
    head = next(i for i, line in enumerate(lines) if '"type": "catalog"' in line)
    # an unknown version format
    record = json.loads(lines[head])
    record.update(key="BIO2-v1.5", version="v1.5")
    bad_version = [*lines[:head], json.dumps(record), *lines[head + 1:]]
    result = runner.invoke(args=["bio", "import-catalog", "--file", str(_write(tmp_path, bad_version))])
    assert result.exit_code != 0 and f"regel {head + 1}" in result.output
    assert "unknown version format" in result.output and "Traceback" not in result.output
    # broken structure further down: a measure under a control that is not there
    record.update(key="BIO2-1.5", version="1.5")
    broken = [*lines[:head], json.dumps(record), *lines[head + 1:]]
    at = next(i for i, line in enumerate(broken) if '"id": "5.24.10"' in line)
    broken[at] = broken[at].replace('"control": "5.24"', '"control": "5.99"')
    result = runner.invoke(args=["bio", "import-catalog", "--file", str(_write(tmp_path, broken))])
    assert result.exit_code != 0 and f"regel {at + 1}" in result.output and "5.99" in result.output
    broken[at] = "{niet: json"
    result = runner.invoke(args=["bio", "import-catalog", "--file", str(_write(tmp_path, broken))])
    assert result.exit_code != 0 and f"regel {at + 1}" in result.output and "invalid JSON" in result.output
    db.session.expire_all()
    assert before == (db.session.scalar(select(func.count()).select_from(ControlCatalog)),
                      db.session.scalar(select(func.count()).select_from(Control)))
    # a good new version loads, and says what changed against the version before it
    good = [*lines[:head], json.dumps(record), *lines[head + 1:]]
    result = runner.invoke(args=["bio", "import-catalog", "--file", str(_write(tmp_path, good))])
    assert result.exit_code == 0, result.output
    assert "Catalogus BIO2-1.5: geladen" in result.output
    assert "Ten opzichte van BIO2-1.4-test: 0 toegevoegd, 0 gewijzigd, 0 verplaatst, 0 vervallen" in result.output


def test_the_page_filters_carries_over_and_decides(client: FlaskClient, bio) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    _assess_old(ciso, die, bio["BIO2-1.3"])
    session_login(client, ciso)
    page = client.get("/compliance/DIE/BIO2-1.4-test/bijwerken")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Catalogus bijwerken" in html and "BIO2 1.3" in html
    assert "Beoordelingen overnemen als voorstel" in html
    moved = client.get("/compliance/DIE/BIO2-1.4-test/bijwerken?soort=verplaatst").get_data(as_text=True)
    assert "van 5.24.05 naar 5.24.09" in moved and "5.26.02" not in moved and "5.24.10" not in moved
    assert "gedeeltelijk geïmplementeerd" in moved   # the organisation's assessment under 1.3
    assert "5.26.02" in client.get("/compliance/DIE/BIO2-1.4-test/bijwerken?soort=vervallen").get_data(as_text=True)
    assert client.get("/compliance/DIE/BIO2-1.4-test/bijwerken?van=BIO-1.04").status_code == 404
    assert "Catalogus bijwerken naar BIO2 1.4 (test)" in client.get("/compliance/DIE/BIO2-1.3").get_data(as_text=True)

    token = csrf_token(client, "/compliance/DIE/BIO2-1.4-test/bijwerken")
    assert client.post("/compliance/DIE/BIO2-1.4-test/bijwerken", data={"csrf_token": token}).status_code == 422
    carried = client.post("/compliance/DIE/BIO2-1.4-test/bijwerken", data={"csrf_token": token, "van": "BIO2-1.3"},
                          follow_redirects=True)
    assert carried.status_code == 200 and "3 beoordelingen overgenomen" in carried.get_data(as_text=True)
    moved = client.get("/compliance/DIE/BIO2-1.4-test/bijwerken?soort=verplaatst").get_data(as_text=True)
    assert moved.count("gedeeltelijk geïmplementeerd") == 2 and "voorstel</span>" in moved
    detail = client.get("/compliance/DIE/BIO2-1.4-test/5.24.09").get_data(as_text=True)
    assert "Voorstel bevestigen" in detail and "Voorstel afwijzen" in detail
    done = client.post("/compliance/DIE/BIO2-1.4-test/5.24.09/voorstel/bevestigen", data={"csrf_token": token},
                       follow_redirects=True)
    assert "Het voorstel bij 5.24.09 is bevestigd." in done.get_data(as_text=True)
    assert "Voorstel bevestigen" not in done.get_data(as_text=True)
    again = client.post("/compliance/DIE/BIO2-1.4-test/5.24.09/voorstel/afwijzen", data={"csrf_token": token},
                        follow_redirects=True)
    assert "Er is geen voorstel om te beoordelen bij 5.24.09." in again.get_data(as_text=True)
    gone = client.post("/compliance/DIE/BIO2-1.4-test/5.24.07/voorstel/afwijzen", data={"csrf_token": token},
                       follow_redirects=True)
    assert "Het voorstel bij 5.24.07 is afgewezen." in gone.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ControlAssessment).where(
        ControlAssessment.control_id == control(bio["BIO2-1.4-test"], "5.24.07").id)) == 0


@pytest.mark.parametrize(("roles", "status"), [
    ([("verbindingsofficier", "DIE")], 200), ([("fg", "DIE")], 200), ([("concern_control", "DUO")], 200),
    ([("beheerder", "DUO")], 200), ([("ciso", "UIT")], 200), ([("medewerker", "DIE")], 403),
])
def test_the_diff_api(client: FlaskClient, bio, roles, status: int) -> None:
    user = factories.user(roles)
    response = client.get("/api/v1/catalogs/BIO2-1.4-test/diff?from=BIO2-1.3", headers=bearer(factories.token(user)))
    assert response.status_code == status
    if status != 200:
        return
    body = response.get_json()
    assert body["from"] == "BIO2-1.3" and body["to"] == "BIO2-1.4-test"
    assert body["counts"]["moved"] == 1 and body["counts"]["withdrawn"] == 1 and body["counts"]["unchanged"] > 200
    moved = client.get("/api/v1/catalogs/BIO2-1.4-test/diff?kind=moved", headers=bearer(factories.token(user)))
    assert [(c["previous_code"], c["code"], c["item"]) for c in moved.get_json()["changes"]] == [
        ("5.24.05", "5.24.09", "measure")]
    changed = client.get("/api/v1/catalogs/BIO2-1.4-test/diff?kind=changed",
                         headers=bearer(factories.token(user))).get_json()["changes"][0]
    assert changed["fields"] == ["title_nl", "revision"]
    assert changed["previous_title_nl"].startswith("Incidenten tijdig")
    for query in ("from=BIO-1.04", "from=BIO2-9.9"):
        refused = client.get(f"/api/v1/catalogs/BIO2-1.4-test/diff?{query}", headers=bearer(factories.token(user)))
        assert refused.status_code == 422 and "from" in json.dumps(refused.get_json())
    assert client.get("/api/v1/catalogs/BIO2-1.3/diff", headers=bearer(factories.token(user))).status_code == 422


def test_the_update_page_issues_a_fixed_number_of_queries(client: FlaskClient, bio, count_queries: Any) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    session_login(client, ciso)
    old = bio["BIO2-1.3"]
    services.assess(ciso, die, control(old, "5.24.01"), {"applicable": True, "status": "niet"})
    db.session.commit()
    with count_queries() as few:
        assert client.get("/compliance/DIE/BIO2-1.4-test/bijwerken").status_code == 200
    for item in services.controls_of(old)[:60]:
        services.assess(ciso, die, item, {"applicable": True, "status": "gedeeltelijk"})
    updates.carry_over(ciso, die, old, bio["BIO2-1.4-test"])
    db.session.commit()
    with count_queries() as many:
        assert client.get("/compliance/DIE/BIO2-1.4-test/bijwerken").status_code == 200
    assert many.count == few.count, many.statements


def test_a_move_said_only_by_the_old_number_status_moved(bio) -> None:
    """BIO2's own convention: the old number stays listed with status moved and moved_to, without
    ``replaces`` on the new number: still one move, not a withdrawal and an addition."""
    import dataclasses

    catalog = loader.read_catalog_file(TEST_CATALOG)
    measures = tuple(dataclasses.replace(m, replaces=None) if m.id == "5.24.09" else m for m in catalog.measures)
    other = dataclasses.replace(catalog, key="BIO2-1.4-b", version="1.4-b", measures=measures)
    row, _created = catalog_import.import_catalog(other, actor_label="test")
    result = updates.diff(bio["BIO2-1.3"], row)
    assert [(c.previous_code, c.code) for c in result.of_kind("moved")] == [("5.24.05", "5.24.09")]
    assert [c.code for c in result.of_kind("added")] == ["5.24.10"]


def test_carry_over_and_decisions_through_the_api(client: FlaskClient, bio) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    _assess_old(ciso, die, bio["BIO2-1.3"])
    auth = bearer(factories.token(ciso))
    made = client.post("/api/v1/organisations/DIE/carry-over", headers=auth,
                       json={"from": "BIO2-1.3", "to": "BIO2-1.4-test"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert sorted(a["control"] for a in body["created"]) == ["5.24.01", "5.24.07", "5.24.09"]
    assert all(a["proposed"] for a in body["created"]) and body["skipped"] == []
    confirmed = client.post("/api/v1/organisations/DIE/proposals", headers=auth,
                            json={"catalog": "BIO2-1.4-test", "control": "5.24.09", "decision": "confirm"})
    assert confirmed.status_code == 200
    assert confirmed.get_json()["assessment"]["proposed"] is False
    rejected = client.post("/api/v1/organisations/DIE/proposals", headers=auth,
                           json={"catalog": "BIO2-1.4-test", "control": "5.24.07", "decision": "reject"})
    assert rejected.status_code == 200 and rejected.get_json()["assessment"] is None
    again = client.post("/api/v1/organisations/DIE/proposals", headers=auth,
                        json={"catalog": "BIO2-1.4-test", "control": "5.24.07", "decision": "reject"})
    assert again.status_code == 409
    unknown = client.post("/api/v1/organisations/DIE/proposals", headers=auth,
                          json={"catalog": "BIO2-1.4-test", "control": "5.99.99", "decision": "confirm"})
    assert unknown.status_code == 422 and "control" in json.dumps(unknown.get_json())
    wrong = client.post("/api/v1/organisations/DIE/carry-over", headers=auth,
                        json={"from": "BIO-1.04", "to": "BIO2-1.4-test"})
    assert wrong.status_code == 422 and "from" in json.dumps(wrong.get_json())
    unknown_version = client.post("/api/v1/organisations/DIE/carry-over", headers=auth,
                                  json={"from": "BIO2-1.3", "to": "BIO2-9.9"})
    assert unknown_version.status_code == 422 and "to" in unknown_version.get_json().get("errors", {})
