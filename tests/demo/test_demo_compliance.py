"""The demo's assessments have a history, so its quarterly reports have a BIO section (issue 19:
the report said "geen BIO-beoordeling vastgelegd" while the app showed Diemen at 70 %, because every
assessment was dated after the end of the quarter reported on)."""

from __future__ import annotations

import datetime as dt
import io
import random

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import services as compliance
from bio_register.compliance.models import ControlAssessment
from bio_register.demo.compliance import ROUNDS, STEPS, create_demo_assessments, history
from bio_register.demo.people import DEMO_USERS
from bio_register.extensions import db
from bio_register.reporting import services as reporting
from bio_register.timeutil import quarter
from reports import render
from tests import factories

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def test_each_history_ends_in_its_final_assessment_and_only_improves() -> None:
    rng = random.Random(1)
    for _ in range(500):
        final = {"applicable": True, "status": rng.choice(STEPS), "owner": "Informatiebeveiliger"}
        steps = history(rng, final)
        assert steps[-1][1] == final
        days = [d for d, _data in steps]
        assert days == sorted(days, reverse=True) and set(days) <= set(ROUNDS)
        ranks = [STEPS.index(data["status"]) for _d, data in steps]
        assert ranks == sorted(ranks)


def test_a_demo_quarterly_report_has_a_bio_section(app: Flask) -> None:
    catalog_import.import_all(actor_label="test")
    die = factories.organisation("DIE")
    ciso = factories.user([("ciso", "DIE")])
    assert create_demo_assessments([die], ciso, now=NOW) > 0
    db.session.commit()
    dates = list(db.session.scalars(select(ControlAssessment.assessed_at)))
    assert min(dates) < NOW - dt.timedelta(days=300)

    report = reporting.quarterly_data(reporting.resolve_scope("DIE"), quarter(2026, 3), version=1,
                                      generated_at=NOW)
    assert len(report.compliance) == 1
    figures = report.compliance[0]
    assert figures.percentage is not None and figures.previous_percentage is not None
    # the report's figure is the one the app showed at the end of that quarter
    catalog = next(c for c in compliance.catalogs() if c.key.startswith("BIO2"))
    shown = compliance.compliance_of_many([die], catalog, as_of=quarter(2026, 3).end)[0]
    assert shown.total.percentage == figures.percentage

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render.render_quarterly(report))).pages)
    assert "Implementatiegraad" in text and "geen BIO-beoordeling vastgelegd" not in text
    assert "30 september 2026" in text


def test_demo_people_have_ordinary_names() -> None:
    for email, name, _roles in DEMO_USERS:
        assert "(" not in name and "@" not in name, name
        for role_word in ("Verbinding", "Control", "Beheer", "Isola", "FG", "CISO", "medewerker"):
            assert role_word not in name, (email, name)
