from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bio_register.audit.models import AuditEvent
from bio_register.audit.reconcile import reconcile
from bio_register.breaches import catalog
from bio_register.errors import Conflict, ValidationFailed
from bio_register.extensions import db
from bio_register.processing import labels, services
from bio_register.processing.models import ProcessingStatus
from tests import factories

pytestmark = pytest.mark.usefixtures("app_ctx")

BASE = {"name": "Jeugdhulp", "purpose": "Toegang tot jeugdhulp beoordelen en toekennen.",
        "legal_basis": "wettelijke_verplichting"}


def _events(entity: str, entity_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity == entity,
                                                          AuditEvent.entity_id == str(entity_id))
                                   .order_by(AuditEvent.seq)))


def test_the_categories_are_the_breach_assessments() -> None:
    assert labels.DATA_CATEGORIES is catalog.DATA_CATEGORIES
    assert labels.SUBJECT_CATEGORIES is catalog.SUBJECT_CATEGORIES
    assert labels.SPECIAL_CATEGORIES is catalog.SPECIAL_CATEGORIES


def test_create_records_the_verwerking_and_audits_it() -> None:
    fg = factories.user([("fg", "DIE")])
    processor = factories.processor("DIE")
    activity = services.create_activity(fg, factories.organisation("DIE"), {
        **BASE, "special_categories": ["gezondheid"], "art9_ground": "zorg", "subject_categories": ["kinderen"],
        "processors": [processor.id]})
    db.session.commit()
    assert activity.status == ProcessingStatus.CONCEPT
    assert [p.name for p in activity.processors] == ["Centric"]
    [event] = _events("processing_activity", activity.id)
    assert event.action == "create" and event.actor_id == fg.id
    assert '"art9_ground": {"after": "zorg"' in event.changes


def test_purpose_and_legal_basis_are_required_and_named() -> None:
    with pytest.raises(ValidationFailed) as raised:
        services.create_activity(None, factories.organisation("DIE"), {"name": "Zonder doel"})
    assert set(raised.value.errors) == {"purpose", "legal_basis"}
    assert raised.value.errors["purpose"] == ["Dit veld is verplicht."]


def test_special_categories_need_an_art9_ground() -> None:
    with pytest.raises(ValidationFailed) as raised:
        services.create_activity(None, factories.organisation("DIE"), {**BASE, "special_categories": ["gezondheid"]})
    assert "art. 9 lid 2" in raised.value.errors["art9_ground"][0]


def test_an_art9_ground_without_special_categories_is_refused() -> None:
    with pytest.raises(ValidationFailed) as raised:
        services.create_activity(None, factories.organisation("DIE"), {**BASE, "art9_ground": "zorg"})
    assert "alleen bij bijzondere" in raised.value.errors["art9_ground"][0]


def test_removing_the_ground_while_special_categories_stay_is_refused() -> None:
    activity = factories.processing_activity(special_categories=["gezondheid"], art9_ground="zorg")
    with pytest.raises(ValidationFailed) as raised:
        services.update_activity(None, activity, {"art9_ground": None}, activity.version)
    assert "art9_ground" in raised.value.errors


def test_unknown_category_and_bad_link_are_refused() -> None:
    with pytest.raises(ValidationFailed) as raised:
        services.create_activity(None, factories.organisation("DIE"), {
            **BASE, "data_categories": ["naw", "schoenmaat"], "dpia_done": True, "dpia_link": "javascript:alert(1)"})
    assert set(raised.value.errors) == {"data_categories", "dpia_link"}


def test_another_organisations_processor_cannot_be_linked() -> None:
    other = factories.processor("UIT", name="Andermans verwerker")
    with pytest.raises(ValidationFailed) as raised:
        services.create_activity(None, factories.organisation("DIE"), {**BASE, "processors": [other.id]})
    assert "hoort niet bij deze organisatie" in raised.value.errors["processors"][0]


def test_update_keeps_history_and_a_stale_version_conflicts() -> None:
    ciso = factories.user([("ciso", "DIE")])
    activity = factories.processing_activity()
    processor = factories.processor()
    services.update_activity(ciso, activity, {"status": "actief", "processors": [processor.id]}, 1)
    db.session.commit()
    assert activity.version == 2
    history = services.history("processing_activity", activity.id)
    assert [item.kind for item in history] == ["create", "update"]
    assert history[1].changes["status"] == {"before": "concept", "after": "actief"}
    assert history[1].changes["processors"] == {"before": [], "after": ["Centric"]}
    with pytest.raises(Conflict):
        services.update_activity(ciso, activity, {"name": "Oud"}, 1)


def test_an_unchanged_save_writes_nothing() -> None:
    activity = factories.processing_activity()
    services.update_activity(None, activity, {"name": activity.name}, activity.version)
    assert activity.version == 1
    assert len(_events("processing_activity", activity.id)) == 1


def test_processor_attention_missing_expired_and_review() -> None:
    today = dt.date(2026, 12, 4)
    missing = factories.processor(name="Zonder", agreement_signed=False)
    expired = factories.processor(name="Verlopen", agreement_signed_on=dt.date(2020, 1, 1),
                                  agreement_expires_on=dt.date(2026, 12, 3))
    review = factories.processor(name="Herzien", agreement_review_on=dt.date(2026, 1, 1))
    fine = factories.processor(name="Goed", agreement_expires_on=dt.date(2027, 1, 1),
                               agreement_review_on=dt.date(2026, 12, 4))
    assert services.attention(missing, today) == ["missing"]
    assert services.attention(expired, today) == ["expired"]
    assert services.attention(review, today) == ["review"]
    assert services.attention(fine, today) == []
    fg = factories.user([("fg", "DIE")])
    assert {p.name for p in services.needing_attention(fg, today)} == {"Zonder", "Verlopen", "Herzien"}
    uit_fg = factories.user([("fg", "UIT")])
    assert services.needing_attention(uit_fg, today) == []


def test_processor_dates_must_agree() -> None:
    with pytest.raises(ValidationFailed) as raised:
        services.create_processor(None, factories.organisation("DIE"), {
            "name": "X", "agreement_signed": True, "agreement_signed_on": dt.date(2026, 5, 1),
            "agreement_expires_on": dt.date(2026, 1, 1)})
    assert "agreement_expires_on" in raised.value.errors


def test_processor_update_is_audited() -> None:
    processor = factories.processor()
    services.update_processor(None, processor, {"agreement_review_on": dt.date(2027, 6, 1)}, 1)
    db.session.commit()
    assert [e.action for e in _events("processor", processor.id)] == ["create", "update"]


def test_reconciliation_covers_the_new_tables() -> None:
    activity = factories.processing_activity(special_categories=["gezondheid"], art9_ground="zorg")
    processor = factories.processor()
    services.update_activity(None, activity, {"processors": [processor.id], "status": "actief"}, 1)
    db.session.commit()
    outcome = reconcile(db.session)
    assert outcome.ok, [str(f) for f in outcome.findings]
    assert outcome.rows["processing_activities"] == 1 and outcome.rows["processors"] == 1
    # a change past the application shows up
    db.session.execute(db.text("UPDATE processing_activities SET legal_basis = 'toestemming'"))
    db.session.execute(db.text("UPDATE processors SET agreement_signed = false"))
    findings = reconcile(db.session).findings
    assert {(f.table, f.field) for f in findings} == {("processing_activities", "legal_basis"),
                                                      ("processors", "agreement_signed")}
