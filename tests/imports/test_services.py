"""The import service: mapping, preview with row and column, all or nothing, references, datalekken."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from bio_register.audit.models import AuditEvent
from bio_register.breaches.models import ApDecision, ApNotification
from bio_register.extensions import db
from bio_register.imports import services
from bio_register.incidents.models import Category, Incident, ReferenceCounter, Status
from tests import factories
from tests.imports import sheets

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def die(app_ctx):
    return factories.organisation("DIE")


@pytest.fixture
def officer(die):
    return factories.user([("verbindingsofficier", "DIE")], name="Vera de Vries")


def sheet_of(rows, header=sheets.HEADER, name="register.xlsx") -> services.Sheet:
    if name.endswith(".csv"):
        return services.Sheet.read(sheets.csv_bytes(rows, header), name)
    return services.Sheet.read(sheets.xlsx(rows, header), name)


def imported(org) -> list[Incident]:
    return list(db.session.scalars(select(Incident).where(Incident.organisation_id == org.id)
                                   .order_by(Incident.reference)))


def run(officer, org, sheet, mapping=None):
    mapping = mapping or services.guess_mapping(sheet)
    return services.run_import(officer, org, sheet, mapping, now=NOW)


def test_header_names_are_guessed(die) -> None:
    mapping = services.guess_mapping(sheet_of(sheets.ROWS))
    assert mapping.columns == {
        "original_reference": "Nr.", "discovered_at": "Datum ontdekt", "description": "Omschrijving",
        "is_datalek": "Datalek", "category": "Categorie", "status": "Status", "ap_notify": "Gemeld bij AP",
        "ap_meldnummer": "Meldnummer", "ap_submitted_at": "Datum melding AP"}
    assert mapping.categories == {"brief verkeerd adres": "post_verkeerde_ontvanger", "phishing": "phishing",
                                  "diefstal": "apparaat_verloren_gestolen"}


def test_a_good_sheet_is_imported_with_references_for_its_own_years(die, officer) -> None:
    result = run(officer, die, sheet_of(sheets.ROWS))
    assert result.count == 3 and result.datalekken == 2 and result.decisions == 2
    rows = {i.original_reference: i for i in imported(die)}
    assert rows["2021-001"].reference == "DIE-2021-0001" and rows["2021-002"].reference == "DIE-2021-0002"
    # 31-12-2022 14:30 Dutch time is 13:30 UTC: still 2022
    assert rows["2022-001"].reference == "DIE-2022-0001"
    assert rows["2022-001"].discovered_at == dt.datetime(2022, 12, 31, 13, 30, tzinfo=dt.UTC)
    first = rows["2021-001"]
    assert first.title == "Brief met BSN naar verkeerd adres gestuurd" == first.description
    assert first.category == Category.WRONG_RECIPIENT_POST and first.status == Status.AFGEHANDELD
    assert first.closed_at == first.discovered_at and first.created_by_id == officer.id
    assert result.per_year() == [(2021, 2, "DIE-2021-0001", "DIE-2021-0002"),
                                 (2022, 1, "DIE-2022-0001", "DIE-2022-0001")]


def test_live_incidents_of_an_imported_year_continue_after_the_imported_ones(die, officer) -> None:
    run(officer, die, sheet_of(sheets.ROWS))
    live = factories.incident("DIE", actor=officer, discovered_at=dt.datetime(2021, 6, 1, 10, tzinfo=dt.UTC))
    assert live.reference == "DIE-2021-0003"


def test_an_import_into_a_year_with_incidents_continues_its_counter(die, officer) -> None:
    factories.incident("DIE", actor=officer, discovered_at=dt.datetime(2021, 2, 1, 10, tzinfo=dt.UTC))
    run(officer, die, sheet_of(sheets.ROWS))
    assert {i.original_reference: i.reference for i in imported(die)}["2021-001"] == "DIE-2021-0002"


def test_references_follow_the_order_of_discovery_not_of_the_sheet(die, officer) -> None:
    rows = [sheets.ROWS[1], sheets.ROWS[0]]  # March before January in the sheet
    run(officer, die, sheet_of(rows))
    assert {i.original_reference: i.reference for i in imported(die)} == {
        "2021-001": "DIE-2021-0001", "2021-002": "DIE-2021-0002"}


def test_one_bad_row_imports_nothing_and_leaves_the_counters(die, officer) -> None:
    rows = [*sheets.ROWS, ["2021-003", "32-13-2021", "Datum bestaat niet", "nee", "", "", "", "", ""]]
    with pytest.raises(services.ImportRefused) as refused:
        run(officer, die, sheet_of(rows))
    assert refused.value.preview.all_problems == [
        "Rij 5, kolom B (Datum ontdekt): „32-13-2021” is geen bestaande datum of tijd."]
    db.session.rollback()
    assert imported(die) == []
    assert db.session.scalar(select(func.count()).select_from(ReferenceCounter)) == 0


def test_preview_names_each_problem_by_row_and_column(die) -> None:
    rows = [
        ["A-1", "31-12-2021", "Goed", "ja", "Phishing", "afgehandeld", "nee", "", ""],
        ["A-2", "2021-13-01", "Maand 13", "misschien", "Onbekend ding", "half", "", "", ""],
        ["", "", "", "nee", "", "", "", "", ""],
        ["A-1", "01-01-2099", "Toekomst en dubbel", "nee", "", "", "", "", ""],
        ["A-5", "01-06-2021", "Afgehandeld datalek zonder besluit", "ja", "", "", "", "", ""],
        ["A-6", "01-06-2021", "Gemeld zonder nummer", "ja", "", "", "ja", "", "05-06-2021"],
    ]
    preview = services.preview(die, sheet_of(rows), services.guess_mapping(sheet_of(rows)), now=NOW)
    problems = "\n".join(preview.all_problems)
    assert "Rij 2" not in problems
    assert "Rij 3, kolom B (Datum ontdekt): „2021-13-01” is geen bestaande datum of tijd." in problems
    assert "Rij 3, kolom D (Datalek): „misschien”: vul ja of nee in." in problems
    assert "Rij 3, kolom E (Categorie): onbekende categorie „Onbekend ding”" in problems
    assert "Rij 3, kolom F (Status): onbekende status „half”" in problems
    assert "Rij 4, kolom A (Nr.): leeg" in problems
    assert "Rij 4, kolom C (Omschrijving)" in problems
    assert "Rij 5, kolom A (Nr.): „A-1” staat ook al in rij 2." in problems
    assert "Rij 5, kolom B (Datum ontdekt): Het moment van ontdekken ligt in de toekomst." in problems
    assert "Rij 6, kolom G (Gemeld bij AP): een afgehandeld datalek heeft het besluit" in problems
    assert "Rij 7, kolom H (Meldnummer): gemeld bij de AP, maar het meldnummer ontbreekt." in problems
    assert preview.rows_with_problems == 5


def test_missing_required_columns_are_named(die) -> None:
    sheet = sheet_of([["x", "y"]], ["Iets", "Anders"])
    preview = services.preview(die, sheet, services.guess_mapping(sheet), now=NOW)
    assert "Kies de kolom voor „Nummer in het oude register”: die is nodig." in preview.problems
    assert "Kies een kolom voor de titel of de omschrijving." in preview.problems
    assert not preview.ok


def test_importing_the_same_file_twice_is_refused_by_row(die, officer) -> None:
    sheet = sheet_of(sheets.ROWS)
    run(officer, die, sheet)
    db.session.commit()
    with pytest.raises(services.ImportRefused) as refused:
        run(officer, die, sheet)
    assert refused.value.preview.all_problems[0] == (
        "Rij 2, kolom A (Nr.): „2021-001” is al geïmporteerd als DIE-2021-0001.")
    assert len(refused.value.preview.all_problems) == 3
    db.session.rollback()
    assert len(imported(die)) == 3


def test_the_same_number_in_another_organisation_is_fine(die, officer) -> None:
    run(officer, die, sheet_of(sheets.ROWS))
    uit = factories.organisation("UIT")
    other = factories.user([("verbindingsofficier", "UIT")])
    assert run(other, uit, sheet_of(sheets.ROWS)).count == 3


def test_each_incident_and_the_run_are_audited_as_imported(die, officer) -> None:
    run(officer, die, sheet_of(sheets.ROWS, name="oud-register.xlsx"))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")
                                .order_by(AuditEvent.seq)).all()
    incident_events = [e for e in events if e.entity == "incident"]
    assert len(incident_events) == 3
    changes = json.loads(incident_events[0].changes)
    assert changes["source"]["after"] == "oud-register.xlsx, rij 2"
    assert changes["original_reference"]["after"] == "2021-001"
    assert all(e.actor_id == officer.id for e in events)
    run_event = [e for e in events if e.entity == "register_import"]
    assert len(run_event) == 1 and json.loads(run_event[0].changes)["rows"]["after"] == 3
    assert {e.entity for e in events} == {"incident", "ap_decision", "ap_notification", "register_import"}


def test_historical_ap_decisions_are_recorded_as_imported(die, officer) -> None:
    run(officer, die, sheet_of(sheets.ROWS))
    rows = {i.original_reference: i for i in imported(die)}
    decision = db.session.scalar(select(ApDecision).where(ApDecision.incident_id == rows["2022-001"].id))
    assert decision.notify is True and decision.decided_by_id == officer.id
    assert "vóór BIO-register" in decision.motivation and "rij 4" in decision.motivation
    notification = db.session.scalar(select(ApNotification).where(ApNotification.incident_id == rows["2022-001"].id))
    assert notification.meldnummer == "M-2023-00012"
    assert notification.submitted_at == dt.datetime(2023, 1, 2, 9, 0, tzinfo=dt.UTC)
    not_notified = db.session.scalar(select(ApDecision).where(ApDecision.incident_id == rows["2021-001"].id))
    assert not_notified.notify is False
    assert db.session.scalar(select(ApDecision).where(ApDecision.incident_id == rows["2021-002"].id)) is None


def test_ap_columns_on_an_incident_that_is_no_datalek_are_refused(die) -> None:
    rows = [["X-1", "01-02-2021", "Geen datalek", "nee", "", "", "ja", "M-1", "02-02-2021"]]
    preview = services.preview(die, sheet_of(rows), services.guess_mapping(sheet_of(rows)), now=NOW)
    assert "Rij 2, kolom G (Gemeld bij AP): ingevuld, maar het is geen datalek." in preview.all_problems


def test_an_open_datalek_without_decision_is_imported_open_for_the_fg(die, officer) -> None:
    rows = [["X-1", "01-02-2026", "Nog in onderzoek", "ja", "", "in behandeling", "", "", ""]]
    run(officer, die, sheet_of(rows))
    (incident,) = imported(die)
    assert incident.status == Status.IN_BEHANDELING and incident.closed_at is None and incident.is_datalek


def test_dutch_dates_times_and_yes_no(app_ctx) -> None:
    assert services.parse_datetime("31-12-2021") == dt.datetime(2021, 12, 30, 23, 0, tzinfo=dt.UTC)
    assert services.parse_datetime("01-07-2021 14:30") == dt.datetime(2021, 7, 1, 12, 30, tzinfo=dt.UTC)
    assert services.parse_datetime(dt.datetime(2021, 7, 1, 14, 30)) == dt.datetime(2021, 7, 1, 12, 30, tzinfo=dt.UTC)
    assert services.parse_datetime("2021-07-01") == dt.datetime(2021, 6, 30, 22, 0, tzinfo=dt.UTC)
    for bad in ("32-13-2021", "29-02-2021", "31-12-2021 25:00", "gisteren"):
        with pytest.raises(services.CellProblem):
            services.parse_datetime(bad)
    with pytest.raises(services.CellProblem, match="bestaat niet in Nederlandse tijd"):
        services.parse_datetime("28-03-2021 02:30")
    assert [services.parse_yes_no(v) for v in ("ja", "Nee", "J", True, "", None)] == [True, False, True, True,
                                                                                      None, None]


def test_a_windows_1252_csv_with_e_trema_is_imported(die, officer) -> None:
    data = sheets.csv_bytes([["2021-7", "03-03-2021", "Dossier van mevrouw Boëtius zoek", "ja", "", "",
                              "nee", "", ""]], encoding="cp1252")
    result = run(officer, die, services.Sheet.read(data, "register.csv"))
    assert result.imported[0].description == "Dossier van mevrouw Boëtius zoek"


def test_category_table_decides_and_is_saved_and_reused(die, officer) -> None:
    rows = [["C-1", "01-02-2021", "Eigen woord", "nee", "Foutje website", "", "", "", ""]]
    sheet = sheet_of(rows)
    mapping = services.guess_mapping(sheet)
    assert mapping.categories == {}  # not guessed: a problem until someone chooses
    assert "onbekende categorie" in services.preview(die, sheet, mapping, now=NOW).all_problems[0]
    mapping.categories["foutje website"] = Category.PUBLISHED_BY_MISTAKE.value
    services.save_mapping(officer, die, mapping)
    again = services.guess_mapping(sheet_of(rows), services.saved_mapping(die))
    assert again.categories["foutje website"] == "per_ongeluk_gepubliceerd"
    assert again.columns == mapping.columns
    run(officer, die, sheet, again)
    assert imported(die)[0].category == Category.PUBLISHED_BY_MISTAKE


def test_saved_columns_win_over_guesses(die, officer) -> None:
    header = ["Nr.", "Datum", "Datum ontdekt", "Omschrijving", "Datalek"]
    sheet = sheet_of([["1", "01-01-2021", "05-01-2021", "Iets", "nee"]], header)
    mapping = services.guess_mapping(sheet)
    assert mapping.columns["discovered_at"] == "Datum ontdekt"
    mapping.columns["discovered_at"] = "Datum"
    services.save_mapping(officer, die, mapping)
    assert services.guess_mapping(sheet, services.saved_mapping(die)).columns["discovered_at"] == "Datum"


def test_mapping_from_json_refuses_unknown_fields_and_categories(app_ctx) -> None:
    with pytest.raises(services.ValidationFailed, match="Onbekende velden"):
        services.ColumnMapping.from_json({"columns": {"wachtwoord": "x"}})
    with pytest.raises(services.ValidationFailed, match="Onbekende categorieën"):
        services.ColumnMapping.from_json({"columns": {}, "categories": {"x": "nonsense"}})


def test_progress_is_reported_per_row(die, officer) -> None:
    steps: list[int] = []
    services.run_import(officer, die, sheet_of(sheets.ROWS), services.guess_mapping(sheet_of(sheets.ROWS)),
                        now=NOW, progress=steps.append)
    assert steps == [1, 1, 1]


@pytest.mark.parametrize("name", ["voorbeeld-incidentregister.xlsx", "voorbeeld-incidentregister.csv"])
def test_the_sample_in_docs_imports_as_the_readme_says(die, officer, name: str) -> None:
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "docs" / name
    sheet = services.Sheet.read(path.read_bytes(), name)
    mapping = services.guess_mapping(sheet)
    assert services.preview(die, sheet, mapping, now=NOW).all_problems == []
    result = services.run_import(officer, die, sheet, mapping, now=NOW)
    assert (result.count, result.datalekken, result.decisions) == (11, 7, 6)
    assert [(year, count) for year, count, _f, _l in result.per_year()] == [(2021, 4), (2022, 4), (2023, 3)]
    by_number = {i.original_reference: i for i in result.imported}
    assert by_number["2023-01"].description == "Een papieren dossier is na een huisbezoek niet teruggevonden."
    assert by_number["2023-01"].title == "Dossier van mevrouw Boëtius kwijt"
    assert by_number["2023-03"].status == Status.IN_BEHANDELING
    assert by_number["2023-02"].status == Status.INGETROKKEN
    assert by_number["2021-01"].occurred_at == dt.datetime(2021, 1, 11, 15, 5, tzinfo=dt.UTC)


def test_imported_history_counts_in_the_annual_figures_and_datalek_pages(die, officer, client) -> None:
    from bio_register.reporting.services import annual_figures
    from tests.conftest import login

    run(officer, die, sheet_of(sheets.ROWS))
    db.session.commit()
    figures = annual_figures(die, 2022)
    assert "1 datalek" in figures.sentence or "1 datalekken" in figures.sentence
    assert "in 1 geval" in figures.sentence
    fg = factories.fg_of("DIE")
    login(client, fg.email, factories.PASSWORD)
    leak = {i.original_reference: i for i in imported(die)}["2022-001"]
    page = client.get(f"/incidenten/{leak.id}/datalek")
    assert page.status_code == 200 and "M-2023-00012" in page.get_data(as_text=True)
    assert client.get("/datalekken").status_code == 200
    assert client.get("/datalekken/register.csv").status_code == 200
    assert client.get("/datalekken/register.pdf").status_code == 200
