"""Diemen's demo findings: made through the services, once."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from bio_register.audit.reconcile import reconcile
from bio_register.compliance.catalogs import import_all
from bio_register.demo.findings import create_demo_findings
from bio_register.extensions import db
from bio_register.findings import services
from bio_register.findings.models import Finding, FindingStatus
from tests import factories

NOW = dt.datetime(2026, 4, 1, 9, 30, tzinfo=dt.UTC)


def test_diemen_gets_four_findings_once(app: Flask) -> None:
    import_all(actor_label="test")
    ciso = factories.user([("ciso", "DIE")], email="ciso@demo.bio-register.nl")
    measure = factories.measure("DIE", now=NOW - dt.timedelta(days=30))
    organisations = [factories.organisation(code) for code in ("DIE", "UIT")]
    assert create_demo_findings(organisations, ciso, now=NOW) == 4
    db.session.commit()
    found = list(db.session.scalars(select(Finding).order_by(Finding.id)))
    assert [f.status for f in found] == [FindingStatus.OPEN, FindingStatus.IN_BEHANDELING, FindingStatus.OPGELOST,
                                         FindingStatus.GEACCEPTEERD]
    assert services.is_overdue(found[0], services.local_today(NOW))
    assert [m.id for m in found[1].measures] == [measure.id]
    assert all(f.controls for f in found) and found[3].motivation
    assert reconcile(db.session).ok
    assert create_demo_findings(organisations, ciso, now=NOW) is None
