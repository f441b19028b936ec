"""Evidence with a life (issue 21, item 2): each evidence file and link of a control has an owner, a
date and a review date (the organisation's default period after its date); past the review date, on
the Amsterdam calendar, it is expired: marked on the control page and in the statement of
applicability, left out of "werking aangetoond", and refused as the only evidence of "werking
voldoet"; its owner is reminded 30 and 7 days before and on expiry, once each; the weekly digest
names it; the API carries it; existing evidence is migrated by one rule."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from bio_register import MIGRATIONS_DIR, scheduler
from bio_register.attachments import evidence
from bio_register.attachments.models import EvidenceItem, EvidenceReminder
from bio_register.audit.models import AuditEvent
from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import export, services
from bio_register.compliance.models import ControlCatalog
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.notifications import digest
from bio_register.notifications.models import Notice, OutboxMessage
from tests import dbutil, factories
from tests.api.test_api_base import bearer
from tests.conftest import csrf_token, login, make_app

KEY = "BIO2-1.3"
PAGE = f"/compliance/DIE/{KEY}/5.24.01"
UTC = dt.UTC
#: 10 December 2026 ends in Amsterdam (CET, UTC+1) at 23:00 UTC
LAST_VALID_MINUTE = dt.datetime(2026, 12, 10, 22, 59, tzinfo=UTC)
FIRST_EXPIRED_MINUTE = dt.datetime(2026, 12, 10, 23, 0, tzinfo=UTC)
REVIEW = dt.date(2026, 12, 10)


@pytest.fixture
def catalog() -> ControlCatalog:
    catalog_import.import_all(actor_label="test")
    db.session.commit()
    found = services.get_catalog(KEY)
    assert found is not None
    return found


def _control(catalog: ControlCatalog, code: str = "5.24.01") -> Any:
    found = services.find_control(catalog, code)
    assert found is not None, code
    return found


def _item_of(attachment: Any) -> EvidenceItem:
    item = db.session.scalar(select(EvidenceItem).where(EvidenceItem.attachment_id == attachment.id))
    assert item is not None
    return item


def _werking_on_file(catalog: ControlCatalog, review: dt.date = REVIEW) -> tuple[Any, Any, Any]:
    """DIE's 5.24.01 with werking "voldoet" on one evidence file reviewed by ``review``."""
    ciso = factories.user([("ciso", "DIE")], name="Carel Smit", email="ciso@die.example")
    die = factories.organisation("DIE")
    control = _control(catalog)
    file = factories.control_attachment("DIE", control, filename="logboek-q3.pdf", actor=ciso)
    services.assess(ciso, die, control, {"applicable": True, "status": "volledig",
                                         "werking": {"status": "voldoet", "attachments": [file.id]}},
                    today=dt.date(2025, 12, 1))
    evidence.update_item(ciso, die, _item_of(file), {"evidence_date": dt.date(2025, 12, 1), "review_date": review},
                         today=dt.date(2026, 12, 1))
    db.session.commit()
    return ciso, die, file


# --- the life of new evidence ---------------------------------------------------------------------------

def test_new_evidence_is_owned_by_who_added_it_and_reviewed_after_the_default_period(catalog: ControlCatalog) -> None:
    ciso = factories.user([("ciso", "DIE")], name="Carel Smit")
    die = factories.organisation("DIE")
    assert die.evidence_review_months == 12
    control = _control(catalog)
    file = factories.control_attachment("DIE", control, actor=ciso)
    item = _item_of(file)
    today = evidence.local_today(file.uploaded_at)
    assert (item.owner_id, item.evidence_date, item.review_date) == (
        ciso.id, today, evidence.add_months(today, 12))
    # the beheerder or the CISO shortens the period: new evidence gets it, existing review dates stay
    evidence.set_review_months(ciso, die, 6)
    services.assess(ciso, die, control, {"applicable": True, "status": "volledig",
                                         "evidence_links": ["https://intranet.example/beleid"]},
                    today=dt.date(2026, 1, 31))
    link = db.session.scalar(select(EvidenceItem).where(EvidenceItem.link.is_not(None)))
    assert link is not None and (link.owner_id, link.evidence_date, link.review_date) == (
        ciso.id, dt.date(2026, 1, 31), dt.date(2026, 7, 31))
    assert _item_of(file).review_date == evidence.add_months(today, 12)
    # a link dropped is retired, listed again it comes back with its own dates
    services.assess(ciso, die, control, {"applicable": True, "status": "volledig"}, today=dt.date(2026, 2, 1))
    assert link.retired_at is not None and evidence.for_control(die, control) == [_item_of(file)]
    services.assess(ciso, die, control, {"applicable": True, "status": "volledig",
                                         "evidence_links": ["https://intranet.example/beleid"]},
                    today=dt.date(2026, 3, 1))
    assert link.retired_at is None and link.evidence_date == dt.date(2026, 1, 31)
    assert evidence.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)


