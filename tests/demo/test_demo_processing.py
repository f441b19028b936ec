"""Diemen's demo verwerkingen and verwerkers: made through the services, once."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from bio_register.audit.reconcile import reconcile
from bio_register.demo.processing import create_demo_processing
from bio_register.extensions import db
from bio_register.processing import services
from bio_register.processing.models import ProcessingActivity, Processor
from tests import factories

NOW = dt.datetime(2026, 4, 1, 9, 30, tzinfo=dt.UTC)


def test_diemen_gets_three_verwerkingen_and_two_verwerkers_once(app: Flask) -> None:
    fg = factories.user([("fg", "DIE")], email="fg@demo.bio-register.nl")
    organisations = [factories.organisation(code) for code in ("DIE", "UIT")]
    assert create_demo_processing(organisations, fg, now=NOW) == 3
    db.session.commit()
    names = set(db.session.scalars(select(ProcessingActivity.name)))
    assert names == {"Basisregistratie Personen (BRP)", "Jeugdhulp", "Parkeervergunningen"}
    assert len(list(db.session.scalars(select(Processor)))) == 2
    jeugd = db.session.scalar(select(ProcessingActivity).where(ProcessingActivity.name == "Jeugdhulp"))
    assert jeugd.special_categories == ["gezondheid"] and jeugd.art9_ground == "zorg"
    # the parking processor's agreement has expired: the FG sees it
    assert [p.name for p in services.needing_attention(fg, services.local_today(NOW))] == ["ParkeerDienst B.V."]
    assert reconcile(db.session).ok
    assert create_demo_processing(organisations, fg, now=NOW) is None
