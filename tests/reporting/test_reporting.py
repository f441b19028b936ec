from __future__ import annotations

import datetime as dt
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bio_register import scheduler
from bio_register.breaches import services as breaches
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.incidents import services as incidents
from bio_register.measures.models import MeasureStatus
from bio_register.reporting import services as reporting
from bio_register.reporting.models import Report, ReportKind
from bio_register.timeutil import quarter, to_utc
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import csrf_token, login

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def ams(*args: int) -> dt.datetime:
    return to_utc(dt.datetime(*args))


def log(org: str = "DIE", *, discovered_at: dt.datetime, is_datalek: bool = False, **data):
    incident = incidents.create_incident(None, factories.organisation(org), {
        "title": "Incident", "description": "Omschrijving", "discovered_at": discovered_at,
        "is_datalek": is_datalek, **data}, now=NOW, actor_label="test")
    db.session.commit()
    return incident


def test_annual_figures_give_the_sentence_for_the_annual_accounts() -> None:
    fg = factories.fg_of("DIE")
    for month in range(1, 10):
        log(discovered_at=ams(2021, month, 10, 12, 0))
    leaks = [log(discovered_at=ams(2021, 1 + n % 12, 5, 9, 0), is_datalek=True) for n in range(17)]
    for leak in leaks[:2]:
        breaches.save_assessment(fg, leak, {"aware_at": leak.discovered_at}, now=NOW)
        breaches.decide(fg, leak, True, "Hoog risico voor betrokkenen.", now=NOW)
        breaches.record_notification(fg, leak, "initial", leak.discovered_at + dt.timedelta(hours=30), "M-1",
                                     now=NOW)
    log(discovered_at=ams(2022, 1, 1, 0, 30))                       # 2022 in Amsterdam
    log(discovered_at=ams(2020, 12, 31, 23, 30))                    # still 2020 in Amsterdam
    withdrawn = log(discovered_at=ams(2021, 6, 1, 9, 0))
    incidents.change_status(None, withdrawn, "ingetrokken", withdrawn.version, reason="geen incident", now=NOW)
    db.session.commit()
    figures = reporting.annual_figures(factories.organisation("DIE"), 2021)
    assert (figures.security_incidents, figures.datalekken, figures.ap_meldingen) == (9, 17, 2)
    assert figures.sentence == ("In 2021 zijn er voor de gemeente Diemen 9 beveiligingsincidenten geregistreerd en "
                                "17 datalekken; in 2 gevallen is melding gedaan bij de Autoriteit "
                                "Persoonsgegevens.")


def test_periods_are_validated() -> None:
    for kind, text in (("quarterly", "2026-Q5"), ("quarterly", "2026Q3"), ("monthly", "2026-13"),
                       ("monthly", "oktober")):
        with pytest.raises(ValidationFailed) as caught:
            reporting.parse_period(kind, text, now=NOW)
        assert caught.value.field == "period"
    with pytest.raises(ValidationFailed, match="nog niet voorbij"):
        reporting.parse_period("quarterly", "2026-Q4", now=NOW)
    assert reporting.parse_period("monthly", "2026-10", now=NOW).label == "2026-10"
    assert reporting.previous_period("quarterly", NOW).label == "2026-Q3"
    assert reporting.previous_period("monthly", ams(2027, 1, 1, 6, 0)).label == "2026-12"
    with pytest.raises(ValidationFailed):
        reporting.resolve_scope("XYZ")


def test_quarterly_data_counts_exactly_and_cuts_the_quarter_in_amsterdam_time() -> None:
    log(discovered_at=ams(2026, 3, 31, 23, 30), category="phishing", severity="hoog")       # Q1
    log(discovered_at=ams(2026, 4, 1, 0, 30), is_datalek=True, category="email_verkeerde_ontvanger")  # Q2
    log(discovered_at=ams(2026, 5, 1, 12, 0), is_datalek=True, category="email_verkeerde_ontvanger")
    log("UIT", discovered_at=ams(2026, 5, 1, 12, 0))
    scope = reporting.resolve_scope("DIE")
    q2 = reporting.quarterly_data(scope, quarter(2026, 2), version=1, generated_at=NOW)
    assert (q2.incidents.value, q2.incidents.previous) == (2, 1)
    assert (q2.datalekken.value, q2.datalekken.previous) == (2, 0)
    assert [(c.label, c.value, c.previous) for c in q2.by_category] == [
        ("E-mail aan verkeerde ontvanger", 2, 0), ("Phishing", 0, 1)]
    assert q2.breaches.datalekken == 2 and q2.breaches.undecided == 2
    assert [p.period for p in q2.trend][-2:] == ["2026-Q1", "2026-Q2"] and len(q2.trend) == 8
    assert (q2.trend[-1].incidents, q2.trend[-1].datalekken) == (0, 2)
    everyone = reporting.quarterly_data(reporting.resolve_scope("all"), quarter(2026, 2), version=1,
                                        generated_at=NOW)
    assert everyone.incidents.value == 3


def test_generate_stores_an_immutable_versioned_pdf(app: Flask) -> None:
    log(discovered_at=ams(2026, 8, 3, 10, 0), is_datalek=True, title="Brief naar verkeerd adres")
    first = reporting.generate("quarterly", "2026-Q3", "DIE", actor_label="test", now=NOW)
    second = reporting.generate("quarterly", "2026-Q3", "DIE", actor_label="test", now=NOW)
    db.session.commit()
    assert (first.version, second.version) == (1, 2)
    assert first.pdf.startswith(b"%PDF") and len(first.sha256) == 64
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(first.pdf)).pages)
    assert "Gemeente Diemen" in text and "2026" in text and "versie 1" in text
    first.scope = "UIT"
    with pytest.raises(RuntimeError, match="immutable"):
        db.session.flush()
    db.session.rollback()