def test_the_period_is_one_to_sixty_months_in_dutch(catalog: ControlCatalog) -> None:
    die = factories.organisation("DIE")
    for bad in (0, 61, "twaalf", None, True):
        with pytest.raises(ValidationFailed) as caught:
            evidence.set_review_months(None, die, bad)
        assert caught.value.errors == {"evidence_review_months": ["Geef een termijn van 1 tot en met 60 maanden."]}
    evidence.set_review_months(None, die, "24")
    assert die.evidence_review_months == 24
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "organisation",
                                                      AuditEvent.action == "update")) is not None


def test_owner_date_and_review_date_are_checked_and_audited(catalog: ControlCatalog) -> None:
    ciso = factories.user([("ciso", "DIE")], name="Carel Smit")
    outsider = factories.user([("ciso", "UIT")], name="Iemand Anders")
    die = factories.organisation("DIE")
    item = _item_of(factories.control_attachment("DIE", _control(catalog), actor=ciso))
    today = dt.date(2026, 12, 4)
    cases = [({"owner_id": outsider.id}, "owner_id", "Kies een eigenaar uit de medewerkers van"),
             ({"owner_id": ciso.id, "owner_name": "Jan"}, "owner_name", "niet allebei"),
             ({"evidence_date": "2026-12-05"}, "evidence_date", "ligt in de toekomst"),
             ({"evidence_date": "4-12-2026"}, "evidence_date", "Geen geldige datum"),
             ({"evidence_date": "2026-06-01", "review_date": "2026-05-31"}, "review_date", "vóór de datum"),
             ({"colour": "rood"}, "colour", "Onbekend veld")]
    for data, field, message in cases:
        with pytest.raises(ValidationFailed) as caught:
            evidence.update_item(ciso, die, item, data, today=today)
        assert message in " ".join(caught.value.errors[field]), data
    evidence.update_item(ciso, die, item, {"owner_name": "IT-auditor Jansen", "evidence_date": "2026-06-01"},
                         today=today)
    # a new date without a review date: the date plus the default period
    assert (item.owner_label, item.owner_id, item.review_date) == ("IT-auditor Jansen", None, dt.date(2027, 6, 1))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "evidence_item")).one()
    assert json.loads(event.changes)["review_date"]["after"] == "2027-06-01"


# --- expiry, on the Amsterdam calendar --------------------------------------------------------------------

def test_expiry_changes_the_figures_on_the_day_it_passes_in_amsterdam(catalog: ControlCatalog) -> None:
    _ciso, die, _file = _werking_on_file(catalog)
    before = services.compliance(die, catalog, now=LAST_VALID_MINUTE).total
    after = services.compliance(die, catalog, now=FIRST_EXPIRED_MINUTE).total
    assert (before.werking_voldoet, before.werking_expired, before.werking_percentage) == (1, 0, 100.0)
    assert (after.werking_voldoet, after.werking_expired, after.werking_percentage) == (0, 1, 0.0)
    # the aggregate of the overview of hundreds of organisations and the history count the same
    assert services.summaries([die.id], catalog, now=LAST_VALID_MINUTE)[die.id].total.werking_voldoet == 1
    assert services.summaries([die.id], catalog, now=FIRST_EXPIRED_MINUTE)[die.id].total == after
    assert services.implementation_history(die, catalog, [None], now=LAST_VALID_MINUTE)[0].werking_voldoet == 1
    history = services.implementation_history(die, catalog, [FIRST_EXPIRED_MINUTE + dt.timedelta(days=1)])
    assert (history[0].werking_voldoet, history[0].werking_expired) == (0, 1)
    # the statement of applicability marks the row from the same minute, and filters on it
    local_before = evidence.local_today(LAST_VALID_MINUTE)
    local_after = evidence.local_today(FIRST_EXPIRED_MINUTE)
    assert (local_before, local_after) == (dt.date(2026, 12, 10), dt.date(2026, 12, 11))
    flt = services.SoaFilter.build(expired="verlopen")
    assert services.filtered_statement(die, catalog, flt, today=local_before).rows == []
    rows = services.filtered_statement(die, catalog, flt, today=local_after).rows
    assert [r.control.code for r in rows] == ["5.24.01"] and flt.args() == {"bewijs": "verlopen"}
    # the Excel download says so in its own column
    sheet = load_workbook(io.BytesIO(export.soa_xlsx(die, catalog, rows))).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(2, header.index("Bewijs verlopen") + 1).value == "ja"


