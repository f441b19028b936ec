"""E-mail to the FG and the CISO, through a real SMTP server on loopback: a new datalek, the deadline
warnings of the AP and Cbw clocks, and a failing mail server that loses nothing."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from bio_register import scheduler
from bio_register.accounts.models import User
from bio_register.breaches import services as breaches
from bio_register.breaches.models import DeadlineWarning
from bio_register.extensions import db
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Incident, Status
from bio_register.notifications import delivery
from bio_register.notifications import services as notifications
from bio_register.notifications.models import Notice, OutboxMessage
from tests import factories

UTC = dt.UTC
AMS = ZoneInfo("Europe/Amsterdam")
H = dt.timedelta(hours=1)
#: awareness (= discovery) of the datalek in most tests, and its AP deadline
AWARE = dt.datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
DEADLINE = AWARE + 72 * H            # 13-11-2026 09:00 UTC = 10:00 Amsterdam
DEADLINE_TEXT = "13-11-2026 10:00"
TITLE = "USB-stick met jeugdzorgdossiers verloren"


# --- a real SMTP server -------------------------------------------------------------------------------------

@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        # Python's e-mail generator folds a long subject right after "Subject:"; unfolded, the line
        # break leaves a leading space that a mail client does not show.
        return str(self.message["Subject"]).strip()

    @property
    def body(self) -> str:
        return self.message.get_content()


class Collector:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.messages.append(Received(list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def take(self) -> list[Received]:
        taken, self.messages = self.messages, []
        return taken


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_server(request: pytest.FixtureRequest) -> Controller:
    controller = Controller(Collector(), hostname="127.0.0.1", port=free_port())
    controller.start()
    request.addfinalizer(controller.stop)
    return controller


SMTP_KEYS = ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS", "SMTP_USERNAME")


@pytest.fixture
def mailbox(app: Flask, smtp_server: Controller) -> Iterator[Collector]:
    """The app sends to the loopback server for this test; the session-wide config is restored after."""
    handler: Collector = smtp_server.handler
    handler.messages.clear()
    saved = {key: app.config.get(key) for key in SMTP_KEYS}
    app.config.update(SMTP_HOST=smtp_server.hostname, SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False,
                      SMTP_USERNAME="")
    try:
        yield handler
    finally:
        app.config.update(saved)


# --- helpers -------------------------------------------------------------------------------------------------

def log(org: str = "DIE", *, aware: dt.datetime = AWARE, is_datalek: bool = True, commit: bool = True,
        **data: Any) -> Incident:
    values = {"title": TITLE, "description": "Een medewerker is een onversleutelde USB-stick kwijtgeraakt.",
              "discovered_at": aware, "is_datalek": is_datalek, **data}
    incident = incidents.create_incident(None, factories.organisation(org), values, now=aware + H, actor_label="test")
    if commit:
        db.session.commit()
    return incident


def ciso(org: str = "DIE") -> User:
    existing = breaches.users_with_role(factories.organisation(org).id, "ciso")
    return existing[0] if existing else factories.user([("ciso", org)], name=f"CISO {org}")


def check(app: Flask, now: dt.datetime) -> tuple[int, int, int]:
    """The scheduler's deadline job at ``now``: queue, commit, send."""
    return scheduler.check_deadlines(app, now=now)


def rows(incident: Incident) -> set[tuple[str, str]]:
    return {(w.clock, w.threshold) for w in db.session.scalars(
        select(DeadlineWarning).where(DeadlineWarning.incident_id == incident.id))}


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def settle(app: Flask, mailbox: Collector) -> None:
    """Send whatever is queued (the new-datalek e-mail) and forget it."""
    delivery.deliver(app.config)
    mailbox.take()


def decide(incident: Incident, notify: bool, now: dt.datetime) -> None:
    fg = factories.fg_of(incident.organisation.code)
    if breaches.assessment_of(incident) is None:
        breaches.save_assessment(fg, incident, {"aware_at": incident.discovered_at}, now=now)
    breaches.decide(fg, incident, notify, "Besluit van de FG met motivering (test).", now=now)
    db.session.commit()


