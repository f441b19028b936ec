"""``control_assessments.in_force``: the newest row per (organisation, control) is marked in force
through every way an assessment is written (assess, propose, confirm, reject), only one row per
control can be, and the overview's counts read from the mark equal the ones from the histories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from bio_register import MIGRATIONS_DIR
from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import services
from bio_register.compliance.models import Control, ControlAssessment, ControlCatalog
from bio_register.extensions import db
from tests import dbutil, factories
from tests.conftest import make_app


@pytest.fixture
def bio2() -> ControlCatalog:
    catalog_import.import_all(actor_label="test")
    db.session.commit()
    catalog = services.get_catalog("BIO2-1.3")
    assert catalog is not None
    return catalog


def measure(catalog: ControlCatalog, code: str) -> Control:
    found = services.find_control(catalog, code)
    assert found is not None, code
    return found


def marked(organisation_id: int) -> dict[int, int]:
    """control id → id of the row marked in force."""
    rows = db.session.execute(select(ControlAssessment.control_id, ControlAssessment.id)
                              .where(ControlAssessment.organisation_id == organisation_id, ControlAssessment.in_force))
    return {int(control_id): int(row_id) for control_id, row_id in rows}


def newest(organisation_id: int) -> dict[int, int]:
    """control id → id of the newest row: what 'in force' means."""
    rows = db.session.execute(select(ControlAssessment.control_id, func.max(ControlAssessment.id))
                              .where(ControlAssessment.organisation_id == organisation_id)
                              .group_by(ControlAssessment.control_id))
    return {int(control_id): int(row_id) for control_id, row_id in rows}


def test_the_newest_row_is_in_force_through_assess_propose_confirm_and_reject(bio2) -> None:
    ciso = factories.user([("ciso", "DIE")])
    die, oa = factories.organisation("DIE"), factories.organisation("OA")
    first, second, third = (measure(bio2, code) for code in ("5.01.01", "5.01.02", "5.02.01"))
    services.assess(ciso, die, first, {"applicable": True, "status": "niet"})
    services.assess(ciso, die, first, {"applicable": True, "status": "gedeeltelijk"})
    services.assess(ciso, die, second, {"applicable": False, "justification": "Geen eigen netwerk."})
    services.assess(None, oa, first, {"applicable": True, "status": "volledig"}, actor_label="test")
    db.session.commit()
    assert marked(die.id) == newest(die.id) and len(marked(die.id)) == 2
    assert marked(oa.id) == newest(oa.id)  # another organisation's row of the same control is its own

    # a proposal is in force until it is confirmed or rejected
    services.assess(ciso, die, first, {"applicable": True, "status": "volledig"}, proposed=True)
    services.assess(ciso, die, third, {"applicable": True, "status": "niet"}, proposed=True)
    db.session.commit()
    assert marked(die.id) == newest(die.id)
    totals = services.summaries([die.id], bio2)[die.id]
    assert (totals.proposed, totals.total.volledig, totals.total.niet) == (2, 1, 1)

    # rejected: the row before it is in force again; without one, nothing is
    back = services.reject_proposal(ciso, die, first)
    assert back is not None and back.status.value == "gedeeltelijk"
    assert services.reject_proposal(ciso, die, third) is None
    db.session.commit()
    assert marked(die.id) == newest(die.id) and third.id not in marked(die.id)
    totals = services.summaries([die.id], bio2)[die.id]
    assert (totals.proposed, totals.total.gedeeltelijk, totals.total.volledig, totals.total.assessed) == (0, 1, 0, 2)

    # confirmed: a new row takes over from the proposal
    services.assess(ciso, die, first, {"applicable": True, "status": "volledig"}, proposed=True)
    confirmed = services.confirm_proposal(ciso, die, first)
    db.session.commit()
    assert marked(die.id) == newest(die.id) and marked(die.id)[first.id] == confirmed.id
    assert services.summaries([die.id], bio2)[die.id].total.volledig == 1


def test_only_one_row_per_control_can_be_in_force(bio2) -> None:
    """What keeps two concurrent assessments of one control from both being in force: the second
    insert is refused (the pipeline turns that into 409, nothing stored)."""
    die = factories.organisation("DIE")
    item = measure(bio2, "5.01.01")
    services.assess(None, die, item, {"applicable": True, "status": "niet"}, actor_label="test")
    db.session.commit()
    db.session.add(ControlAssessment(organisation_id=die.id, control_id=item.id, applicable=True,
                                     assessed_at=dt.datetime.now(dt.UTC)))  # in force by default, beside the other
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_overview_counts_from_the_mark_equal_the_histories(bio2) -> None:
    """The overview of many organisations (the in-force rows) against each organisation's own
    compliance page (the newest row of each history) and against the counts at a moment after the
    last assessment (the histories, in the database)."""
    ciso = factories.user([("ciso", "DIE")])
    orgs = [factories.organisation(code) for code in ("DIE", "OA", "UIT")]
    controls = [c for c in services.controls_of(bio2, kind=services.overview_kind(bio2)) if c.status == "active"][:12]
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    for n, organisation in enumerate(orgs):
        for i, item in enumerate(controls[: 4 + 3 * n]):
            for step, status in enumerate(("niet", "gedeeltelijk", "volledig")[: 1 + (i + n) % 3]):
                services.assess(ciso, organisation, item,
                                {"applicable": (i + step) % 5 != 4, "status": status,
                                 "justification": "Niet van toepassing." if (i + step) % 5 == 4 else None},
                                now=start + dt.timedelta(hours=10 * i + step), proposed=(i == 2 and n == 1))
    db.session.commit()
    ids = [o.id for o in orgs]
    now = services.summaries(ids, bio2)
    then = services.summaries(ids, bio2, as_of=start + dt.timedelta(days=30))
    for organisation in orgs:
        page = services.compliance(organisation, bio2).total
        assert now[organisation.id].total == page == then[organisation.id].total
    assert [now[i].total.assessed for i in ids] == [4, 7, 10]
    assert now[orgs[1].id].proposed == 1


@pytest.mark.committed
def test_the_migration_marks_the_newest_row_of_each_history(tmp_path: Path) -> None:
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        with app.app_context():
            upgrade(directory=str(MIGRATIONS_DIR), revision="0034_ap_clock")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO organisations (code, name, reference_prefix, created_at) "
                                  "VALUES ('DIE', 'Diemen', 'DIE', :now), ('OA', 'Ouder-Amstel', 'OA', :now)"),
                             {"now": dt.datetime(2026, 11, 1)})
                conn.execute(text("INSERT INTO control_catalogs (key, name, version, imported_at) "
                                  "VALUES ('BIO2-1.3', 'BIO2 1.3', '1.3', :now)"), {"now": dt.datetime(2026, 11, 1)})
                for code in ("5.24.01", "5.24.02"):
                    conn.execute(text(
                        "INSERT INTO controls (catalog_id, code, kind, group_code, group_title_nl, title_nl, "
                        "categories, status, sort_key) SELECT id, :code, 'measure', '5', 'Organisatorisch', 'Plan', "
                        "'[]', 'active', :code FROM control_catalogs"), {"code": code})
                # DIE: three rows of 5.24.01 and one of 5.24.02; OA: one of 5.24.01, written in between
                for org, code in (("DIE", "5.24.01"), ("DIE", "5.24.01"), ("OA", "5.24.01"), ("DIE", "5.24.02"),
                                  ("DIE", "5.24.01")):
                    conn.execute(text(
                        "INSERT INTO control_assessments (organisation_id, control_id, applicable, evidence_links, "
                        "proposed, opzet_status, bestaan_status, werking_status, opzet_attachment_ids, "
                        "bestaan_attachment_ids, werking_attachment_ids, assessed_at) "
                        "SELECT o.id, c.id, :t, '[]', :f, 'niet_beoordeeld', 'niet_beoordeeld', 'niet_beoordeeld', "
                        "'[]', '[]', '[]', :at FROM organisations o, controls c "
                        "WHERE o.code = :org AND c.code = :code"),
                        {"t": True, "f": False, "at": dt.datetime(2026, 11, 2), "org": org, "code": code})
            upgrade(directory=str(MIGRATIONS_DIR), revision="0035_control_assessment_in_force")
            with db.engine.connect() as conn:
                flags = [bool(flag) for (flag,) in conn.execute(
                    text("SELECT in_force FROM control_assessments ORDER BY id"))]
            assert flags == [False, False, True, True, True]
            downgrade(directory=str(MIGRATIONS_DIR), revision="0034_ap_clock")
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM control_assessments")).scalar_one() == 5
            db.engine.dispose()