def test_werking_voldoet_is_refused_when_all_its_evidence_has_expired(catalog: ControlCatalog) -> None:
    ciso, die, file = _werking_on_file(catalog)
    control = _control(catalog)
    data = {"applicable": True, "status": "volledig", "werking": {"status": "voldoet", "attachments": [file.id]}}
    with pytest.raises(ValidationFailed) as caught:
        services.assess(ciso, die, control, data, today=dt.date(2026, 12, 11))
    assert caught.value.errors["werking.attachments"] == [
        "Werking „voldoet” vraagt om geldig bewijs, maar alle gekozen bewijsstukken zijn verlopen (hun "
        "herbeoordelingsdatum is voorbij). Herbeoordeel het bewijs en leg een nieuwe datum vast, kies een geldig "
        "bewijsstuk, of kies een andere status."]
    db.session.rollback()
    # on its last day it still counts; one valid file beside the expired one is enough
    services.assess(ciso, die, control, data, today=REVIEW)
    fresh = factories.control_attachment("DIE", control, filename="logboek-q4.pdf", actor=ciso)
    services.assess(ciso, die, control, {**data, "werking": {"status": "voldoet", "attachments": [file.id, fresh.id]}},
                    today=dt.date(2026, 12, 11))
    # werking judged otherwise is not refused
    services.assess(ciso, die, control, {**data, "werking": {"status": "voldoet_gedeeltelijk",
                                                             "attachments": [file.id]}}, today=dt.date(2026, 12, 11))


def test_the_control_page_marks_expired_evidence_and_the_ciso_renews_it(client: FlaskClient, app: Flask,
                                                                         catalog: ControlCatalog) -> None:
    _ciso, _die, file = _werking_on_file(catalog, review=dt.date(2026, 1, 1))  # long expired by now
    item = _item_of(file)
    login(client, "ciso@die.example", factories.PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Werking niet aangetoond:" in page and "bewijs verlopen" in page and "01-01-2026" in page
    soa = client.get(f"/compliance/DIE/{KEY}/vvt?bewijs=verlopen").get_data(as_text=True)
    assert "5.24.01" in soa and "bewijs verlopen" in soa
    overview = client.get(f"/compliance/DIE/{KEY}").get_data(as_text=True)
    assert "1 niet meegeteld: bewijs verlopen" in overview
    # saving werking "voldoet" again on the expired file is refused, in Dutch, on the page
    form = {"csrf_token": csrf_token(client, PAGE), "applicable": "ja", "status": "volledig",
            "opzet_status": "niet_beoordeeld", "bestaan_status": "niet_beoordeeld", "werking_status": "voldoet",
            "werking_attachments": str(file.id)}
    refused = client.post(PAGE, data=form)
    assert refused.status_code == 422 and "alle gekozen bewijsstukken zijn verlopen" in refused.get_data(as_text=True)
    # the CISO records the review: a new date, the review date then follows from the default period
    prefix = f"bewijs-{item.id}-"
    bad = client.post(f"{PAGE}/bewijs/{item.id}", data={"csrf_token": csrf_token(client, PAGE),
                                                        prefix + "evidence_date": "01-01-2099"})
    assert bad.status_code == 422 and "De datum van het bewijs ligt in de toekomst." in bad.get_data(as_text=True)
    today = evidence.local_today()
    saved = client.post(f"{PAGE}/bewijs/{item.id}", data={
        "csrf_token": csrf_token(client, PAGE), prefix + "evidence_date": today.strftime("%d-%m-%Y"),
        prefix + "owner_name": "IT-auditor Jansen"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#bewijs")
    db.session.refresh(item)
    assert (item.evidence_date, item.review_date, item.owner_label) == (
        today, evidence.add_months(today, 12), "IT-auditor Jansen")
    page = client.get(PAGE).get_data(as_text=True)
    assert "Werking niet aangetoond:" not in page and "IT-auditor Jansen" in page


def test_the_organisation_page_sets_the_default_period(client: FlaskClient) -> None:
    factories.organisation("DIE")
    factories.user([("ciso", "DIE")], email="ciso@die.example")
    login(client, "ciso@die.example", factories.PASSWORD)
    page = "/organisaties/DIE"
    assert "12 maanden na zijn datum" in client.get(page).get_data(as_text=True)
    refused = client.post(f"{page}/bewijstermijn", data={"csrf_token": csrf_token(client, page), "months": "0"})
    assert refused.status_code == 422 and "Geef 1 tot en met 60 maanden." in refused.get_data(as_text=True)
    saved = client.post(f"{page}/bewijstermijn", data={"csrf_token": csrf_token(client, page), "months": "18"})
    assert saved.status_code == 302
    assert "18 maanden na zijn datum" in client.get(page).get_data(as_text=True)


# --- reminders -----------------------------------------------------------------------------------------------

def _reminders(app: Flask, now: dt.datetime) -> int:
    with app.app_context():
        queued, _sent, _failed = scheduler.send_evidence_reminders(app, now)
    return queued


def _mail_to(address: str) -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.recipient == address)
                                   .order_by(OutboxMessage.id)))