def assert_warning(received: Received, user: User, incident: Incident, subject: str, lead: str) -> None:
    assert received.envelope_to == [user.email]
    assert received.to == user.email
    assert received.subject == subject
    assert lead in received.body
    assert f"Incident: {incident.reference} — {TITLE} (Gemeente Diemen)" in received.body
    assert f"/incidenten/{incident.id}" in received.body


# --- a new datalek -----------------------------------------------------------------------------------------------

def test_a_new_datalek_is_mailed_to_the_fg_after_the_commit(app: Flask, mailbox: Collector) -> None:
    fg = factories.fg_of("DIE")
    second_fg = factories.user([("fg", "DIE")], name="Tweede FG")
    other_fg = factories.fg_of("UIT")
    factories.user([("verbindingsofficier", "DIE")])
    aware = dt.datetime(2026, 10, 24, 12, 0, tzinfo=AMS)   # the clocks go back on 25 October
    incident = log(aware=aware, commit=False)

    queued = outbox()
    assert sorted(m.recipient for m in queued) == sorted([fg.email, second_fg.email])
    assert all(m.sent_at is None for m in queued)
    assert mailbox.messages == []                            # queued in the transaction, nothing sent
    db.session.commit()
    assert mailbox.messages == []                            # committing does not send either
    assert delivery.deliver(app.config) == (2, 0)

    received = sorted(mailbox.take(), key=lambda r: r.to)
    assert sorted(r.to for r in received) == sorted([fg.email, second_fg.email])
    assert other_fg.email not in {r.to for r in received}
    for message in received:
        assert message.envelope_to == [message.to]
        assert incident.reference in message.subject
        assert message.subject == f"Nieuw datalek {incident.reference}: {TITLE}"
        assert message.message["From"] == app.config["MAIL_FROM"]
        assert f"Referentie: {incident.reference}" in message.body
        assert f"Titel: {TITLE}" in message.body
        assert "Ontdekt op: 24-10-2026 12:00" in message.body
        # 72 elapsed hours, shown on the Amsterdam wall clock after the change to winter time
        assert "27-10-2026 11:00" in message.body
        assert f"/incidenten/{incident.id}" in message.body
    assert all(m.sent_at is not None and m.attempts == 1 for m in outbox())

    notices = list(db.session.scalars(select(Notice).where(Notice.user_id == fg.id)))
    assert [(n.text, n.link) for n in notices] == [
        (f"Nieuw datalek {incident.reference}: {TITLE}", f"/incidenten/{incident.id}")]
    assert notifications.unread_notices(other_fg) == []
    assert delivery.deliver(app.config) == (0, 0)       # sent once
    assert mailbox.messages == []


def test_an_incident_that_is_no_datalek_sends_nothing(app: Flask, mailbox: Collector) -> None:
    fg = factories.fg_of("DIE")
    log(is_datalek=False)
    assert outbox() == []
    assert delivery.deliver(app.config) == (0, 0)
    assert mailbox.messages == []
    assert notifications.unread_notices(fg) == []


def test_an_incident_that_becomes_a_datalek_notifies_the_fg(app: Flask, mailbox: Collector) -> None:
    fg = factories.fg_of("DIE")
    incident = log(is_datalek=False)
    incidents.update_incident(None, incident, {"title": "Andere titel"}, incident.version, now=AWARE + 2 * H)
    db.session.commit()
    assert outbox() == []
    incidents.update_incident(None, incident, {"is_datalek": True}, incident.version, now=AWARE + 3 * H)
    db.session.commit()
    assert delivery.deliver(app.config) == (1, 0)
    (received,) = mailbox.take()
    assert received.to == fg.email
    assert received.subject == f"Nieuw datalek {incident.reference}: Andere titel"
    assert DEADLINE_TEXT in received.body
    assert len(notifications.unread_notices(fg)) == 1
    # saving it again as a datalek is no news
    incidents.update_incident(None, incident, {"is_datalek": True, "title": "Titel 3"}, incident.version,
                              now=AWARE + 4 * H)
    db.session.commit()
    assert delivery.deliver(app.config) == (0, 0)


# --- the AP clock -------------------------------------------------------------------------------------------------

