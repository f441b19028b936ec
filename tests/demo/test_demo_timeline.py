"""The demo's incidents read true on their one timeline: an incident of months ago shows the times
its story happened, not the day the demo was made — and the audit log still verifies."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from bio_register import demo
from bio_register.accounts.models import User
from bio_register.audit.models import AuditEvent
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents import timeline
from bio_register.incidents.models import Incident, Status
from bio_register.timeutil import to_local
from tests import dbutil
from tests.conftest import session_login

ROOT = Path(__file__).resolve().parents[2]
TIME = re.compile(r'<time datetime="([^"]+)"')


@pytest.fixture
def made_today(app: Flask, monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """The demo as ``bio demo`` makes it: its year ends now. Returns that moment."""
    if not dbutil.on_postgresql():
        monkeypatch.setattr("bio_register.cli.run_migrations", lambda: None)  # see test_demo.py
    started = utcnow()
    result = app.test_cli_runner().invoke(args=["bio", "demo"])
    assert result.exit_code == 0, result.output
    return started


def _finished_before_today(now: dt.datetime) -> list[Incident]:
    """The demo incidents whose story ended (closed or withdrawn) before today, local time."""
    today = to_local(now).date()
    return [i for i in db.session.scalars(select(Incident).where(Incident.closed_at.is_not(None))
                                          .order_by(Incident.discovered_at))
            if to_local(i.closed_at).date() < today]


def test_a_past_demo_incident_shows_no_entry_of_today(made_today: dt.datetime, app: Flask) -> None:
    fg = db.session.scalars(select(User).where(User.email == demo.people.FG)).one()
    today = to_local(made_today).date()
    finished = _finished_before_today(made_today)
    assert len(finished) >= 30
    # the demo's datalekken have the FG's whole story: assessed, decided, some notified to the AP
    assert any(i.is_datalek and i.status is Status.AFGEHANDELD for i in finished)
    for incident in finished:
        items = timeline.timeline(fg, incident)
        assert len(items) >= 3, incident.reference  # logged, picked up, closed at least
        for item in items:
            assert to_local(item.at).date() != today, (incident.reference, item.title, item.at)
            assert incident.discovered_at - dt.timedelta(days=3) <= item.at <= incident.closed_at, \
                (incident.reference, item.title, item.at)
        assert items[-1].title.startswith(("Status gewijzigd", "Heropend")), incident.reference

    # the page a user reads: Diemen's finished datalek with the longest story, as its verbindingsofficier
    vo = db.session.scalars(select(User).where(User.email == "verbindingsofficier@demo.bio-register.nl")).one()
    story = max((i for i in finished if i.is_datalek and i.organisation.code == "DIE"),
                key=lambda i: len(timeline.timeline(vo, i)))
    client = app.test_client()
    session_login(client, vo)
    response = client.get(f"/incidenten/{story.id}")
    assert response.status_code == 200, response.headers.get("Location")
    html = response.get_data(as_text=True)
    section = html[html.index('id="tijdlijn"'):]
    moments = [dt.datetime.fromisoformat(m) for m in TIME.findall(section)]
    assert len(moments) >= 5
    assert all(story.discovered_at - dt.timedelta(days=3) <= m <= story.closed_at for m in moments), moments
    assert "Besluit: " in section and "FG heeft het datalek beoordeeld" in section


def test_the_back_dated_demo_log_still_verifies(made_today: dt.datetime, app: Flask) -> None:
    # the demo's events carry the times of its story, a year back, in the chain's sequence order
    oldest = db.session.scalar(select(AuditEvent.occurred_at).order_by(AuditEvent.occurred_at).limit(1))
    assert oldest is not None and oldest < made_today - dt.timedelta(days=300)
    result = app.test_cli_runner().invoke(args=["bio", "verify-audit"])
    assert result.exit_code == 0, result.output
    assert "Auditlog in orde" in result.output
    assert "het register klopt ermee" in result.output


def test_the_demo_alone_back_dates_audit_events(made_today: dt.datetime) -> None:
    """What happens outside the demo keeps the real time of recording: only the demo's modules may
    stamp an audit event with another time."""
    users = [e for e in db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "user"))]
    assert users and all(e.occurred_at >= made_today for e in users)  # set up now, not back-dated
    callers = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "bio_register").rglob("*.py")
                     if "recorded_as_of" in path.read_text(encoding="utf-8"))
    assert callers == ["bio_register/audit/services.py", "bio_register/demo/clock.py"]