def test_the_owner_is_reminded_once_per_threshold(app: Flask, catalog: ControlCatalog) -> None:
    ciso, _die, file = _werking_on_file(catalog)
    owner = ciso.email
    assert _reminders(app, dt.datetime(2026, 11, 9, 6, 45, tzinfo=UTC)) == 0  # 31 days before
    thirty = dt.datetime(2026, 11, 10, 6, 45, tzinfo=UTC)
    assert _reminders(app, thirty) == 1
    assert _reminders(app, thirty) == 0                                   # two runs, one reminder
    assert _reminders(app, thirty + dt.timedelta(days=1)) == 0
    assert _reminders(app, dt.datetime(2026, 12, 3, 6, 45, tzinfo=UTC)) == 1  # 7 days before
    assert _reminders(app, LAST_VALID_MINUTE) == 0                        # still valid on its last day
    assert _reminders(app, FIRST_EXPIRED_MINUTE) == 1                     # expired: 00:00 in Amsterdam
    assert _reminders(app, FIRST_EXPIRED_MINUTE + dt.timedelta(days=3)) == 0
    assert _mail_to(owner) == [
        "Bewijs herbeoordelen vóór 10-12-2026: logboek-q3.pdf bij 5.24.01 (DIE)",
        "Bewijs herbeoordelen vóór 10-12-2026: logboek-q3.pdf bij 5.24.01 (DIE)",
        "Bewijs verlopen: logboek-q3.pdf bij 5.24.01 (DIE)"]
    notices = list(db.session.scalars(select(Notice).where(Notice.user_id == ciso.id)))
    assert len(notices) == 3 and notices[0].link == f"/compliance/DIE/{KEY}/5.24.01#bewijs"
    body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == owner)).first()
    assert body is not None and "uiterlijk 10-12-2026" in body and "nog 30 dagen" in body
    assert db.session.scalar(select(func.count()).select_from(EvidenceReminder)) == 3
    # a new review date gets its own reminders
    item = _item_of(file)
    item.review_date = dt.date(2027, 1, 20)
    db.session.commit()
    assert _reminders(app, dt.datetime(2026, 12, 21, 6, 45, tzinfo=UTC)) == 1


def test_a_named_owner_without_an_account_is_reminded_through_the_ciso(app: Flask, catalog: ControlCatalog) -> None:
    ciso, die, file = _werking_on_file(catalog)
    evidence.update_item(ciso, die, _item_of(file), {"owner_name": "IT-auditor Jansen"}, today=dt.date(2026, 12, 1))
    db.session.commit()
    assert _reminders(app, dt.datetime(2026, 12, 5, 6, 45, tzinfo=UTC)) == 1
    assert _mail_to(ciso.email) == ["Bewijs herbeoordelen vóór 10-12-2026: logboek-q3.pdf bij 5.24.01 (DIE)"]


