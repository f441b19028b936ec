"""A few findings (bevindingen) of Diemen, through the findings services: an open one past its
re-test, one in behandeling linked to a maatregel, a resolved one and an accepted one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select

from bio_register.accounts.models import User
from bio_register.extensions import db
from bio_register.findings import services as findings
from bio_register.findings.models import Finding
from bio_register.measures.models import Measure
from bio_register.organisations.models import Organisation

MUNICIPALITY = "DIE"


def create_demo_findings(organisations: Sequence[Organisation], ciso: User | None, *,
                         now: dt.datetime) -> int | None:
    """Diemen's findings when it has none yet: the number created, or None."""
    diemen = next((o for o in organisations if o.code == MUNICIPALITY), None)
    if diemen is None or db.session.scalar(select(Finding.id).where(
            Finding.organisation_id == diemen.id).limit(1)) is not None:
        return None
    today = findings.local_today(now)
    measure = db.session.scalar(select(Measure.id).where(Measure.organisation_id == diemen.id)
                                .order_by(Measure.id).limit(1))
    items = [
        {"source": "ensia_digid", "found_on": today - dt.timedelta(days=150), "severity": "hoog",
         "title": "Logging van de DigiD-webapplicatie wordt niet periodiek beoordeeld",
         "description": "De IT-auditor stelde vast dat de logging wel wordt bewaard, maar dat niemand haar "
                        "periodiek beoordeelt op afwijkingen.",
         "controls": ["8.15.01"], "retest_on": today - dt.timedelta(days=14)},
        {"source": "pentest", "found_on": today - dt.timedelta(days=60), "severity": "midden",
         "title": "Verouderde TLS-versie op het burgerportaal",
         "description": "TLS 1.0 en 1.1 worden nog aangeboden.", "status": "in_behandeling",
         "controls": ["8.24.01"], "measures": [measure] if measure else [],
         "retest_on": today + dt.timedelta(days=45)},
        {"source": "interne_audit", "found_on": today - dt.timedelta(days=240), "severity": "laag",
         "title": "Uitdiensttreders niet binnen een week afgemeld", "status": "opgelost",
         "controls": ["5.18.01"]},
        {"source": "ensia_suwinet", "found_on": today - dt.timedelta(days=200), "severity": "laag",
         "title": "Geen jaarlijkse controle op de autorisaties in Suwinet-Inkijk", "status": "geaccepteerd",
         "motivation": "Suwinet-Inkijk wordt in het volgende kwartaal uitgefaseerd; het restrisico is door de "
                       "directie aanvaard.",
         "controls": ["5.18.01"]},
    ]
    for data in items:
        findings.create_finding(ciso, diemen, data, now=now)
    return len(items)