def test_ap_warnings_24h_12h_1h_and_passed_each_once(app: Flask, mailbox: Collector) -> None:
    fg = factories.fg_of("DIE")
    incident = log()
    settle(app, mailbox)
    lead = f"De termijn verloopt op {DEADLINE_TEXT}."
    what = f"AP-melding (AVG art. 33) voor {incident.reference}"

    assert check(app, DEADLINE - 30 * H) == (0, 0, 0)
    assert mailbox.messages == []

    assert check(app, DEADLINE - 23 * H) == (1, 1, 0)
    (received,) = mailbox.take()
    assert_warning(received, fg, incident, f"Nog 23 uur: {what}", lead)
    assert rows(incident) == {("ap", "24h")}

    assert check(app, DEADLINE - 23 * H) == (0, 0, 0)        # the same moment again
    assert check(app, DEADLINE - 22 * H) == (0, 0, 0)        # still the 24-hour band
    assert mailbox.messages == []

    assert check(app, DEADLINE - 11 * H) == (1, 1, 0)
    (received,) = mailbox.take()
    assert_warning(received, fg, incident, f"Nog 11 uur: {what}", lead)

    assert check(app, DEADLINE - 10 * H) == (0, 0, 0)
    assert check(app, DEADLINE - H / 2) == (1, 1, 0)
    (received,) = mailbox.take()
    assert_warning(received, fg, incident, f"Nog 30 minuten: {what}", lead)

    assert check(app, DEADLINE + H) == (1, 1, 0)
    (received,) = mailbox.take()
    assert_warning(received, fg, incident, f"Termijn verstreken: {what}",
                   f"De termijn is verstreken op {DEADLINE_TEXT}.")

    for later in (DEADLINE + H, DEADLINE + 2 * H, DEADLINE + 48 * H, DEADLINE + 24 * 30 * H):
        assert check(app, later) == (0, 0, 0)
    assert mailbox.messages == []
    assert rows(incident) == {("ap", "24h"), ("ap", "12h"), ("ap", "1h"), ("ap", "passed")}
    assert len(list(db.session.scalars(select(DeadlineWarning).where(DeadlineWarning.incident_id == incident.id)))) == 4
    notices = notifications.unread_notices(fg)
    assert len(notices) == 1 + 4   # the new datalek and the four warnings
    assert all(n.link == f"/incidenten/{incident.id}" for n in notices)


def test_the_warning_rows_record_deadline_and_moment(app: Flask, mailbox: Collector) -> None:
    factories.fg_of("DIE")
    incident = log()
    check(app, DEADLINE - 23 * H)
    (row,) = db.session.scalars(select(DeadlineWarning).where(DeadlineWarning.incident_id == incident.id))
    assert (row.clock, row.threshold, row.deadline, row.sent_at) == ("ap", "24h", DEADLINE, DEADLINE - 23 * H)


@pytest.mark.parametrize(("left", "says"), [
    (dt.timedelta(minutes=30), "Nog 30 minuten"),
    (dt.timedelta(minutes=59), "Nog 59 minuten"),
    (dt.timedelta(hours=11, minutes=59), "Nog 11 uur"),
    (dt.timedelta(hours=23, minutes=59), "Nog 23 uur"),
])
def test_the_warning_says_how_much_time_is_left(app: Flask, mailbox: Collector, left: dt.timedelta,
                                                says: str) -> None:
    factories.fg_of("DIE")
    incident = log()
    settle(app, mailbox)
    assert check(app, DEADLINE - left) == (1, 1, 0)
    (received,) = mailbox.take()
    assert received.subject == f"{says}: AP-melding (AVG art. 33) voor {incident.reference}"


def test_only_the_most_urgent_warning_when_the_job_was_down(app: Flask, mailbox: Collector) -> None:
    fg = factories.fg_of("DIE")
    incident = log()
    settle(app, mailbox)
    assert check(app, DEADLINE - H / 2) == (1, 1, 0)        # 24h, 12h and 1h are all due: only 1h goes
    (received,) = mailbox.take()
    assert received.to == fg.email
    assert received.subject == f"Nog 30 minuten: AP-melding (AVG art. 33) voor {incident.reference}"
    assert rows(incident) == {("ap", "1h")}
    assert check(app, DEADLINE - H / 4) == (0, 0, 0)
    assert check(app, DEADLINE + 5 * H) == (1, 1, 0)
    assert mailbox.take()[0].subject.startswith("Termijn verstreken:")
    assert rows(incident) == {("ap", "1h"), ("ap", "passed")}