def test_the_weekly_digest_names_evidence_reviews_due(catalog: ControlCatalog) -> None:
    ciso, _die, _file = _werking_on_file(catalog)
    now = dt.datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    mine = digest.digest_for(ciso, now, evidence.local_today(now))
    assert [evidence.describe(i) for i in mine.evidence_reviews] == ["logboek-q3.pdf"]
    subject, body = digest.text_of(mine, lambda incident: "", "https://bio.example")
    assert subject == "Weekoverzicht BIO-register: 1 punt voor u"
    assert "Uw bewijs om te herbeoordelen" in body
    assert "logboek-q3.pdf bij 5.24.01 (DIE): herbeoordelen uiterlijk 10-12-2026" in body
    later = dt.datetime(2026, 12, 14, 6, 0, tzinfo=UTC)
    _subject, body = digest.text_of(digest.digest_for(ciso, later, evidence.local_today(later)), lambda i: "", "x")
    assert "verlopen, herbeoordelingsdatum 10-12-2026 verstreken" in body
    far = dt.datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
    assert digest.digest_for(ciso, far, evidence.local_today(far)).evidence_reviews == []


# --- the API -----------------------------------------------------------------------------------------------

def test_api_carries_the_evidence_life(client: FlaskClient, catalog: ControlCatalog) -> None:
    ciso, _die, file = _werking_on_file(catalog, review=dt.date(2026, 1, 1))
    item = _item_of(file)
    headers = bearer(factories.token(ciso))
    rows = client.get(f"/api/v1/organisations/DIE/assessments?catalog={KEY}", headers=headers).get_json()
    (row,) = rows
    assert row["werking_shown"] is False
    assert row["evidence_items"] == [{
        "id": item.id, "kind": "attachment", "attachment_id": file.id, "filename": "logboek-q3.pdf", "link": None,
        "owner_id": ciso.id, "owner_name": None, "owner": "Carel Smit", "evidence_date": "2025-12-01",
        "review_date": "2026-01-01", "expired": True}]
    url = f"/api/v1/organisations/DIE/assessments/{KEY}/5.24.01/evidence/{item.id}"
    refused = client.patch(url, json={"review_date": "2025-01-01"}, headers=headers)
    assert refused.status_code == 422
    assert "vóór de datum van het bewijs" in str(refused.get_json())
    renewed = client.patch(url, json={"evidence_date": "2026-12-01", "review_date": "2027-12-01"}, headers=headers)
    assert renewed.status_code == 200 and renewed.get_json()["expired"] is False
    attachments = client.get(f"/api/v1/organisations/DIE/assessments/{KEY}/5.24.01/attachments",
                             headers=headers).get_json()
    assert attachments[0]["evidence"]["review_date"] == "2027-12-01"
    (row,) = client.get(f"/api/v1/organisations/DIE/assessments?catalog={KEY}", headers=headers).get_json()
    assert row["werking_shown"] is True
    # another control's evidence id under this control: 404
    other = f"/api/v1/organisations/DIE/assessments/{KEY}/5.24.02/evidence/{item.id}"
    assert client.patch(other, json={"owner_name": "X"}, headers=headers).status_code == 404


# --- the migration ------------------------------------------------------------------------------------------

