"""The verwerkingsregister import: the sample register end to end (service, web, CLI), problems per
row and column with nothing saved, unusual headers, verwerkers matched or created, pending kinds."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bio_register.audit.models import AuditEvent
from bio_register.extensions import db
from bio_register.imports import engine
from bio_register.imports.models import PendingImport
from bio_register.processing import importing
from bio_register.processing.models import ProcessingActivity, ProcessingStatus, Processor
from tests import factories
from tests.conftest import csrf_token, login

DOCS = Path(__file__).resolve().parents[2] / "docs"
SAMPLES = ["voorbeeld-verwerkingsregister.xlsx", "voorbeeld-verwerkingsregister.csv"]
UPLOAD = "/verwerkingen/importeren"


def csv_bytes(rows: list[list[str]], header: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def count(model=ProcessingActivity) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def sheet_of(data: bytes, name: str = "register.csv") -> engine.Sheet:
    return engine.Sheet.read(data, name)


HEADER = ["Naam verwerking", "Doel", "Grondslag", "Art. 9-grond", "Categorieën betrokkenen",
          "Categorieën persoonsgegevens", "Bijzondere persoonsgegevens", "Verwerkers"]


# --- the service ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SAMPLES)
def test_the_sample_register_imports_whole(app_ctx, name: str) -> None:
    organisation = factories.organisation("DIE")
    centric = factories.processor("DIE", name="Centric")
    sheet = sheet_of((DOCS / name).read_bytes(), name)
    mapping = importing.guess_mapping(sheet)
    assert set(mapping.columns) == {f.key for f in importing.FIELDS} - {"outside_eea_details", "dpia_link"}
    checked = importing.preview(organisation, sheet, mapping)
    assert checked.preview.all_problems == [] and len(checked.preview.rows) == 7
    assert checked.matched_verwerkers == ["Centric"]
    assert "Inlichtingenbureau" in checked.new_verwerkers and "Centric" not in checked.new_verwerkers
    result = importing.run_import(None, organisation, sheet, mapping, actor_label="test")
    db.session.commit()
    assert result.count == 7 and result.linked_verwerkers == ["Centric"]
    assert result.created_verwerkers == ["ArboNed", "Inlichtingenbureau", "Mailchimp", "Parkeerdienst Regio",
                                         "PinkRoccade Local Government", "Visma Raet"]
    by_name = {a.name: a for a in db.session.scalars(select(ProcessingActivity))}
    brp = by_name["BRP-bijhouding"]
    assert brp.legal_basis == "wettelijke_verplichting" and brp.bsn and brp.special_categories == []
    assert brp.data_categories == ["naw", "geslacht_geboorte"] and brp.processors == [centric]
    assert brp.dpia_done and brp.dpia_date.isoformat() == "2023-03-14" and brp.status == ProcessingStatus.ACTIEF
    wmo = by_name["Wmo-aanvragen maatwerkvoorzieningen"]
    assert wmo.art9_ground == "zorg" and wmo.special_categories == ["gezondheid"]
    assert wmo.subject_categories == ["inwoners", "clienten_sociaal_domein"]
    assert wmo.legal_basis == "algemeen_belang"
    assert by_name["Participatiewet-uitkeringen"].art9_ground == "arbeid_sociale_zekerheid"
    assert sorted(p.name for p in by_name["Participatiewet-uitkeringen"].processors) == [
        "Inlichtingenbureau", "PinkRoccade Local Government"]
    letter = by_name["Digitale nieuwsbrief"]
    assert letter.legal_basis == "toestemming" and not letter.bsn
    assert letter.outside_eea and "Verenigde Staten" in letter.outside_eea_details
    assert by_name["Leerplicht en RMC"].status == ProcessingStatus.CONCEPT
    assert by_name["Personeelsdossiers"].dpia_required and not by_name["Personeelsdossiers"].dpia_done
    # one verwerker per name, even when several rows name it
    assert count(Processor) == 7
    created = db.session.scalar(select(Processor).where(Processor.name == "Mailchimp"))
    assert not created.agreement_signed  # shown as needing an agreement on the verwerkers page
    actions = {(e.entity, e.action) for e in db.session.scalars(select(AuditEvent))}
    assert {("processing_import", "import"), ("processing_activity", "create"), ("processor", "create")} <= actions


def test_problems_are_named_by_row_and_column_and_nothing_is_saved(app_ctx) -> None:
    organisation = factories.organisation("DIE")
    factories.processing_activity("DIE", name="Basisregistratie Personen")
    rows = [
        ["Wmo", "", "wettelijke verplichting", "", "Inwoners", "NAW", "Gezondheid", "Nieuwe Leverancier"],
        ["Jeugd", "Jeugdhulp", "volgens afspraak", "", "Inwoners; Marsmannetjes", "NAW", "", ""],
        ["Basisregistratie Personen", "BRP", "c", "", "", "", "", ""],
        ["Leerplicht", "Toezicht", "c", "h", "Kinderen", "NAW", "", ""],
        ["Leerplicht", "Toezicht", "c", "", "Kinderen", "NAW; Schoenmaat", "", ""],
    ]
    sheet = sheet_of(csv_bytes(rows, HEADER))
    checked = importing.preview(organisation, sheet, importing.guess_mapping(sheet))
    problems = checked.preview.all_problems
    assert "Rij 2, kolom B (Doel): Dit veld is verplicht." in problems
    assert any(p.startswith("Rij 2, kolom D (Art. 9-grond): Bij bijzondere persoonsgegevens hoort een "
                            "uitzonderingsgrond") for p in problems)
    assert any(p.startswith("Rij 3, kolom C (Grondslag): onbekende grondslag „volgens afspraak”") for p in problems)
    assert any(p.startswith("Rij 3, kolom E (Categorieën betrokkenen): onbekende categorie betrokkenen "
                            "„Marsmannetjes”; kies uit: Inwoners, Medewerkers") for p in problems)
    assert ("Rij 4, kolom A (Naam verwerking): „Basisregistratie Personen” staat al in het "
            "verwerkingsregister.") in problems
    assert any(p.startswith("Rij 5, kolom D (Art. 9-grond): Een uitzonderingsgrond uit art. 9 lid 2 hoort alleen "
                            "bij bijzondere persoonsgegevens") for p in problems)
    assert "Rij 6, kolom A (Naam verwerking): „Leerplicht” staat ook al in rij 5." in problems
    assert any(p.startswith("Rij 6, kolom F (Categorieën persoonsgegevens): onbekende categorie persoonsgegevens "
                            "„Schoenmaat”") for p in problems)
    with pytest.raises(engine.ImportRefused):
        importing.run_import(None, organisation, sheet, importing.guess_mapping(sheet), actor_label="test")
    db.session.rollback()
    assert count() == 1 and count(Processor) == 0


def test_unusual_headers_and_spellings_are_understood(app_ctx) -> None:
    organisation = factories.organisation("DIE")
    header = ["Verwerkingsactiviteit", "Doeleinden", "Rechtmatigheidsgrond", "Doorbrekingsgrond", "Betrokkenen",
              "Soort persoonsgegevens", "Leverancier", "Burgerservicenummer", "Proces eigenaar", "Stand",
              "DPIA uitgevoerd?", "Internationale doorgifte"]
    rows = [["Schuldhulpverlening", "Hulp bij schulden", "art. 6 lid 1 sub e", "",
             "Burgers\nUitkeringsgerechtigden", "naam en adres\nIBAN\nBSN\nGezondheidsgegevens", "",
             "Nee", "Teamleider Schulddienstverlening", "in gebruik", "01-02-2024", "nee"]]
    sheet = sheet_of(csv_bytes(rows, header))
    mapping = importing.guess_mapping(sheet)
    assert mapping.columns == {
        "name": "Verwerkingsactiviteit", "purpose": "Doeleinden", "legal_basis": "Rechtmatigheidsgrond",
        "art9_ground": "Doorbrekingsgrond", "subject_categories": "Betrokkenen",
        "data_categories": "Soort persoonsgegevens", "processors": "Leverancier", "bsn": "Burgerservicenummer",
        "owner": "Proces eigenaar", "status": "Stand", "dpia_done": "DPIA uitgevoerd?",
        "outside_eea": "Internationale doorgifte"}
    checked = importing.preview(organisation, sheet, mapping)
    # the health data in the data column counts as special: an art. 9 ground is then needed
    assert any("Doorbrekingsgrond" in p and "art. 9 lid 2" in p for p in checked.preview.all_problems)
    rows[0][3] = "sub h"
    sheet = sheet_of(csv_bytes(rows, header))
    checked = importing.preview(organisation, sheet, mapping)
    assert checked.preview.all_problems == []
    values = checked.preview.rows[0].values
    assert values["legal_basis"] == "algemeen_belang" and values["art9_ground"] == "zorg"
    assert values["subject_categories"] == ["inwoners", "clienten_sociaal_domein"]
    assert values["data_categories"] == ["naw", "financieel"] and values["special_categories"] == ["gezondheid"]
    assert values["bsn"] is True  # BSN in the data column, whatever the BSN column says
    assert values["dpia_done"] and values["dpia_date"].isoformat() == "2024-02-01"
    assert values["status"] == ProcessingStatus.ACTIEF


@pytest.mark.parametrize(("text", "expected"), [
    ("c. wettelijke verplichting", "wettelijke_verplichting"), ("C", "wettelijke_verplichting"),
    ("Wettelijke verplichting (Wet BRP)", "wettelijke_verplichting"), ("art. 6 lid 1 sub e", "algemeen_belang"),
    ("Publiekrechtelijke taak", "algemeen_belang"), ("algemeen_belang", "algemeen_belang"),
    ("b. uitvoering van een overeenkomst", "overeenkomst"), ("gerechtvaardigd belang", "gerechtvaardigd_belang"),
    ("toestemming of overeenkomst", None), ("volgens afspraak", None),
])
def test_legal_bases_as_municipalities_write_them(text: str, expected: str | None) -> None:
    assert importing.legal_basis_of(engine.normalise(text)) == expected


def test_verwerkers_are_matched_by_name_whatever_the_case(app_ctx) -> None:
    organisation = factories.organisation("DIE")
    factories.organisation("UIT")
    existing = factories.processor("DIE", name="Pink Roccade")
    factories.processor("UIT", name="Centric")  # another organisation's: not ours to link
    rows = [["Wmo", "Voorzieningen", "e", "", "Inwoners", "NAW", "", "pink  roccade; CENTRIC"],
            ["Jeugd", "Jeugdhulp", "e", "", "Kinderen", "NAW", "", "Centric"]]
    sheet = sheet_of(csv_bytes(rows, HEADER))
    result = importing.run_import(None, organisation, sheet, importing.guess_mapping(sheet), actor_label="test")
    db.session.commit()
    assert result.linked_verwerkers == ["Pink Roccade"] and result.created_verwerkers == ["CENTRIC"]
    wmo = db.session.scalar(select(ProcessingActivity).where(ProcessingActivity.name == "Wmo"))
    assert existing in wmo.processors
    ours = db.session.scalars(select(Processor).where(Processor.organisation_id == organisation.id)).all()
    assert sorted(p.name for p in ours) == ["CENTRIC", "Pink Roccade"]


# --- the web pages ----------------------------------------------------------------------------------------

def as_fg(client: FlaskClient, org: str = "DIE"):
    for code in ("DIE", "UIT"):
        factories.organisation(code)
    user = factories.user([("fg", org)])
    login(client, user.email, factories.PASSWORD)
    return user


def upload(client: FlaskClient, data: bytes, name: str, org: str = "DIE"):
    token = csrf_token(client, UPLOAD)
    return client.post(UPLOAD, data={"csrf_token": token, "organisation": org, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def raw_upload(client: FlaskClient, data: bytes, name: str):
    """A large upload with a body built here: the test client would spool it to a temporary file
    that it never closes."""
    token = csrf_token(client, UPLOAD)
    body = (f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            '--b\r\nContent-Disposition: form-data; name="organisation"\r\n\r\nDIE\r\n'
            f'--b\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            'Content-Type: text/csv\r\n\r\n').encode() + data + b"\r\n--b--\r\n"
    return client.post(UPLOAD, data=body, content_type="multipart/form-data; boundary=b")


def form_fields(html: str) -> dict[str, str]:
    out = {}
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)" selected>', body)
        out[name] = selected.group(1) if selected else ""
    return out


def test_the_fg_imports_the_sample_register_on_the_web(client: FlaskClient) -> None:
    as_fg(client)
    factories.processor("DIE", name="Centric")
    index = client.get("/verwerkingen").get_data(as_text=True)
    assert 'href="/verwerkingen/importeren"' in index
    response = upload(client, (DOCS / SAMPLES[0]).read_bytes(), SAMPLES[0])
    assert response.status_code == 302
    columns_url = response.headers["Location"]
    html = client.get(columns_url).get_data(as_text=True)
    fields = form_fields(html)
    assert fields["col-name"] == "Naam verwerking" and fields["col-legal_basis"] == "Grondslag (AVG art. 6)"
    response = client.post(columns_url, data={"csrf_token": csrf_token(client, columns_url), **fields})
    assert response.status_code == 302 and response.headers["Location"].endswith("/controle")
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Alle 7 rijen zijn in orde." in preview and "Wmo-aanvragen maatwerkvoorzieningen" in preview
    assert "Gekoppeld aan de bestaande verwerkers: Centric." in preview
    assert "Nieuw aangemaakt, nog zonder verwerkersovereenkomst: ArboNed, Inlichtingenbureau" in preview
    run_url = re.search(r'action="([^"]+/importeren)"', preview).group(1)
    done = client.post(run_url, data={"csrf_token": csrf_token(client, response.headers["Location"])})
    assert done.status_code == 200
    assert "7 verwerkingen uit voorbeeld-verwerkingsregister.xlsx zijn vastgelegd voor Gemeente Diemen" in (
        done.get_data(as_text=True))
    assert count() == 7 and count(PendingImport) == 0
    assert "Participatiewet-uitkeringen" in client.get("/verwerkingen").get_data(as_text=True)
    assert client.get(columns_url).status_code == 404


def test_a_register_with_problems_saves_nothing_on_the_web(client: FlaskClient) -> None:
    as_fg(client)
    rows = [["Wmo", "Voorzieningen", "e", "", "Inwoners", "NAW", "Gezondheid", "Nieuwe Leverancier"],
            ["Jeugd", "Jeugdhulp", "e", "", "Kinderen", "NAW", "", ""]]
    columns_url = upload(client, csv_bytes(rows, HEADER), "register.csv").headers["Location"]
    check_url = columns_url.replace("/kolommen", "/controle")
    html = client.get(check_url).get_data(as_text=True)
    assert "Rij 2, kolom D (Art. 9-grond): Bij bijzondere persoonsgegevens hoort een uitzonderingsgrond" in html
    assert "alle rijen importeren" not in html
    response = client.post(columns_url.replace("/kolommen", "/importeren"),
                           data={"csrf_token": csrf_token(client, check_url)})
    assert response.status_code == 422 and "Niets geïmporteerd" in response.get_data(as_text=True)
    assert count() == 0 and count(Processor) == 0


def test_unreadable_or_too_large_files_get_a_dutch_message(client: FlaskClient, app: Flask,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    as_fg(client)
    response = upload(client, b"%PDF-1.4", "register.pdf")
    assert response.status_code == 422 and "Gebruik een .xlsx- of .csv-bestand." in response.get_data(as_text=True)
    response = upload(client, b"PK\x03\x04 kapot", "register.xlsx")
    assert response.status_code == 422
    assert "Het Excel-bestand kan niet worden gelezen." in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "IMPORT_MAX_MB", 1)
    response = raw_upload(client, b"Naam;Doel\n" + b"x;y\n" * 400_000, "groot.csv")
    assert response.status_code == 422 and "de grens is 1 MB" in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = raw_upload(client, b"Naam;Doel\n" + b"x;y\n" * 1000, "heel-groot.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and "bio-register import-processing" in html
    assert count(PendingImport) == 0


def test_uploads_are_the_uploaders_own_and_of_their_kind(client: FlaskClient) -> None:
    fg = as_fg(client)
    from bio_register.imports import services as incident_import

    mine = importing.store_upload(fg, factories.organisation("DIE"), "r.csv", csv_bytes([], HEADER))
    other = factories.user([("fg", "DIE")], email="fg2@example.nl")
    theirs = importing.store_upload(other, factories.organisation("DIE"), "r.csv", csv_bytes([], HEADER))
    officer = factories.user([("verbindingsofficier", "DIE")], email="vo2@example.nl")
    incident_upload = incident_import.store_upload(officer, factories.organisation("DIE"), "r.csv", b"Nr.;Datum\n")
    incident_upload.user_id = fg.id  # even when it is the fg's own, an incident upload is not a verwerkingen one
    uit = factories.user([("fg", "UIT")], email="fg.uit@example.nl")
    elsewhere = importing.store_upload(uit, factories.organisation("UIT"), "r.csv", csv_bytes([], HEADER))
    elsewhere.user_id = fg.id  # the fg's own upload in an organisation they hold no role in
    db.session.commit()
    assert client.get(f"{UPLOAD}/{mine.id}/kolommen").status_code == 200
    for pending in (theirs, incident_upload, elsewhere):
        assert client.get(f"{UPLOAD}/{pending.id}/kolommen").status_code == 404
        assert client.get(f"{UPLOAD}/{pending.id}/controle").status_code == 404
    assert client.get(f"/incidenten/importeren/{mine.id}/kolommen").status_code in (403, 404)


# --- the command line -------------------------------------------------------------------------------------

def invoke(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["bio", "import-processing", *args])


def test_the_command_imports_the_sample_register(app: Flask, app_ctx) -> None:
    factories.organisation("DIE")
    factories.processor("DIE", name="Centric")
    fg = factories.user([("fg", "DIE")])
    sample = str(DOCS / SAMPLES[1])
    result = invoke(app, sample, "--organisation", "die", "--dry-run")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "In orde: 7 verwerkingen zouden worden geïmporteerd" in result.stdout
    assert "Bestaande verwerkers: Centric" in result.stdout and count() == 0
    result = invoke(app, sample, "--organisation", "DIE", "--user", fg.email)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "7 verwerkingen geïmporteerd uit voorbeeld-verwerkingsregister.csv voor DIE (6 verwerkers aangemaakt, " \
           "1 bestaande gekoppeld)." in result.stdout
    assert count() == 7
    # imported once: a second run names every row and imports nothing
    result = invoke(app, sample, "--organisation", "DIE")
    assert result.exit_code == 1 and "„BRP-bijhouding” staat al in het verwerkingsregister." in result.stderr
    assert "Traceback" not in result.stderr and count() == 7


def test_the_command_refuses_a_user_who_may_not_keep_the_register(app: Flask, app_ctx, tmp_path: Path) -> None:
    factories.organisation("DIE")
    officer = factories.user([("verbindingsofficier", "DIE")])
    result = invoke(app, str(DOCS / SAMPLES[1]), "--organisation", "DIE", "--user", officer.email)
    assert result.exit_code == 1 and "mag het verwerkingsregister van DIE niet bijhouden" in result.stderr
    path = tmp_path / "kapot.csv"
    path.write_bytes(csv_bytes([["Wmo", "", "x", "", "", "", "", ""]], HEADER))
    result = invoke(app, str(path), "--organisation", "DIE")
    assert result.exit_code == 1 and "Rij 2, kolom B (Doel): Dit veld is verplicht." in result.stderr
    assert count() == 0


def test_the_command_takes_a_mapping_file(app: Flask, app_ctx, tmp_path: Path) -> None:
    factories.organisation("DIE")
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([["Wmo", "Voorzieningen", "e"]], ["Proces", "Wat en waarom", "Basis"]))
    mapping = tmp_path / "koppeling.json"
    mapping.write_text('{"columns": {"name": "Proces", "purpose": "Wat en waarom", "legal_basis": "Basis"}}',
                       encoding="utf-8")
    result = invoke(app, str(path), "--organisation", "DIE", "--mapping", str(mapping))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert db.session.scalar(select(ProcessingActivity.purpose)) == "Voorzieningen"
    mapping.write_text('{"columns": {"schoenmaat": "Basis"}}', encoding="utf-8")
    result = invoke(app, str(path), "--organisation", "DIE", "--mapping", str(mapping))
    assert result.exit_code == 1 and "Onbekende velden in de koppeling: schoenmaat." in result.stderr
