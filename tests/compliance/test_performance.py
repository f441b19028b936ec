"""Concern control's compliance overview at scale: a fixed number of queries however many
organisations stand side by side, and the same figures as one organisation at a time."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import services
from bio_register.extensions import db
from tests import factories
from tests.conftest import login


def _assess(code: str, n: int) -> None:
    catalog = next(c for c in services.catalogs() if c.key.startswith("BIO2"))
    controls = services.controls_of(catalog, kind=services.ControlKind.MEASURE)[:n]
    org = factories.organisation(code, parent="DUO")  # within the scope of concern control of DUO
    ciso = factories.user([("ciso", code)])
    for i, control in enumerate(controls):
        status = ("niet", "gedeeltelijk", "volledig")[i % 3]
        data = {"applicable": True, "status": status} if i % 7 else {"applicable": False, "justification": "n.v.t."}
        services.assess(ciso, org, control, data)
    db.session.commit()


def test_overview_of_many_organisations_issues_a_fixed_number_of_queries(client: FlaskClient,
                                                                         count_queries: Any) -> None:
    catalog_import.import_all(actor_label="test")
    db.session.commit()
    cc = factories.user([("concern_control", "DUO")])
    login(client, cc.email, factories.PASSWORD)
    _assess("DIE", 12)
    with count_queries() as few:
        assert client.get("/compliance").status_code == 200
    for code in ("OA", "UIT", "AMS", "HLM", "ZDV"):
        _assess(code, 20)
        factories.measure(code)
    with count_queries() as many:
        html = client.get("/compliance").get_data(as_text=True)
    assert many.count == few.count, many.statements
    assert "Organisatie ZDV" in html or "ZDV" in html

    catalog = next(c for c in services.catalogs() if c.key.startswith("BIO2"))
    orgs = [factories.organisation(code) for code in ("DIE", "OA", "UIT", "AMS")]
    together = services.compliance_of_many(orgs, catalog)
    for org, batch in zip(orgs, together, strict=True):
        alone = services.compliance(org, catalog)
        assert batch.total == alone.total and batch.groups == alone.groups
        assert [(g.control.id, g.incidents_12m) for g in batch.gaps] == [
            (g.control.id, g.incidents_12m) for g in alone.gaps]
        assert [c.id for c in batch.unassessed] == [c.id for c in alone.unassessed]