def test_a_job_that_first_runs_after_the_deadline_sends_only_that_it_passed(app: Flask, mailbox: Collector) -> None:
    factories.fg_of("DIE")
    incident = log()
    settle(app, mailbox)
    assert check(app, DEADLINE + 3 * H) == (1, 1, 0)
    (received,) = mailbox.take()
    assert received.subject == f"Termijn verstreken: AP-melding (AVG art. 33) voor {incident.reference}"
    assert rows(incident) == {("ap", "passed")}


def test_no_more_ap_warnings_after_a_decision_not_to_notify(app: Flask, mailbox: Collector) -> None:
    factories.fg_of("DIE")
    incident = log()
    settle(app, mailbox)
    assert check(app, DEADLINE - 23 * H) == (1, 1, 0)
    mailbox.take()
    decide(incident, False, DEADLINE - 20 * H)
    for moment in (DEADLINE - 11 * H, DEADLINE - H / 2, DEADLINE + H, DEADLINE + 48 * H):
        assert check(app, moment) == (0, 0, 0)
    assert mailbox.messages == []
    assert rows(incident) == {("ap", "24h")}


def test_warnings_continue_after_deciding_to_notify_until_the_notification(app: Flask, mailbox: Collector) -> None:
    fg = factories.fg_of("DIE")
    incident = log()
    settle(app, mailbox)
    decide(incident, True, DEADLINE - 30 * H)
    assert check(app, DEADLINE - 11 * H) == (1, 1, 0)
    (received,) = mailbox.take()
    assert_warning(received, fg, incident, f"Nog 11 uur: AP-melding (AVG art. 33) voor {incident.reference}",
                   f"De termijn verloopt op {DEADLINE_TEXT}.")
    breaches.record_notification(fg, incident, "initial", DEADLINE - 5 * H, "M-2026-0042", now=DEADLINE - 5 * H)
    db.session.commit()
    for moment in (DEADLINE - H / 2, DEADLINE + H):
        assert check(app, moment) == (0, 0, 0)
    assert mailbox.messages == []


def test_a_closed_or_withdrawn_datalek_has_no_clock(app: Flask, mailbox: Collector) -> None:
    factories.fg_of("DIE")
    incident = log()
    settle(app, mailbox)
    incidents.change_status(None, incident, Status.INGETROKKEN, incident.version, reason="Dubbel gemeld.",
                            now=AWARE + 2 * H)
    db.session.commit()
    assert check(app, DEADLINE + H) == (0, 0, 0)
    assert mailbox.messages == []


def test_the_assessed_awareness_moves_the_warnings(app: Flask, mailbox: Collector) -> None:
    fg = factories.fg_of("DIE")
    incident = log()
    settle(app, mailbox)
    breaches.save_assessment(fg, incident, {"aware_at": AWARE - 24 * H}, now=AWARE + 2 * H)  # known a day earlier
    db.session.commit()
    assert check(app, DEADLINE - 47 * H) == (1, 1, 0)      # 23 hours before the earlier deadline
    (received,) = mailbox.take()
    assert received.subject == f"Nog 23 uur: AP-melding (AVG art. 33) voor {incident.reference}"
    assert "De termijn verloopt op 12-11-2026 10:00." in received.body


def test_each_organisation_warns_its_own_fg(app: Flask, mailbox: Collector) -> None:
    fg_die = factories.fg_of("DIE")
    fg_uit = factories.fg_of("UIT")
    die = log("DIE")
    uit = log("UIT")
    settle(app, mailbox)
    assert check(app, DEADLINE - 23 * H) == (2, 2, 0)
    received = {r.to: r.subject for r in mailbox.take()}
    assert received == {fg_die.email: f"Nog 23 uur: AP-melding (AVG art. 33) voor {die.reference}",
                        fg_uit.email: f"Nog 23 uur: AP-melding (AVG art. 33) voor {uit.reference}"}


