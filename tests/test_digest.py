"""The weekly digest (issue 22, item 1): what each role finds in it, once per ISO week per person
however often the job runs, nothing for whoever switched it off, and the legal deadline warnings
sent regardless; the switch on the account page."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register import scheduler
from bio_register.accounts.models import User
from bio_register.audit.models import AuditEvent
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.notifications import digest
from bio_register.notifications.models import DigestSent, Notice, OutboxMessage
from tests import factories
from tests.conftest import csrf_token, login

DIGEST = "Weekoverzicht BIO-register"


def _digests(user: User) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == user.email, OutboxMessage.subject.startswith(DIGEST)).order_by(OutboxMessage.id)))


def _run(app: Flask, now: dt.datetime) -> tuple[int, int]:
    with app.app_context():
        return scheduler.send_weekly_digests(app, now)


@pytest.fixture
def world() -> dict[str, object]:
    now = utcnow()
    vo = factories.user([("verbindingsofficier", "DIE")], name="Vera Verbinding")
    fg = factories.fg_of("DIE")
    ciso = factories.user([("ciso", "DIE")], name="Cees Ciso")
    beheerder = factories.user([("beheerder", "DUO")])
    other_vo = factories.user([("verbindingsofficier", "UIT")])
    late = factories.incident("DIE", severity="hoog", title="Blijft liggen", discovered_at=now - dt.timedelta(days=6))
    factories.incident("DIE", severity="hoog", title="Op tijd", discovered_at=now - dt.timedelta(days=1))
    leak = factories.incident("DIE", is_datalek=True, title="Lek", discovered_at=now - dt.timedelta(hours=10))
    significant = factories.incident("DIE", is_significant_cbw=True, title="Storing",
                                     discovered_at=now - dt.timedelta(hours=5))
    start = now - dt.timedelta(days=40)
    factories.measure("DIE", title="Back-up testen", owner="cees ciso ",
                      due_date=(start + dt.timedelta(days=10)).date(), now=start)
    factories.measure("DIE", title="Iemand anders", owner="Teamleider ICT",
                      due_date=(start + dt.timedelta(days=10)).date(), now=start)
    return {"now": now, "vo": vo, "fg": fg, "ciso": ciso, "beheerder": beheerder, "other_vo": other_vo,
            "late": late, "leak": leak, "significant": significant}


def test_each_role_finds_what_is_theirs(app: Flask, world: dict) -> None:
    mailed, failed = _run(app, world["now"])
    assert failed == 0
    (vo_mail,) = _digests(world["vo"])
    assert "Incidenten over de streeftijd" in vo_mail.body and world["late"].reference in vo_mail.body
    assert "Op tijd" not in vo_mail.body and "Lopende wettelijke termijnen" not in vo_mail.body
    assert f"/incidenten/{world['late'].id}" in vo_mail.body
    assert vo_mail.subject == f"{DIGEST}: 1 punt voor u"
    (fg_mail,) = _digests(world["fg"])
    assert "AP-melding (AVG art. 33)" in fg_mail.body and world["leak"].reference in fg_mail.body
    fg_items = fg_mail.body.split("U ontvangt dit overzicht")[0]
    assert "Cbw" not in fg_items and "streeftijd" not in fg_items
    (ciso_mail,) = _digests(world["ciso"])
    assert "Cbw: vroegtijdige waarschuwing aan de CSIRT" in ciso_mail.body
    assert world["significant"].reference in ciso_mail.body
    assert "AP-melding" not in ciso_mail.body.split("U ontvangt dit overzicht")[0]
    assert "Back-up testen" in ciso_mail.body and "Iemand anders" not in ciso_mail.body
    assert "Waarschuwingen voor de wettelijke termijnen (AP en Cbw) blijft u altijd ontvangen." in ciso_mail.body
    # nothing of theirs: no e-mail (the week is marked all the same)
    assert _digests(world["beheerder"]) == [] and _digests(world["other_vo"]) == []
    assert db.session.get(DigestSent, (world["beheerder"].id, digest.iso_week(world["now"]))) is not None
    assert mailed == 3
    # in-app as well
    notices = db.session.scalars(select(Notice).where(Notice.user_id == world["vo"].id,
                                                      Notice.text.startswith(DIGEST))).all()
    assert len(notices) == 1


def test_once_per_week_per_person_however_often_it_runs(app: Flask, world: dict) -> None:
    now = world["now"]
    assert _run(app, now)[0] == 3
    assert _run(app, now) == (0, 0)                           # the same moment again
    assert _run(app, now + dt.timedelta(minutes=1)) == (0, 0)  # a second scheduler, a minute later
    assert len(_digests(world["vo"])) == 1
    assert _run(app, now + dt.timedelta(days=7))[0] >= 1      # next week: again
    assert len(_digests(world["vo"])) == 2


def test_iso_week_is_counted_in_amsterdam_time() -> None:
    # Sunday 3 January 2027 23:30 UTC is Monday 4 January 00:30 in Amsterdam: week 1 of 2027
    assert digest.iso_week(dt.datetime(2027, 1, 3, 23, 30, tzinfo=dt.UTC)) == "2027-W01"
    assert digest.iso_week(dt.datetime(2027, 1, 3, 22, 30, tzinfo=dt.UTC)) == "2026-W53"


def test_nothing_for_whoever_switched_it_off_but_the_legal_warnings_still_come(app: Flask, world: dict) -> None:
    from bio_register.accounts import services as accounts

    for who in ("vo", "fg"):
        accounts.set_weekly_digest(world[who], False)
    db.session.commit()
    _run(app, world["now"])
    assert _digests(world["vo"]) == [] and _digests(world["fg"]) == []
    assert len(_digests(world["ciso"])) == 1
    # the AP clock's warning (24 hours before the deadline) reaches the FG who switched the digest off
    leak = world["leak"]
    with app.app_context():
        warnings, _sent, _failed = scheduler.check_deadlines(app, leak.discovered_at + dt.timedelta(hours=49))
    assert warnings >= 1
    warned = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == world["fg"].email, OutboxMessage.subject.contains(leak.reference),
        OutboxMessage.subject.startswith("Nog "))).all()
    assert len(warned) == 1


def test_the_account_page_switches_the_digest_off_and_on_audited(client: FlaskClient) -> None:
    user = factories.user([("verbindingsofficier", "DIE")])
    login(client, user.email, factories.PASSWORD)
    html = client.get("/account").get_data(as_text=True)
    assert "Weekoverzicht" in html and "kunt u niet uitzetten" in html
    assert re.search(r'<input checked[^>]*name="wanted"', html)  # on unless switched off
    token = csrf_token(client, "/account")
    assert client.post("/account/weekoverzicht", data={"csrf_token": token}).status_code == 302
    db.session.refresh(user)
    assert user.digest_opt_out is True
    html = client.get("/account").get_data(as_text=True)
    assert "niet meer" in html and not re.search(r'<input checked[^>]*name="wanted"', html)
    client.post("/account/weekoverzicht", data={"csrf_token": token, "wanted": "y"})
    db.session.refresh(user)
    assert user.digest_opt_out is False
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "user", AuditEvent.entity_id == str(user.id), AuditEvent.action == "update")
        .order_by(AuditEvent.seq)).all()
    assert [json.loads(e.changes)["digest_opt_out"]["after"] for e in events] == [True, False]