def test_monthly_report_lists_the_incidents_and_what_was_done() -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    incident = log(discovered_at=ams(2026, 10, 3, 14, 5), title="USB-stick kwijt")
    incidents.add_entry(vo, incident, "actie", "Apparaat op afstand gewist", ams(2026, 10, 3, 16, 0), now=NOW)
    factories.measure("DIE", incidents=[incident.id], title="USB-poorten dichtzetten",
                      status=MeasureStatus.IN_UITVOERING)
    db.session.commit()
    data = reporting.monthly_data(reporting.resolve_scope("DIE"), reporting.month(2026, 10), version=1,
                                  generated_at=NOW)
    assert [i.reference for i in data.opened] == [incident.reference]
    assert any("Apparaat op afstand gewist" in a for a in data.opened[0].actions)
    # the maatregel's status in words, not its code ("in_uitvoering")
    assert "maatregel: USB-poorten dichtzetten (in uitvoering)" in data.opened[0].actions
    assert data.period_label == "oktober 2026"


def municipalities_of_duo() -> None:
    for code in ("DUO", "DIE", "OA", "UIT"):
        factories.organisation(code)
    for code in ("DIE", "OA", "UIT"):
        org = factories.organisation(code)
        org.parent_id = factories.organisation("DUO").id
    db.session.commit()


def test_due_reports_are_made_once_per_scope(app: Flask) -> None:
    municipalities_of_duo()
    assert scheduler.generate_due_reports("quarterly", NOW) == (4, 0)
    assert sorted(db.session.scalars(select(Report.scope))) == ["DIE", "OA", "UIT", "all"]
    assert scheduler.generate_due_reports("quarterly", NOW) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(Report).where(
        Report.kind == ReportKind.QUARTERLY, Report.period == "2026-Q3")) == 4


def test_a_failing_due_report_leaves_the_others(app: Flask, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    """Each report in a transaction of its own: the job's boundary, not the service, commits."""
    municipalities_of_duo()
    generate = reporting.generate

    def failing_for_oa(kind: str, period: str, scope: str, **kwargs: object) -> Report:
        report = generate(kind, period, scope, **kwargs)
        if scope == "OA":
            raise RuntimeError("the PDF renderer fell over")  # after the report was added: it must go
        return report

    monkeypatch.setattr(reporting, "generate", failing_for_oa)
    assert scheduler.generate_due_reports("monthly", NOW) == (3, 1)
    assert sorted(db.session.scalars(select(Report.scope))) == ["DIE", "UIT", "all"]
    assert "report monthly 2026-10 OA failed" in caplog.text
    monkeypatch.setattr(reporting, "generate", generate)
    assert scheduler.generate_due_reports("monthly", NOW) == (1, 0)  # the next run makes the missing one


def test_archive_pages_and_api_for_concern_control(client: FlaskClient) -> None:
    factories.organisation("DIE")
    cc = factories.user([("concern_control", "DUO")])
    login(client, cc.email, factories.PASSWORD)
    page = "/rapportages"
    bad = client.post(page, data={"csrf_token": csrf_token(client, page), "kind": "quarterly",
                                  "period": "2026-Q5", "scope": "DIE"})
    # the page offers a list of periods; anything else is refused on the field
    assert bad.status_code == 422 and 'id="period-error"' in bad.get_data(as_text=True)
    assert "Not a valid" not in bad.get_data(as_text=True)
    good = client.post(page, data={"csrf_token": csrf_token(client, page), "kind": "monthly",
                                   "period": "2026-10", "scope": "DIE"})
    assert good.status_code == 302
    report = db.session.scalars(select(Report)).one()
    download = client.get(f"/rapportages/{report.id}.pdf")
    assert download.mimetype == "application/pdf" and download.data == report.pdf
    headers = bearer(factories.token(cc))
    listed = client.get("/api/v1/reports", headers=headers).get_json()
    assert [r["period"] for r in listed] == ["2026-10"]
    assert client.get(f"/api/v1/reports/{report.id}/pdf", headers=headers).data.startswith(b"%PDF")
    problem = assert_problem(client.post("/api/v1/reports", headers=headers,
                                         json={"kind": "quarterly", "period": "2099-Q1", "scope": "all"}), 422)
    assert "period" in problem["errors"]
    figures = client.get("/api/v1/organisations/DIE/annual-figures?year=2026", headers=headers).get_json()
    assert figures["sentence"].startswith("In 2026 zijn er voor de gemeente Diemen")
    # a verbindingsofficier cannot read or make reports
    vo = bearer(factories.token(factories.user([("verbindingsofficier", "DIE")])))
    assert_problem(client.get("/api/v1/reports", headers=vo), 403)
    assert client.get(f"/api/v1/reports/{report.id}", headers=vo).status_code == 404
    assert_problem(client.post("/api/v1/reports", headers=vo,
                               json={"kind": "monthly", "period": "2026-10", "scope": "DIE"}), 403)


def test_cli_report_and_annual_figures(app: Flask) -> None:
    factories.organisation("DIE")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["bio", "report", "--kind", "monthly", "--period", "2026-10", "--scope", "DIE"])
    assert result.exit_code == 0, result.output
    assert "monthly 2026-10 DIE versie 1" in result.output
    bad = runner.invoke(args=["bio", "report", "--kind", "quarterly", "--period", "2026-Q5", "--scope", "DIE"])
    assert bad.exit_code != 0 and "Geen geldige periode" in bad.output
    result = runner.invoke(args=["bio", "annual-figures", "--organisation", "DIE", "--year", "2021"])
    assert result.exit_code == 0 and "In 2021 zijn er voor de gemeente Diemen 0 beveiligingsincidenten" in result.output
