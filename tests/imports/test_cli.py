"""``bio-register import-register``: the same import from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from bio_register.extensions import db
from bio_register.imports import services
from bio_register.incidents.models import Incident
from tests import factories
from tests.imports import sheets


def invoke(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["bio", "import-register", *args])


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Incident)) or 0


def test_import_with_progress_and_summary(app: Flask, app_ctx, tmp_path: Path) -> None:
    factories.organisation("DIE")
    officer = factories.user([("verbindingsofficier", "DIE")])
    path = tmp_path / "register.xlsx"
    path.write_bytes(sheets.xlsx(sheets.ROWS))
    result = invoke(app, str(path), "--organisation", "die", "--user", officer.email)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "3 incidenten geïmporteerd uit register.xlsx (2 datalekken, 2 besluiten over de AP-melding)" in result.stdout
    assert "2021: 2 (DIE-2021-0001 … DIE-2021-0002)" in result.stdout
    assert "Importeren" in result.stderr  # the progress bar (drawn only on a terminal)
    assert count() == 3


def test_dry_run_imports_nothing(app: Flask, app_ctx, tmp_path: Path) -> None:
    factories.organisation("DIE")
    path = tmp_path / "register.csv"
    path.write_bytes(sheets.csv_bytes(sheets.ROWS[1:2]))
    result = invoke(app, str(path), "--organisation", "DIE", "--dry-run")
    assert result.exit_code == 0 and "1 rijen zouden worden geïmporteerd" in result.stdout
    assert count() == 0


def test_problems_are_listed_and_the_exit_code_is_not_zero(app: Flask, app_ctx, tmp_path: Path) -> None:
    factories.organisation("DIE")
    path = tmp_path / "register.csv"
    rows = [*sheets.ROWS[1:2], ["2021-009", "32-13-2021", "Kapotte datum", "nee", "", "", "", "", ""]]
    path.write_bytes(sheets.csv_bytes(rows))
    result = invoke(app, str(path), "--organisation", "DIE")
    assert result.exit_code == 1
    assert "Rij 3, kolom B (Datum ontdekt): „32-13-2021” is geen bestaande datum of tijd." in result.stderr
    assert "Niets geïmporteerd" in result.stderr and "Traceback" not in result.stderr
    assert count() == 0


def test_decisions_need_a_user_to_record_them(app: Flask, app_ctx, tmp_path: Path) -> None:
    factories.organisation("DIE")
    path = tmp_path / "register.xlsx"
    path.write_bytes(sheets.xlsx(sheets.ROWS))
    result = invoke(app, str(path), "--organisation", "DIE")
    assert result.exit_code == 1 and "--user" in result.stderr
    assert count() == 0


def test_mapping_from_a_json_file(app: Flask, app_ctx, tmp_path: Path) -> None:
    factories.organisation("DIE")
    path = tmp_path / "register.csv"
    path.write_bytes(sheets.csv_bytes([["7", "01-02-2021", "Eigen kolomnamen", "nee"]],
                                      ["Volg", "Wanneer", "Wat", "PG"]))
    mapping = tmp_path / "koppeling.json"
    mapping.write_text(json.dumps({"columns": {"original_reference": "Volg", "discovered_at": "Wanneer",
                                               "description": "Wat", "is_datalek": "PG"}}))
    result = invoke(app, str(path), "--organisation", "DIE", "--mapping", str(mapping))
    assert result.exit_code == 0, result.stderr
    assert db.session.scalar(select(Incident.original_reference)) == "7"


def test_saved_mapping_is_used(app: Flask, app_ctx, tmp_path: Path) -> None:
    die = factories.organisation("DIE")
    services.save_mapping(None, die, services.ColumnMapping(
        {"original_reference": "Volg", "discovered_at": "Wanneer", "description": "Wat", "is_datalek": "PG"}),
        actor_label="test")
    db.session.commit()
    path = tmp_path / "register.csv"
    path.write_bytes(sheets.csv_bytes([["7", "01-02-2021", "Eigen kolomnamen", "nee"]],
                                      ["Volg", "Wanneer", "Wat", "PG"]))
    assert invoke(app, str(path), "--organisation", "DIE").exit_code == 0
    assert count() == 1


def test_bad_arguments_are_refused_clearly(app: Flask, app_ctx, tmp_path: Path) -> None:
    factories.organisation("DIE")
    reader = factories.user([("ciso", "DIE")])
    path = tmp_path / "register.csv"
    path.write_bytes(sheets.csv_bytes(sheets.ROWS[1:2]))
    assert "Onbekende organisatie" in invoke(app, str(path), "--organisation", "XYZ").stderr
    assert "mag geen incidenten" in invoke(app, str(path), "--organisation", "DIE", "--user", reader.email).stderr
    big = tmp_path / "groot.csv"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = invoke(app, str(big), "--organisation", "DIE")
    assert result.exit_code == 1 and "50 MB; de grens is 10 MB" in result.stderr