# --- the Cbw clock ------------------------------------------------------------------------------------------------

def significant(*, is_datalek: bool = False) -> Incident:
    incident = log(is_datalek=is_datalek)
    incidents.update_incident(None, incident, {"is_significant_cbw": True}, incident.version, now=AWARE + H)
    db.session.commit()
    return incident


def test_cbw_warnings_go_to_the_ciso_not_the_fg(app: Flask, mailbox: Collector) -> None:
    fg = factories.fg_of("DIE")
    officer = ciso("DIE")
    incident = significant()
    settle(app, mailbox)
    assert check(app, AWARE + H) == (1, 1, 0)               # early warning due in 23 h
    (received,) = mailbox.take()
    assert received.to == officer.email != fg.email
    assert received.subject == (f"Nog 23 uur: Cbw: vroegtijdige waarschuwing aan de CSIRT voor "
                                f"{incident.reference}")
    assert "De termijn verloopt op 11-11-2026 10:00." in received.body
    assert rows(incident) == {("cbw_early_warning", "24h")}
    assert notifications.unread_notices(fg) == []

    breaches.record_cbw_report(officer, incident, "early_warning", AWARE + 20 * H, now=AWARE + 20 * H,
                               content=factories.cbw_content("early_warning"))
    db.session.commit()
    assert check(app, AWARE + 25 * H) == (0, 0, 0)          # early warning done; notification not yet due
    assert check(app, AWARE + 49 * H) == (1, 1, 0)
    (received,) = mailbox.take()
    assert received.to == officer.email
    assert received.subject == f"Nog 23 uur: Cbw: incidentmelding aan de CSIRT voor {incident.reference}"
    assert f"De termijn verloopt op {DEADLINE_TEXT}." in received.body


def test_a_significant_datalek_runs_two_clocks_to_two_people(app: Flask, mailbox: Collector) -> None:
    fg = factories.fg_of("DIE")
    officer = ciso("DIE")
    incident = significant(is_datalek=True)
    settle(app, mailbox)
    assert check(app, AWARE + 49 * H) == (3, 3, 0)
    received = mailbox.take()
    by_person: dict[str, set[str]] = {}
    for message in received:
        assert message.envelope_to == [message.to]
        by_person.setdefault(message.to, set()).add(message.subject)
    assert by_person == {
        fg.email: {f"Nog 23 uur: AP-melding (AVG art. 33) voor {incident.reference}"},
        officer.email: {f"Termijn verstreken: Cbw: vroegtijdige waarschuwing aan de CSIRT voor {incident.reference}",
                        f"Nog 23 uur: Cbw: incidentmelding aan de CSIRT voor {incident.reference}"},
    }
    assert rows(incident) == {("ap", "24h"), ("cbw_early_warning", "passed"), ("cbw_notification", "24h")}
    # the FG's decision stops the AP clock, not the Cbw clock
    decide(incident, False, AWARE + 50 * H)
    assert check(app, DEADLINE - 11 * H) == (1, 1, 0)
    (message,) = mailbox.take()
    assert message.to == officer.email
    assert message.subject == f"Nog 11 uur: Cbw: incidentmelding aan de CSIRT voor {incident.reference}"


def test_the_final_report_warns_a_month_after_the_notification(app: Flask, mailbox: Collector) -> None:
    officer = ciso("DIE")
    incident = significant()
    for phase, at in (("early_warning", AWARE + 10 * H), ("notification", AWARE + 40 * H)):
        breaches.record_cbw_report(officer, incident, phase, at, now=at, content=factories.cbw_content(phase))
    db.session.commit()
    settle(app, mailbox)
    # the notification went out on 12-11-2026 02:00 Amsterdam: the final report is due 12-12-2026 02:00
    final = dt.datetime(2026, 12, 12, 1, 0, tzinfo=UTC)
    assert check(app, final - 30 * H) == (0, 0, 0)
    assert check(app, final - 23 * H) == (1, 1, 0)
    (received,) = mailbox.take()
    assert received.to == officer.email
    assert received.subject == f"Nog 23 uur: Cbw: eindverslag aan de CSIRT voor {incident.reference}"
    assert "De termijn verloopt op 12-12-2026 02:00." in received.body


