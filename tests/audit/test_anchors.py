"""The chain anchored outside the database: on the reports, in the daily e-mail, on the audit-log
page, and checked by ``verify-audit --anchor``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, text, update

from bio_register import scheduler
from bio_register.audit import services as audit
from bio_register.audit.models import AuditChainHead, AuditEvent
from bio_register.extensions import db
from bio_register.incidents.models import Incident
from bio_register.notifications.models import OutboxMessage
from bio_register.reporting import services as reporting
from reports.render import anchor_in_pdf
from tests import dbutil, factories
from tests.conftest import login

NOW = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)


def _cut_off_after(seq: int) -> None:
    """What an attacker with the database's owner rights does: delete the newest events and move
    the chain head back, so the chain that is left verifies (PostgreSQL: past the triggers that
    refuse it, as a superuser can)."""
    if dbutil.on_postgresql():
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq > seq))
    last_hash = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))
    db.session.execute(update(AuditChainHead).values(seq=seq, last_hash=last_hash))
    db.session.commit()


def test_anchors_parse_and_refuse_nonsense() -> None:
    anchor = audit.Anchor.parse(" 12:" + "AB" * 32 + " ")
    assert anchor == audit.Anchor(12, "ab" * 32) and str(anchor) == "12:" + "ab" * 32
    for bad in ("12", "x:" + "a" * 64, "12:" + "a" * 63, "12:" + "g" * 64, ""):
        with pytest.raises(ValueError):
            audit.Anchor.parse(bad)


def test_every_report_carries_the_chain_head_it_was_made_at() -> None:
    factories.incident("DIE", discovered_at=NOW - dt.timedelta(days=40))
    head = audit.chain_head()
    report = reporting.generate("quarterly", "2026-Q3", "DIE", actor_label="test", now=NOW)
    monthly = reporting.generate("monthly", "2026-09", "DIE", actor_label="test", now=NOW)
    assert anchor_in_pdf(report.pdf) == str(head)
    # the monthly report was made after the quarterly one's own audit event
    assert anchor_in_pdf(monthly.pdf) == str(audit.Anchor(head.seq + 1, db.session.scalar(
        select(AuditEvent.hash).where(AuditEvent.seq == head.seq + 1))))


def test_a_truncated_chain_is_found_through_the_anchor_on_a_report(app: Flask, tmp_path: Path) -> None:
    factories.incident("DIE", discovered_at=NOW - dt.timedelta(days=40))
    report = reporting.generate("quarterly", "2026-Q3", "DIE", actor_label="test", now=NOW)
    db.session.commit()
    pdf = tmp_path / "kwartaalrapportage.pdf"
    pdf.write_bytes(report.pdf)  # the copy concern control downloaded and kept
    anchored = audit.Anchor.parse(anchor_in_pdf(report.pdf) or "")
    runner = app.test_cli_runner()
    before = runner.invoke(args=["bio", "verify-audit", "--chain-only", "--anchors-from-pdf", str(pdf)])
    assert before.exit_code == 0, before.output

    _cut_off_after(anchored.seq - 1)  # the anchored event and everything after it go
    assert audit.verify_chain().ok    # the chain that is left is valid: only the anchor tells
    after = runner.invoke(args=["bio", "verify-audit", "--chain-only", "--anchors-from-pdf", str(pdf)])
    assert after.exit_code == 1
    assert f"event {anchored.seq} is not in the log, which ends at {anchored.seq - 1}" in after.output
    assert "cut off" in after.output
    by_hand = runner.invoke(args=["bio", "verify-audit", "--chain-only", "--anchor", str(anchored)])
    assert by_hand.exit_code == 1 and "cut off" in by_hand.output


def test_anchors_from_the_report_archive_and_a_rewritten_history(app: Flask) -> None:
    factories.incident("DIE", discovered_at=NOW - dt.timedelta(days=40))
    reporting.generate("quarterly", "2026-Q3", "DIE", actor_label="test", now=NOW)
    db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["bio", "verify-audit", "--chain-only", "--anchors-from-reports"])
    assert ok.exit_code == 0, ok.output
    assert "1 stand(en) gelezen uit de gearchiveerde rapportages" in ok.output

    wrong = audit.Anchor(1, "f" * 64)  # an anchor whose event now has another hash
    rewritten = runner.invoke(args=["bio", "verify-audit", "--chain-only", "--anchor", str(wrong)])
    assert rewritten.exit_code == 1 and "the history up to it was rewritten" in rewritten.output
    garbled = runner.invoke(args=["bio", "verify-audit", "--anchor", "12-abc"])
    assert garbled.exit_code == 2 and "VOLGNUMMER:HASH" in garbled.output


def test_verify_audit_names_a_register_change_made_with_sql(app: Flask) -> None:
    item = factories.incident("DIE", title="Laptop verloren")
    db.session.execute(update(Incident).where(Incident.id == item.id).values(title="Niets gebeurd"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["bio", "verify-audit"])
    assert result.exit_code == 1
    assert f'incidents {item.id} title: database "Niets gebeurd", audit log "Laptop verloren"' in result.output
    assert "verschil(len) tussen register en auditlog" in result.output
    chain_only = app.test_cli_runner().invoke(args=["bio", "verify-audit", "--chain-only"])
    assert chain_only.exit_code == 0, chain_only.output


def test_the_daily_anchor_mail(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    factories.incident("DIE")
    assert scheduler.send_audit_anchor(app, NOW) == 0  # nobody configured: nothing sent
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_MAIL", ("archief@example.nl", "fg@example.nl"))
    monkeypatch.setitem(app.config, "MAIL", "off")
    head = audit.chain_head()
    assert scheduler.send_audit_anchor(app, NOW) == 2
    messages = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject.like("BIO-register: stand van de auditketen%"))).all()
    assert sorted(m.recipient for m in messages) == ["archief@example.nl", "fg@example.nl"]
    assert all(f"bio-register verify-audit --anchor {head}" in m.body for m in messages)


def test_the_audit_log_page_shows_the_chain_head(client: FlaskClient) -> None:
    beheerder = factories.user([("beheerder", "DUO")])
    login(client, beheerder.email, factories.PASSWORD)
    html = client.get("/beheer/auditlog").get_data(as_text=True)
    assert str(audit.chain_head()) in html
