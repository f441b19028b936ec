"""Migration 0018_dutch_titles: an existing database gets the Dutch titles of BIO 1.04 6.1.4 and
14.2.4, which earlier imports stored in English; a title someone changed is left alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from bio_register import MIGRATIONS_DIR
from bio_register.extensions import db
from tests import dbutil
from tests.conftest import make_app

pytestmark = pytest.mark.committed


def _titles(conn) -> dict[str, str]:
    return dict(conn.execute(text("SELECT code, title_nl FROM controls ORDER BY code")).all())


def test_english_fallback_titles_become_dutch_and_others_stay(tmp_path: Path) -> None:
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        with app.app_context():
            upgrade(directory=str(MIGRATIONS_DIR), revision="0017_refuse_rewriting")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO control_catalogs (key, name, version, imported_at) "
                                  "VALUES ('BIO-1.04', 'BIO 1.04', '1.04', :now)"), {"now": dt.datetime(2026, 11, 1)})
                catalog_id = conn.execute(text("SELECT id FROM control_catalogs")).scalar_one()
                for code, title_nl, title_en in (
                        ("6.1.4", "Contact with special interest groups", "Contact with special interest groups"),
                        ("14.2.4", "Eigen titel", "Restrictions on changes to software packages"),
                        ("6.1.3", "Contact met overheidsinstanties", "Contact with authorities")):
                    conn.execute(text(
                        "INSERT INTO controls (catalog_id, code, kind, group_code, group_title_nl, title_nl, title_en, "
                        "categories, status, sort_key) VALUES (:c, :code, 'control', '6', 'Organiseren', :nl, :en, "
                        "'[]', 'withdrawn', :code)"), {"c": catalog_id, "code": code, "nl": title_nl, "en": title_en})
            upgrade(directory=str(MIGRATIONS_DIR), revision="0018_dutch_titles")
            with db.engine.connect() as conn:
                assert _titles(conn) == {"6.1.4": "Contact met speciale belangengroepen", "14.2.4": "Eigen titel",
                                         "6.1.3": "Contact met overheidsinstanties"}
            downgrade(directory=str(MIGRATIONS_DIR), revision="0017_refuse_rewriting")
            with db.engine.connect() as conn:
                assert _titles(conn)["6.1.4"] == "Contact with special interest groups"
            db.engine.dispose()  # no pooled connection left for the garbage collector to find open


def test_the_shipped_catalog_has_a_dutch_title_for_every_control() -> None:
    from controls import loader

    for key in loader.available_catalogs():
        for control in loader.load_catalog(key).controls:
            assert control.title_nl, f"{key} {control.id} has no Dutch title"