def test_a_final_report_deadline_in_the_spring_gap_does_not_stop_the_job(app: Flask, mailbox: Collector) -> None:
    fg = factories.fg_of("DIE")
    officer = ciso("DIE")
    now = dt.datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    leak = log(aware=now - 49 * H)                            # an ordinary datalek, AP deadline in 23 h
    incident = incidents.create_incident(
        None, factories.organisation("DIE"),
        {"title": "Ransomware op de fileserver", "description": "Versleutelde bestanden op de fileserver.",
         "discovered_at": dt.datetime(2027, 2, 27, 1, 0, tzinfo=AMS), "is_datalek": False,
         "is_significant_cbw": True}, now=now, actor_label="test")
    for phase in ("early_warning", "notification"):
        # reported at 02:30 at night; one month later, 28-03-2027 02:30, is skipped by the clocks
        breaches.record_cbw_report(officer, incident, phase, dt.datetime(2027, 2, 28, 2, 30, tzinfo=AMS), now=now,
                                   content=factories.cbw_content(phase))
    db.session.commit()
    settle(app, mailbox)
    assert check(app, now) == (1, 1, 0)
    (received,) = mailbox.take()
    assert received.to == fg.email
    assert received.subject == f"Nog 23 uur: AP-melding (AVG art. 33) voor {leak.reference}"
    decide(leak, False, now)
    final = dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC)      # 03:30 summer time
    assert check(app, final - 23 * H) == (1, 1, 0)
    (received,) = mailbox.take()
    assert received.to == officer.email
    assert received.subject == f"Nog 23 uur: Cbw: eindverslag aan de CSIRT voor {incident.reference}"
    assert "De termijn verloopt op 28-03-2027 03:30." in received.body


# --- a failing mail server ------------------------------------------------------------------------------------------

def test_a_failing_mail_server_loses_nothing(app: Flask, mailbox: Collector, smtp_server: Controller) -> None:
    fg = factories.fg_of("DIE")
    closed = free_port()                                      # nobody listens there
    app.config["SMTP_PORT"] = closed
    incident = log()
    assert delivery.deliver(app.config) == (0, 1)
    (message,) = outbox()
    assert message.sent_at is None
    assert message.attempts == 1
    assert message.last_error
    assert mailbox.messages == []

    # the warning job still records its warning, and keeps the e-mail for later
    assert check(app, DEADLINE - 23 * H) == (1, 0, 2)
    assert rows(incident) == {("ap", "24h")}
    assert [m.attempts for m in outbox()] == [2, 1]
    assert all(m.sent_at is None and m.last_error for m in outbox())

    app.config["SMTP_PORT"] = smtp_server.port
    assert delivery.deliver(app.config) == (2, 0)
    received = mailbox.take()
    assert [r.subject for r in received] == [
        f"Nieuw datalek {incident.reference}: {TITLE}",
        f"Nog 23 uur: AP-melding (AVG art. 33) voor {incident.reference}",
    ]
    assert all(r.to == fg.email for r in received)
    assert all(m.sent_at is not None and m.last_error is None for m in outbox())
    assert [m.attempts for m in outbox()] == [3, 2]
    assert check(app, DEADLINE - 22 * H) == (0, 0, 0)         # nothing sent twice
    assert mailbox.messages == []


def test_without_anyone_to_warn_the_warning_waits_until_someone_holds_the_role(app: Flask, mailbox: Collector) -> None:
    incident = log()            # no FG and no verbindingsofficier in DIE yet
    settle(app, mailbox)
    assert check(app, DEADLINE - 23 * H) == (0, 0, 0)
    assert rows(incident) == set()
    fg = factories.fg_of("DIE")
    assert check(app, DEADLINE - 22 * H) == (1, 1, 0)
    (received,) = mailbox.take()
    assert received.to == fg.email and rows(incident) == {("ap", "24h")}


# --- the boundary and what it supplies ------------------------------------------------------------------------------

