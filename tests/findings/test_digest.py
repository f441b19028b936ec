"""The weekly digest lists the open findings to the CISO who keeps them (issue 21, item 3)."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from bio_register import scheduler
from bio_register.database import utcnow
from bio_register.findings import services as findings
from tests import factories
from tests.test_digest import _digests


def test_the_ciso_finds_the_open_findings_overdue_first(app: Flask) -> None:
    now = utcnow()
    today = findings.local_today(now)
    ciso = factories.user([("ciso", "DIE")], name="Cees Ciso")
    vo = factories.user([("verbindingsofficier", "DIE")])
    uit_ciso = factories.user([("ciso", "UIT")])
    factories.finding("DIE", title="Hertest later", retest_on=today + dt.timedelta(days=30), status="in_behandeling")
    factories.finding("DIE", title="Hertest gemist", retest_on=today - dt.timedelta(days=3))
    factories.finding("DIE", title="Al opgelost", status="opgelost")
    factories.finding("UIT", title="Van Uithoorn", status="geaccepteerd",
                      motivation="Systeem wordt volgend jaar vervangen.")
    with app.app_context():
        _mailed, failed = scheduler.send_weekly_digests(app, now)
    assert failed == 0
    (mail,) = _digests(ciso)
    items = mail.body.split("U ontvangt dit overzicht")[0]
    assert "Open bevindingen (" in items and "/bevindingen)" in items
    assert items.index("Hertest gemist") < items.index("Hertest later")
    assert (f"Hertest gemist (DIE), open, hertest verlopen sinds "
            f"{(today - dt.timedelta(days=3)).strftime('%d-%m-%Y')}") in items
    assert "Hertest later (DIE), in behandeling, hertest" in items
    assert "Al opgelost" not in items and "Van Uithoorn" not in items
    assert mail.subject == "Weekoverzicht BIO-register: 2 punten voor u"
    # who reads findings but does not keep them gets none in the digest; nothing open in UIT: no mail
    assert all("Open bevindingen" not in m.body for m in _digests(vo))
    assert _digests(uit_ciso) == []
