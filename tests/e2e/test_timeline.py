"""The incident's one timeline in a real browser: after the FG assessed, decided, notified the AP
and informed the data subjects, and a maatregel was linked, the incident page shows all of it in
order, with who did it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from tests.e2e.helpers import VO, assert_accessible, login, screenshot
from tests.e2e.test_flows import log_datalek

TITLE = "E2E: tijdlijn van een datalek"


def _fg_works_on_it(live_server: Any, incident_id: int) -> str:
    """The FG's steps, recorded through the services on the server's database (the datalek page's
    forms have browser tests of their own): returns the FG's name."""
    from bio_register import create_app
    from bio_register.accounts.models import User
    from bio_register.breaches import services as breaches
    from bio_register.database import utcnow
    from bio_register.extensions import db
    from bio_register.incidents.models import Incident
    from tests.conftest import TEST_SECRET
    from tests.e2e.helpers import FG

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{live_server.database}", "SECRET_KEY": TEST_SECRET,
                      "INSTANCE_PATH": str(live_server.database.parent)})
    with app.app_context():
        fg = db.session.scalars(select(User).where(User.email == FG)).one()
        incident = db.session.get(Incident, incident_id)
        assert incident is not None
        breaches.save_assessment(fg, incident, {"aware_at": incident.discovered_at, "enisa_dpc": 1, "enisa_ei": "1",
                                                "enisa_cb_confidentiality": "0.25"})
        breaches.save_assessment(fg, incident, {"aware_at": incident.discovered_at, "enisa_dpc": 2, "enisa_ei": "1",
                                                "enisa_cb_confidentiality": "0.5"})
        breaches.decide(fg, incident, True, "BSN verstrekt aan een onbekende.")
        breaches.record_notification(fg, incident, "initial", utcnow() - dt.timedelta(minutes=2), "M-E2E-777")
        breaches.decide_data_subjects(fg, incident, True, notified_at=utcnow() - dt.timedelta(minutes=1),
                                      channel="brief")
        db.session.commit()
        name = fg.name
        db.engine.dispose()
    return name


def test_the_incident_page_holds_one_timeline(new_page: Any, live_server: Any) -> None:
    vo = new_page()
    login(vo, live_server, VO)
    incident_id = log_datalek(vo, TITLE, dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
    fg_name = _fg_works_on_it(live_server, incident_id)

    # the verbindingsofficier adds the maatregel taken, from the incident page
    vo.goto(f"/incidenten/{incident_id}")
    vo.get_by_role("link", name="Maatregel toevoegen").click()
    vo.get_by_label("Titel").fill("Adres controleren vóór verzending")
    vo.get_by_role("button", name="Maatregel vastleggen").click()
    vo.wait_for_load_state()

    vo.goto(f"/incidenten/{incident_id}")
    timeline = vo.locator("#tijdlijn ol.timeline > li")
    titles = [re.sub(r"\s+", " ", t).strip() for t in timeline.locator(".timeline-title").all_inner_texts()]
    # newest first
    assert titles == [
        "Maatregel „Adres controleren vóór verzending” aangemaakt bij dit incident",
        "Besluit: betrokkenen informeren (art. 34)",
        "AP-melding gedaan (op tijd)",
        "Besluit: melden bij de AP (art. 33)",
        "FG heeft de beoordeling gewijzigd: ENISA-score 1,25 → 2,5",
        "FG heeft het datalek beoordeeld: ENISA-score 1,25 (laag)",
        "Incident vastgelegd als datalek",
    ]
    vo.locator("#tijdlijn").scroll_into_view_if_needed()
    screenshot(vo, "timeline")
    metas = timeline.locator(".timeline-meta").all_inner_texts()
    assert all(fg_name in meta for meta in metas[1:6])
    assert fg_name not in metas[0] and fg_name not in metas[6]
    # who and when: Amsterdam time, without an offset
    assert all(re.match(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2} · \S", meta) for meta in metas)
    assert "M-E2E-777" in timeline.nth(2).inner_text()
    assert_accessible(vo)