def test_links_point_into_the_configured_site(app: Flask, mailbox: Collector) -> None:
    """The services know no URLs: the job and the receiver of a new datalek supply BASE_URL and the
    incident page's path from the application."""
    fg = factories.fg_of("DIE")
    saved = app.config["BASE_URL"]
    app.config["BASE_URL"] = "https://bio.duoplus.example"
    try:
        incident = log()
        assert delivery.deliver(app.config) == (1, 0)
        url = f"https://bio.duoplus.example/incidenten/{incident.id}"
        assert f"Beoordeel het datalek: {url}" in mailbox.take()[0].body.splitlines()
        assert check(app, DEADLINE - 23 * H) == (1, 1, 0)
        assert f"Openen: {url}" in mailbox.take()[0].body.splitlines()
    finally:
        app.config["BASE_URL"] = saved
    assert {n.link for n in notifications.unread_notices(fg)} == {f"/incidenten/{incident.id}"}


def test_the_service_queues_and_the_job_commits(app: Flask, mailbox: Collector) -> None:
    factories.fg_of("DIE")
    incident = log()
    settle(app, mailbox)
    links = breaches.Links("https://bio.example", lambda i: f"/incidenten/{i.id}")
    assert len(breaches.send_due_warnings(DEADLINE - 23 * H, links=links)) == 1
    db.session.rollback()                                     # the caller's boundary decides: nothing stays
    assert rows(incident) == set() and outbox()[-1].subject.startswith("Nieuw datalek")
    assert check(app, DEADLINE - 23 * H) == (1, 1, 0)
    assert rows(incident) == {("ap", "24h")}


def test_a_concurrent_run_that_warned_first_wins(app: Flask, mailbox: Collector,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Two schedulers at once: the second finds the warning not yet recorded, but its row collides
    with the first's on the unique key. It is rolled back whole: no second e-mail, no second notice."""
    fg = factories.fg_of("DIE")
    incident = log()
    settle(app, mailbox)
    stale = breaches.due_warnings(DEADLINE - 23 * H)          # what the second run saw
    assert check(app, DEADLINE - 23 * H) == (1, 1, 0)         # the first run
    mailbox.take()
    monkeypatch.setattr(breaches, "due_warnings", lambda now, anchor: stale)
    assert check(app, DEADLINE - 23 * H) == (0, 0, 0)
    assert mailbox.messages == []
    assert rows(incident) == {("ap", "24h")}
    assert len(notifications.unread_notices(fg)) == 2         # the new datalek and one warning


def test_the_job_counts_the_cbw_clock_from_the_configured_anchor(app: Flask, mailbox: Collector) -> None:
    officer = ciso("DIE")
    incident = significant()
    breaches.record_cbw_report(officer, incident, "early_warning", AWARE + 20 * H, now=AWARE + 20 * H,
                               content=factories.cbw_content("early_warning"))
    db.session.commit()
    settle(app, mailbox)
    saved = app.config["CBW_NOTIFICATION_ANCHOR"]
    app.config["CBW_NOTIFICATION_ANCHOR"] = "early_warning"    # 72 h after the early warning: AWARE + 92 h
    try:
        assert check(app, AWARE + 49 * H) == (0, 0, 0)         # 23 h before AWARE + 72 h: not this clock
        assert check(app, AWARE + 69 * H) == (1, 1, 0)
    finally:
        app.config["CBW_NOTIFICATION_ANCHOR"] = saved
    (received,) = mailbox.take()
    assert received.subject == f"Nog 23 uur: Cbw: incidentmelding aan de CSIRT voor {incident.reference}"
    assert "De termijn verloopt op 14-11-2026 06:00." in received.body


def test_the_cli_command_runs_the_same_boundary(app: Flask, mailbox: Collector) -> None:
    factories.fg_of("DIE")
    log(aware=dt.datetime.now(UTC) - 50 * H)                 # the AP deadline is 22 hours away
    result = app.test_cli_runner().invoke(args=["bio", "check-deadlines"])
    assert result.exit_code == 0, result.output
    assert "Waarschuwingen: 1; e-mails verzonden: 2; mislukt (volgende keer opnieuw): 0" in result.output
    subjects = sorted(m.subject for m in mailbox.take())
    assert subjects[0].startswith("Nieuw datalek ") and subjects[1].startswith("Nog 21 uur: AP-melding")