def _migration() -> Any:
    path = next((MIGRATIONS_DIR / "versions").glob("*_evidence_life.py"))
    spec = importlib.util.spec_from_file_location("evidence_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.committed
def test_migration_dates_existing_evidence_by_its_upload_and_nothing_more(tmp_path: Path) -> None:
    migration = _migration()
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        with app.app_context():
            upgrade(directory=str(MIGRATIONS_DIR), revision=migration.down_revision)
            at = dt.datetime(2026, 11, 1)
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO organisations (code, name, reference_prefix, created_at) "
                                  "VALUES ('DIE', 'Diemen', 'DIE', :now)"), {"now": at})
                conn.execute(text("INSERT INTO users (email, name, active, auth_version, created_at) "
                                  "VALUES ('ciso@die.example', 'Carel Smit', :t, 1, :now)"), {"t": True, "now": at})
                conn.execute(text("INSERT INTO control_catalogs (key, name, version, imported_at) "
                                  "VALUES ('BIO2-1.3', 'BIO2 1.3', '1.3', :now)"), {"now": at})
                conn.execute(text(
                    "INSERT INTO controls (catalog_id, code, kind, group_code, group_title_nl, title_nl, categories, "
                    "status, sort_key) SELECT id, '5.24.01', 'measure', '5', 'Organisatorisch', 'Plan', '[]', "
                    "'active', '005.024.001' FROM control_catalogs"))
                # uploaded at 23:30 UTC on 31 January: 1 February in Amsterdam; and one without an uploader
                for uploader, uploaded in (("(SELECT id FROM users)", dt.datetime(2026, 1, 31, 23, 30)),
                                           ("NULL", dt.datetime(2025, 8, 31, 10, 0))):
                    conn.execute(text(
                        "INSERT INTO attachments (organisation_id, control_id, filename, content_type, size, sha256, "
                        f"uploaded_by_id, uploaded_at) SELECT o.id, c.id, 'beleid.pdf', 'application/pdf', 3, "
                        f"'abc', {uploader}, :at FROM organisations o, controls c"), {"at": uploaded})  # nosec B608 # test constants
                # a link listed first on 2 March by the CISO, kept on 5 May by an import; one dropped
                for links, by, when in (('["https://a.example/1", "https://a.example/oud"]', "(SELECT id FROM users)",
                                         dt.datetime(2026, 3, 2, 9, 0)),
                                        ('["https://a.example/1"]', "NULL", dt.datetime(2026, 5, 5, 9, 0))):
                    conn.execute(text(
                        "INSERT INTO control_assessments (organisation_id, control_id, applicable, status, "
                        "evidence_links, proposed, assessed_by_id, assessed_at) SELECT o.id, c.id, :t, 'volledig', "
                        f":links, :f, {by}, :at FROM organisations o, controls c"),  # nosec B608 # test constants
                        {"t": True, "f": False, "links": links, "at": when})
            upgrade(directory=str(MIGRATIONS_DIR), revision=migration.revision)
            with db.engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT attachment_id IS NOT NULL, link, owner_id IS NOT NULL, owner_name, evidence_date, "
                    "review_date FROM evidence_items ORDER BY id")).all()
                months = conn.execute(text("SELECT evidence_review_months FROM organisations")).scalar_one()
            assert months == 12
            dates = [(bool(r[0]), r[1], bool(r[2]), r[3], str(r[4]), str(r[5])) for r in rows]
            assert dates == [
                (True, None, True, None, "2026-02-01", "2027-02-01"),
                (True, None, False, None, "2025-08-31", "2026-08-31"),
                (False, "https://a.example/1", True, None, "2026-03-02", "2027-03-02"),
            ]
            downgrade(directory=str(MIGRATIONS_DIR), revision=migration.down_revision)
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM attachments")).scalar_one() == 2
            db.engine.dispose()


# --- queries ------------------------------------------------------------------------------------------------

def _expired_werking(code: str, catalog: ControlCatalog, n: int) -> None:
    """``n`` controls of ``code`` with werking "voldoet" on an evidence file that has since expired."""
    org = factories.organisation(code, parent="DUO")
    ciso = factories.user([("ciso", code)])
    active = [c for c in services.controls_of(catalog, kind=services.ControlKind.MEASURE) if c.status == "active"]
    for control in active[:n]:
        file = factories.control_attachment(code, control, actor=ciso)
        services.assess(ciso, org, control, {"applicable": True, "status": "volledig",
                                             "werking": {"status": "voldoet", "attachments": [file.id]}})
        evidence.update_item(ciso, org, _item_of(file), {"evidence_date": dt.date(2024, 1, 1),
                                                         "review_date": dt.date(2025, 1, 1)}, today=dt.date(2026, 1, 1))
    db.session.commit()


def test_expired_evidence_costs_a_fixed_number_of_queries(client: FlaskClient, catalog: ControlCatalog,
                                                          count_queries: Any) -> None:
    cc = factories.user([("concern_control", "DUO")])
    login(client, cc.email, factories.PASSWORD)
    _expired_werking("DIE", catalog, 1)
    first = next(c for c in services.controls_of(catalog, kind=services.ControlKind.MEASURE)
                 if c.status == "active").code
    pages = ["/compliance", f"/compliance/DIE/{KEY}", f"/compliance/DIE/{KEY}/vvt?bewijs=verlopen",
             f"/compliance/DIE/{KEY}/{first}"]
    few = {}
    for page in pages:
        with count_queries() as counted:
            assert client.get(page).status_code == 200
        few[page] = counted.count
    for code in ("OA", "UIT", "AMS"):
        _expired_werking(code, catalog, 4)
    _expired_werking("DIE", catalog, 6)  # more controls, and a second file on the first one
    for page in pages:
        with count_queries() as counted:
            html = client.get(page).get_data(as_text=True)
        assert counted.count == few[page], (page, counted.statements)
    assert "Werking niet aangetoond:" in html and html.count("bewijs verlopen") >= 2
    summaries = services.summaries([factories.organisation(c).id for c in ("DIE", "OA", "UIT", "AMS")], catalog)
    assert [s.total.werking_expired for s in summaries.values()] == [6, 4, 4, 4]
    assert all(s.total.werking_voldoet == 0 for s in summaries.values())
