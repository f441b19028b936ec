"""The datalek rules at the service level (no HTTP): the FG's assessment, the AP clock and decision,
AP meldingen, art. 34, closing, the Cbw clock and reports, and the FG's overview.

Every call passes ``now=`` so nothing depends on the clock of the machine running the tests.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bio_register.accounts.models import User
from bio_register.audit.models import AuditEvent
from bio_register.breaches import services as breaches
from bio_register.breaches.enisa import Band, EaseOfIdentification, Loss
from bio_register.breaches.models import (
    ApNotification,
    BreachAssessment,
    CbwPhase,
    CbwReport,
    DataSubjectDecision,
    NoNotifyGround,
    NotificationKind,
)
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Incident, Status
from tests import factories

UTC = dt.UTC
AMS = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
H = dt.timedelta(hours=1)


# --- helpers ---------------------------------------------------------------------------------------------

def log(org: str = "DIE", *, now: dt.datetime = NOW, discovered_at: dt.datetime | None = None,
        is_datalek: bool = True, **data: Any) -> Incident:
    values: dict[str, Any] = {
        "title": "Brief met zorggegevens naar verkeerd adres",
        "description": "Een beschikking Wmo is naar een verkeerde inwoner gestuurd.",
        "discovered_at": discovered_at or now - 2 * H,
        "is_datalek": is_datalek,
        **data,
    }
    incident = incidents.create_incident(None, factories.organisation(org), values, now=now, actor_label="test")
    db.session.commit()
    return incident


def fg(org: str = "DIE") -> User:
    return factories.fg_of(org)


def assess(incident: Incident, *, actor: User | None = None, now: dt.datetime = NOW,
           **data: Any) -> BreachAssessment:
    values = {"aware_at": incident.discovered_at, **data}
    assessment = breaches.save_assessment(actor or fg(incident.organisation.code), incident, values, now=now)
    db.session.commit()
    return assessment


def decide(incident: Incident, notify: bool = True, *, now: dt.datetime = NOW,
           motivation: str = "Risico voor betrokkenen: gezondheidsgegevens bij een derde.") -> Any:
    if breaches.assessment_of(incident) is None:
        assess(incident, now=now)
    decision = breaches.decide(fg(incident.organisation.code), incident, notify, motivation, now=now)
    db.session.commit()
    return decision


def notify_ap(incident: Incident, kind: str = "initial", *, submitted_at: dt.datetime | None = None,
              now: dt.datetime = NOW, meldnummer: str = "M-2026-12345", late_reason: str | None = None) -> Any:
    notification = breaches.record_notification(fg(incident.organisation.code), incident, kind,
                                                submitted_at or now - H, meldnummer, late_reason, now=now)
    db.session.commit()
    return notification


def status(incident: Incident, target: Status, *, now: dt.datetime = NOW, reason: str | None = "test") -> Incident:
    result = incidents.change_status(None, incident, target, incident.version, reason=reason, now=now)
    db.session.commit()
    return result


def fails(call: Any, *args: Any, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    db.session.rollback()
    return caught.value


def assessment_events(assessment: BreachAssessment) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "breach_assessment", AuditEvent.entity_id == str(assessment.id))
        .order_by(AuditEvent.seq)))


def ams(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AMS)


# --- the assessment: for what ------------------------------------------------------------------------------
# (who may assess, decide and report is declared at the routes: tests/breaches/test_authorisation.py)

def test_the_fg_of_the_organisation_saves_the_assessment() -> None:
    incident = log()
    assessment = assess(incident, subjects_count=1, data_categories=["naw"])
    assert assessment.id is not None
    assert breaches.assessment_of(incident).subjects_count == 1
    assert assessment.assessed_by_id == fg().id
    assert assessment.assessed_at == NOW


def test_only_a_datalek_is_assessed() -> None:
    incident = log(is_datalek=False)
    error = fails(breaches.save_assessment, fg(), incident, {"aware_at": incident.discovered_at}, now=NOW)
    assert "is_datalek" in error.errors
    assert breaches.assessment_of(incident) is None


# --- the assessment: bad input -------------------------------------------------------------------------------

BAD_INPUT = [
    ("aware_at", {"aware_at": NOW + dt.timedelta(hours=1)}),               # in the future
    ("aware_at", {"aware_at": dt.datetime(2026, 11, 20, 10, 0)}),           # naive
    ("aware_at", {"aware_at": None}),
    ("aware_at", {"aware_at": "2026-11-20T10:00:00+00:00"}),               # text, not a datetime
    ("enisa_dpc", {"enisa_dpc": 0, "enisa_ei": "1"}),
    ("enisa_dpc", {"enisa_dpc": 5, "enisa_ei": "1"}),
    ("enisa_dpc", {"enisa_dpc": "3", "enisa_ei": "1"}),
    ("enisa_dpc", {"enisa_dpc": True, "enisa_ei": "1"}),
    ("enisa_ei", {"enisa_dpc": 3, "enisa_ei": "0.3"}),
    ("enisa_cb_confidentiality", {"enisa_cb_confidentiality": "0.75"}),
    ("subjects_count", {"subjects_count": -1}),
    ("subjects_count", {"subjects_count": "12"}),
    ("records_count", {"records_count": -5}),
    ("data_categories", {"data_categories": ["naw", "schoenmaat"]}),
    ("special_categories", {"special_categories": ["naw"]}),
    ("subject_categories", {"subject_categories": "inwoners"}),
    ("processor_name", {"processor_involved": True}),
    ("processor_name", {"processor_involved": True, "processor_name": "   "}),
    ("bsn", {"bsn": "ja"}),
    ("colour", {"colour": "rood"}),
]


@pytest.mark.parametrize(("field", "overrides"), BAD_INPUT, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_INPUT)])
def test_bad_input_names_the_field_and_saves_nothing(field: str, overrides: dict[str, Any]) -> None:
    incident = log(discovered_at=NOW - 5 * H)
    data = {"aware_at": NOW - 4 * H, **overrides}
    error = fails(breaches.save_assessment, fg(), incident, data, now=NOW)
    assert field in error.errors
    assert breaches.assessment_of(incident) is None


def test_awareness_cannot_lie_before_the_incident_occurred() -> None:
    incident = log(discovered_at=NOW - 5 * H, occurred_at=NOW - 10 * H)
    error = fails(breaches.save_assessment, fg(), incident, {"aware_at": NOW - 11 * H}, now=NOW)
    assert "aware_at" in error.errors
    assert breaches.assessment_of(incident) is None
    assert assess(incident, aware_at=NOW - 10 * H).aware_at == NOW - 10 * H   # the boundary itself is fine


def test_awareness_a_few_minutes_ahead_is_clock_skew_not_the_future() -> None:
    incident = log()
    assert assess(incident, aware_at=NOW + dt.timedelta(minutes=4)).aware_at == NOW + dt.timedelta(minutes=4)


def test_bad_input_on_a_second_save_leaves_the_first_untouched() -> None:
    incident = log()
    assess(incident, subjects_count=3, enisa_dpc=2, enisa_ei="0.5")
    fails(breaches.save_assessment, fg(), incident,
          {"aware_at": incident.discovered_at, "subjects_count": -1, "enisa_dpc": 2, "enisa_ei": "0.5"}, now=NOW)
    db.session.expire_all()
    kept = breaches.assessment_of(incident)
    assert kept.subjects_count == 3
    assert kept.version == 1


def test_all_problems_are_reported_at_once() -> None:
    incident = log()
    error = fails(breaches.save_assessment, fg(), incident,
                  {"aware_at": NOW + 2 * H, "subjects_count": -1, "records_count": -5, "enisa_dpc": 9,
                   "enisa_ei": "0.3", "data_categories": ["onbekend"]}, now=NOW)
    assert {"aware_at", "subjects_count", "records_count", "enisa_dpc", "enisa_ei", "data_categories"} <= set(
        error.errors)


def test_aware_at_in_another_zone_is_stored_in_utc() -> None:
    incident = log(discovered_at=NOW - 5 * H)
    assessment = assess(incident, aware_at=ams(2026, 11, 20, 9, 30))
    db.session.expire_all()
    assert breaches.assessment_of(incident).aware_at == dt.datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert assessment.aware_at.utcoffset() == dt.timedelta(0)


def test_choices_are_kept_in_catalog_order_without_duplicates() -> None:
    incident = log()
    assess(incident, data_categories=["financieel", "naw", "naw"], special_categories=["gezondheid"],
           subject_categories=["kinderen", "inwoners"], bsn=True)
    db.session.expire_all()
    saved = breaches.assessment_of(incident)
    assert saved.data_categories == ["naw", "financieel"]
    assert saved.special_categories == ["gezondheid"]
    assert saved.subject_categories == ["inwoners", "kinderen"]
    assert saved.bsn is True


# --- the assessment: ENISA score stored -----------------------------------------------------------------------

def test_enisa_score_and_band_are_computed_and_stored() -> None:
    incident = log()
    assess(incident, enisa_dpc=2, enisa_ei="0.75", enisa_cb_confidentiality="0.25",
           enisa_cb_availability="0.25")
    db.session.expire_all()
    saved = breaches.assessment_of(incident)
    assert saved.enisa_score == Decimal("2")
    assert saved.enisa_band == Band.MEDIUM
    assert saved.enisa_ei == EaseOfIdentification.SIGNIFICANT
    assert saved.enisa_cb_confidentiality == Loss.MINOR
    assert saved.enisa_cb_integrity == Loss.NONE


def test_enisa_very_high_with_malicious_intent() -> None:
    incident = log()
    assess(incident, enisa_dpc=3, enisa_ei="1", enisa_cb_confidentiality="0.5", enisa_cb_malicious=True)
    db.session.expire_all()
    saved = breaches.assessment_of(incident)
    assert saved.enisa_score == Decimal("4")
    assert saved.enisa_band == Band.VERY_HIGH


@pytest.mark.parametrize("inputs", [{}, {"enisa_dpc": 3}, {"enisa_ei": "1"}, {"enisa_dpc": "", "enisa_ei": ""}])
def test_without_dpc_and_ei_there_is_no_score(inputs: dict[str, Any]) -> None:
    incident = log()
    assess(incident, **inputs)
    db.session.expire_all()
    saved = breaches.assessment_of(incident)
    assert saved.enisa_score is None
    assert saved.enisa_band is None


def test_clearing_the_enisa_inputs_clears_the_score() -> None:
    incident = log()
    assess(incident, enisa_dpc=4, enisa_ei="1")
    assess(incident)
    db.session.expire_all()
    saved = breaches.assessment_of(incident)
    assert (saved.enisa_score, saved.enisa_band, saved.enisa_dpc) == (None, None, None)


# --- the assessment: history ----------------------------------------------------------------------------------

def test_saving_again_records_only_the_changed_fields() -> None:
    incident = log()
    first = assess(incident, subjects_count=10, data_categories=["naw"])
    assert [e.action for e in assessment_events(first)] == ["create"]
    later = NOW + 2 * H
    second = assess(incident, now=later, subjects_count=12, data_categories=["naw"], records_count=40)
    assert second.id == first.id
    events = assessment_events(first)
    assert [e.action for e in events] == ["create", "update"]
    changes = json.loads(events[-1].changes)
    assert changes == {"subjects_count": {"before": 10, "after": 12},
                       "records_count": {"before": None, "after": 40}}
    assert second.assessed_at == later
    assert second.version == 2


def test_saving_the_same_values_again_records_nothing() -> None:
    incident = log()
    first = assess(incident, subjects_count=10)
    assess(incident, now=NOW + H, subjects_count=10)
    assert [e.action for e in assessment_events(first)] == ["create"]
    assert breaches.assessment_of(incident).assessed_at == NOW


def test_changing_the_enisa_inputs_records_the_new_score_and_band() -> None:
    incident = log()
    first = assess(incident, enisa_dpc=1, enisa_ei="1")
    assess(incident, enisa_dpc=3, enisa_ei="1")
    changes = json.loads(assessment_events(first)[-1].changes)
    assert set(changes) == {"enisa_dpc", "enisa_score", "enisa_band"}
    assert changes["enisa_band"] == {"before": "laag", "after": "hoog"}
    assert Decimal(changes["enisa_score"]["before"]) == 1
    assert Decimal(changes["enisa_score"]["after"]) == 3


def test_saving_unchanged_enisa_inputs_in_a_later_request_records_nothing() -> None:
    incident = log()
    first = assess(incident, enisa_dpc=4, enisa_ei="0.5", subjects_count=2)
    db.session.expire_all()   # a later request: the assessment is read back from the database
    assess(incident, now=NOW + H, enisa_dpc=4, enisa_ei="0.5", subjects_count=2)
    assert [e.action for e in assessment_events(first)] == ["create"]


# --- the AP clock ----------------------------------------------------------------------------------------------

def test_ap_deadline_is_72_elapsed_hours_after_awareness() -> None:
    incident = log(discovered_at=NOW - 30 * H)
    assessment = assess(incident, aware_at=NOW - 20 * H)
    assert breaches.ap_deadline(incident, assessment) == NOW + 52 * H
    assert breaches.awareness(incident, assessment) == NOW - 20 * H


def test_without_an_assessment_the_discovery_stands_in() -> None:
    incident = log(discovered_at=NOW - 30 * H)
    assert breaches.awareness(incident) == NOW - 30 * H
    assert breaches.ap_deadline(incident) == NOW + 42 * H
    assert breaches.ap_deadline(incident, breaches.assessment_of(incident)) == NOW + 42 * H


def test_ap_deadline_across_the_autumn_clock_change() -> None:
    aware = ams(2026, 10, 24, 12, 0)
    assert aware.astimezone(UTC) == dt.datetime(2026, 10, 24, 10, 0, tzinfo=UTC)
    incident = log(discovered_at=aware)
    assessment = assess(incident, aware_at=aware)
    deadline = breaches.ap_deadline(incident, assessment)
    assert deadline == dt.datetime(2026, 10, 27, 10, 0, tzinfo=UTC)
    # the clocks went back an hour on 25 October: 72 elapsed hours end at 11:00 on the wall clock
    assert deadline.astimezone(AMS).replace(tzinfo=None) == dt.datetime(2026, 10, 27, 11, 0)


def test_ap_deadline_across_the_spring_clock_change() -> None:
    aware = ams(2026, 3, 27, 12, 0)
    incident = log(discovered_at=aware)
    assessment = assess(incident, aware_at=aware)
    deadline = breaches.ap_deadline(incident, assessment)
    assert deadline == dt.datetime(2026, 3, 30, 11, 0, tzinfo=UTC)
    assert deadline.astimezone(AMS).replace(tzinfo=None) == dt.datetime(2026, 3, 30, 13, 0)


def test_the_overview_uses_the_assessed_awareness() -> None:
    incident = log(discovered_at=NOW - 10 * H)
    assess(incident, aware_at=NOW - 30 * H)   # the processor told us a day earlier
    row = next(r for r in breaches.overview(fg(), NOW) if r.incident.id == incident.id)
    assert row.deadline == NOW + 42 * H
    assert row.hours_left == pytest.approx(42)


# --- the decision ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("motivation", [None, "", "   ", "kort", "\t\n"])
def test_a_decision_needs_a_motivation(motivation: str | None) -> None:
    incident = log()
    assess(incident)
    error = fails(breaches.decide, fg(), incident, False, motivation, now=NOW)
    assert "motivation" in error.errors
    assert breaches.decisions_of(incident) == []


@pytest.mark.parametrize("notify", [None, "ja", 1])
def test_a_decision_is_yes_or_no(notify: Any) -> None:
    incident = log()
    assess(incident)
    error = fails(breaches.decide, fg(), incident, notify, "Een motivering die lang genoeg is.", now=NOW)
    assert "notify" in error.errors


def test_a_decision_needs_an_assessment_first() -> None:
    incident = log()
    error = fails(breaches.decide, fg(), incident, True, "Gezondheidsgegevens bij een derde.", now=NOW)
    assert "assessment" in error.errors
    assert breaches.decisions_of(incident) == []


def test_a_decision_only_for_a_datalek() -> None:
    incident = log(is_datalek=False)
    error = fails(breaches.decide, fg(), incident, True, "Gezondheidsgegevens bij een derde.", now=NOW)
    assert "is_datalek" in error.errors


def test_a_new_decision_supersedes_the_old_and_both_stay() -> None:
    incident = log()
    first = decide(incident, False, now=NOW - H, motivation="Versleutelde laptop, sleutel niet gelekt.")
    second = decide(incident, True, now=NOW, motivation="Sleutel bleek op een briefje in de tas te zitten.")
    decisions = breaches.decisions_of(incident)
    assert [d.id for d in decisions] == [second.id, first.id]
    assert [d.notify for d in decisions] == [True, False]
    assert decisions[0].motivation == "Sleutel bleek op een briefje in de tas te zitten."
    assert decisions[0].decided_by_id == fg().id
    assert decisions[0].decided_at == NOW


def test_the_motivation_is_stored_stripped() -> None:
    incident = log()
    decide(incident, False, motivation="   Geen risico: versleuteld.  ")
    assert breaches.decisions_of(incident)[0].motivation == "Geen risico: versleuteld."


# --- AP notifications --------------------------------------------------------------------------------------------

def test_no_notification_without_a_decision() -> None:
    incident = log()
    assess(incident)
    error = fails(breaches.record_notification, fg(), incident, "initial", NOW - H, "M-1", now=NOW)
    assert "notify" in error.errors
    assert breaches.notifications_of(incident) == []


def test_no_notification_on_a_decision_not_to_notify() -> None:
    incident = log()
    decide(incident, False)
    error = fails(breaches.record_notification, fg(), incident, "initial", NOW - H, "M-1", now=NOW)
    assert "notify" in error.errors
    assert breaches.notifications_of(incident) == []


def test_the_decision_in_force_counts() -> None:
    incident = log()
    decide(incident, True, now=NOW - 2 * H)
    decide(incident, False, now=NOW - H, motivation="Na onderzoek: de ontvanger heeft niets geopend.")
    error = fails(breaches.record_notification, fg(), incident, "initial", NOW - H, "M-1", now=NOW)
    assert "notify" in error.errors


def test_an_initial_notification_within_72_hours_needs_no_reason() -> None:
    incident = log(discovered_at=NOW - 10 * H)
    decide(incident, True)
    notification = notify_ap(incident, submitted_at=NOW - H)
    assert notification.kind == NotificationKind.INITIAL
    assert notification.late_reason is None
    assert notification.meldnummer == "M-2026-12345"
    assert notification.recorded_by_id == fg().id
    assert [n.id for n in breaches.notifications_of(incident)] == [notification.id]


def test_exactly_at_the_deadline_is_still_in_time() -> None:
    incident = log(discovered_at=NOW - 80 * H)
    decide(incident, True)
    assert notify_ap(incident, submitted_at=NOW - 8 * H).late_reason is None


def test_a_late_initial_notification_needs_the_reason_for_the_delay() -> None:
    incident = log(discovered_at=NOW - 80 * H)
    decide(incident, True)
    late = NOW - 8 * H + dt.timedelta(minutes=1)
    for reason in (None, "", "   "):
        error = fails(breaches.record_notification, fg(), incident, "initial", late, "M-1", reason, now=NOW)
        assert "late_reason" in error.errors
    assert breaches.notifications_of(incident) == []
    notification = notify_ap(incident, submitted_at=late, late_reason="Pas na forensisch onderzoek duidelijk.")
    db.session.expire_all()
    stored = db.session.get(ApNotification, notification.id)
    assert stored.late_reason == "Pas na forensisch onderzoek duidelijk."
    assert stored.submitted_at == late


def test_the_deadline_counts_from_the_assessed_awareness() -> None:
    incident = log(discovered_at=NOW - 10 * H)
    assess(incident, aware_at=NOW - 80 * H)
    decide(incident, True)
    error = fails(breaches.record_notification, fg(), incident, "initial", NOW - H, "M-1", now=NOW)
    assert "late_reason" in error.errors


def test_only_one_initial_notification() -> None:
    incident = log()
    decide(incident, True)
    notify_ap(incident)
    error = fails(breaches.record_notification, fg(), incident, "initial", NOW - H, "M-2", now=NOW)
    assert "kind" in error.errors
    assert len(breaches.notifications_of(incident)) == 1


@pytest.mark.parametrize("kind", ["follow_up", "withdrawal"])
def test_follow_up_and_withdrawal_need_an_initial_notification(kind: str) -> None:
    incident = log()
    decide(incident, True)
    error = fails(breaches.record_notification, fg(), incident, kind, NOW - H, "M-1", now=NOW)
    assert "kind" in error.errors
    assert breaches.notifications_of(incident) == []


def test_follow_ups_after_the_initial_notification() -> None:
    incident = log(discovered_at=NOW - 10 * H)
    decide(incident, True)
    notify_ap(incident, submitted_at=NOW - 5 * H)
    notify_ap(incident, "follow_up", submitted_at=NOW - 2 * H)
    notify_ap(incident, "withdrawal", submitted_at=NOW - H)
    assert [n.kind for n in breaches.notifications_of(incident)] == [
        NotificationKind.INITIAL, NotificationKind.FOLLOW_UP, NotificationKind.WITHDRAWAL]


def test_a_withdrawal_follows_a_new_decision_not_to_notify() -> None:
    incident = log(discovered_at=NOW - 10 * H)
    decide(incident, True, now=NOW - 6 * H)
    notify_ap(incident, submitted_at=NOW - 5 * H)
    decide(incident, False, now=NOW - 2 * H, motivation="Na onderzoek: de gegevens waren versleuteld.")
    error = fails(breaches.record_notification, fg(), incident, "follow_up", NOW - H, "M-1", now=NOW)
    assert "notify" in error.errors          # a supplement does not fit a decision not to notify
    notify_ap(incident, "withdrawal", submitted_at=NOW - H)
    assert [n.kind for n in breaches.notifications_of(incident)] == [NotificationKind.INITIAL,
                                                                      NotificationKind.WITHDRAWAL]


@pytest.mark.parametrize("meldnummer", [None, "", "   "])
def test_a_notification_needs_the_meldnummer(meldnummer: str | None) -> None:
    incident = log()
    decide(incident, True)
    error = fails(breaches.record_notification, fg(), incident, "initial", NOW - H, meldnummer, now=NOW)
    assert "meldnummer" in error.errors


@pytest.mark.parametrize(("submitted_at", "why"), [
    (NOW + H, "future"),
    (NOW - 3 * H, "before awareness"),
    (dt.datetime(2026, 11, 20, 11, 0), "naive"),
    (None, "missing"),
])
def test_the_moment_of_the_notification_must_be_plausible(submitted_at: dt.datetime | None, why: str) -> None:
    incident = log(discovered_at=NOW - 2 * H)
    decide(incident, True)
    error = fails(breaches.record_notification, fg(), incident, "initial", submitted_at, "M-1", now=NOW)
    assert "submitted_at" in error.errors, why
    assert breaches.notifications_of(incident) == []


def test_an_unknown_kind_is_refused() -> None:
    incident = log()
    decide(incident, True)
    error = fails(breaches.record_notification, fg(), incident, "aanvulling", NOW - H, "M-1", now=NOW)
    assert "kind" in error.errors


# --- data subjects (art. 34) --------------------------------------------------------------------------------------

def subjects(incident: Incident, *args: Any, actor: User | None = None, **kwargs: Any) -> DataSubjectDecision:
    decision = breaches.decide_data_subjects(actor or fg(), incident, *args, now=NOW, **kwargs)
    db.session.commit()
    return decision


def test_not_informing_needs_a_ground() -> None:
    incident = log()
    for ground in (None, "", "geen zin"):
        error = fails(breaches.decide_data_subjects, fg(), incident, False, ground, now=NOW)
        assert "ground" in error.errors
    assert breaches.subject_decisions_of(incident) == []


@pytest.mark.parametrize("ground", ["unintelligible", "risk_removed"])
def test_not_informing_on_a_ground(ground: str) -> None:
    incident = log()
    decision = subjects(incident, False, ground, "Laptop volledig versleuteld, sleutel niet gelekt.")
    assert decision.ground == NoNotifyGround(ground)
    assert decision.notify is False


def test_disproportionate_effort_needs_a_public_communication() -> None:
    incident = log()
    for explanation, channel, fields in ((None, None, {"explanation", "channel"}),
                                         ("Persbericht op de website", None, {"channel"}),
                                         (None, "Website gemeente", {"explanation"})):
        error = fails(breaches.decide_data_subjects, fg(), incident, False, "disproportionate_effort", explanation,
                      channel=channel, now=NOW)
        assert set(error.errors) == fields
    assert breaches.subject_decisions_of(incident) == []
    decision = subjects(incident, False, "disproportionate_effort", "Persbericht: adressen onbekend, 40.000 mensen.",
                        channel="Website en huis-aan-huisblad")
    assert decision.ground == NoNotifyGround.DISPROPORTIONATE_EFFORT
    assert decision.channel == "Website en huis-aan-huisblad"


def test_informing_with_a_ground_is_refused() -> None:
    incident = log()
    error = fails(breaches.decide_data_subjects, fg(), incident, True, "unintelligible", now=NOW)
    assert "ground" in error.errors


def test_informed_subjects_need_the_channel() -> None:
    incident = log()
    error = fails(breaches.decide_data_subjects, fg(), incident, True, None, "Brief verstuurd",
                  notified_at=NOW - H, now=NOW)
    assert "channel" in error.errors
    decision = subjects(incident, True, None, "Brief verstuurd", notified_at=NOW - H, channel="Brief")
    assert (decision.notify, decision.ground, decision.channel) == (True, None, "Brief")
    assert decision.notified_at == NOW - H


def test_informing_can_be_decided_before_it_happened() -> None:
    incident = log()
    decision = subjects(incident, True)
    assert decision.notified_at is None


@pytest.mark.parametrize("notified_at", [NOW + H, dt.datetime(2026, 11, 20, 9, 0)])
def test_the_moment_subjects_were_informed_must_be_plausible(notified_at: dt.datetime) -> None:
    incident = log()
    error = fails(breaches.decide_data_subjects, fg(), incident, True, notified_at=notified_at, channel="Brief",
                  now=NOW)
    assert "notified_at" in error.errors


def test_a_newer_subject_decision_supersedes_the_older() -> None:
    incident = log()
    first = subjects(incident, False, "risk_removed", "E-mail teruggehaald.")
    second = subjects(incident, True, None, "Toch informeren", notified_at=NOW - H, channel="E-mail")
    assert [d.id for d in breaches.subject_decisions_of(incident)] == [second.id, first.id]


# --- closing ---------------------------------------------------------------------------------------------------

def test_a_datalek_closes_only_after_the_fg_decided() -> None:
    incident = log()
    status(incident, Status.IN_BEHANDELING)
    error = fails(incidents.change_status, None, incident, Status.AFGEHANDELD, incident.version, now=NOW)
    assert "status" in error.errors
    assert "FG" in error.errors["status"][0]
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == Status.IN_BEHANDELING
    assess(incident)
    error = fails(incidents.change_status, None, incident, Status.AFGEHANDELD, incident.version, now=NOW)
    assert "status" in error.errors   # an assessment is not a decision
    decide(incident, False)
    assert status(incident, Status.AFGEHANDELD).status == Status.AFGEHANDELD


def test_a_datalek_closes_after_a_decision_to_notify() -> None:
    incident = log()
    status(incident, Status.IN_BEHANDELING)
    decide(incident, True)
    notify_ap(incident)
    assert status(incident, Status.AFGEHANDELD).closed_at == NOW


def test_a_plain_incident_closes_without_the_fg() -> None:
    incident = log(is_datalek=False)
    status(incident, Status.IN_BEHANDELING)
    assert status(incident, Status.AFGEHANDELD).status == Status.AFGEHANDELD


def ciso(org: str = "DIE") -> User:
    existing = breaches.users_with_role(factories.organisation(org).id, "ciso")
    return existing[0] if existing else factories.user([("ciso", org)], name=f"CISO {org}")


def significant(org: str = "DIE", *, is_datalek: bool = False, now: dt.datetime = NOW,
                discovered_at: dt.datetime | None = None) -> Incident:
    incident = log(org, is_datalek=is_datalek, now=now, discovered_at=discovered_at)
    incidents.update_incident(None, incident, {"is_significant_cbw": True}, incident.version, now=now)
    db.session.commit()
    return incident


def report(incident: Incident, phase: str, submitted_at: dt.datetime, *, now: dt.datetime = NOW,
           **kwargs: Any) -> CbwReport:
    kwargs.setdefault("content", factories.cbw_content(phase))
    result = breaches.record_cbw_report(ciso(incident.organisation.code), incident, phase, submitted_at,
                                        now=now, **kwargs)
    db.session.commit()
    return result


def test_a_significant_incident_closes_only_after_the_final_cbw_report() -> None:
    incident = significant(discovered_at=NOW - 30 * H)
    status(incident, Status.IN_BEHANDELING)
    error = fails(incidents.change_status, None, incident, Status.AFGEHANDELD, incident.version, now=NOW)
    assert "status" in error.errors
    assert "Cbw" in error.errors["status"][0]
    report(incident, "early_warning", NOW - 20 * H)
    report(incident, "notification", NOW - 10 * H)
    error = fails(incidents.change_status, None, incident, Status.AFGEHANDELD, incident.version, now=NOW)
    assert "status" in error.errors
    report(incident, "final", NOW - H)
    assert status(incident, Status.AFGEHANDELD).status == Status.AFGEHANDELD


def test_a_significant_datalek_needs_both_the_decision_and_the_final_report() -> None:
    incident = significant(is_datalek=True, discovered_at=NOW - 30 * H)
    status(incident, Status.IN_BEHANDELING)
    decide(incident, False)
    error = fails(incidents.change_status, None, incident, Status.AFGEHANDELD, incident.version, now=NOW)
    assert "Cbw" in error.errors["status"][0]
    report(incident, "notification", NOW - 10 * H)
    report(incident, "final", NOW - H)
    assert status(incident, Status.AFGEHANDELD).status == Status.AFGEHANDELD


@pytest.mark.parametrize("start", [Status.NIEUW, Status.IN_BEHANDELING])
def test_withdrawing_is_always_possible(start: Status) -> None:
    incident = significant(is_datalek=True)
    if start == Status.IN_BEHANDELING:
        status(incident, Status.IN_BEHANDELING)
    withdrawn = status(incident, Status.INGETROKKEN, reason="Dubbel geregistreerd; zie DIE-2026-0001.")
    assert withdrawn.status == Status.INGETROKKEN
    assert breaches.decisions_of(incident) == []


# --- Cbw reports ------------------------------------------------------------------------------------------------

def test_cbw_reports_only_for_a_significant_incident() -> None:
    incident = log(is_datalek=False)
    error = fails(breaches.record_cbw_report, ciso(), incident, "early_warning", NOW - H, now=NOW)
    assert "is_significant_cbw" in error.errors
    assert breaches.cbw_reports_of(incident) == []


def test_a_final_report_follows_the_notification() -> None:
    incident = significant()
    report(incident, "early_warning", NOW - H)
    error = fails(breaches.record_cbw_report, ciso(), incident, "final", NOW - H, now=NOW)
    assert "phase" in error.errors
    assert [r.phase for r in breaches.cbw_reports_of(incident)] == [CbwPhase.EARLY_WARNING]


@pytest.mark.parametrize(("phase", "submitted_at", "field"), [
    ("vroeg", NOW - H, "phase"),
    ("early_warning", NOW + H, "submitted_at"),
    ("early_warning", dt.datetime(2026, 11, 20, 9, 0), "submitted_at"),
    ("early_warning", None, "submitted_at"),
])
def test_bad_cbw_reports_are_refused(phase: str, submitted_at: dt.datetime | None, field: str) -> None:
    incident = significant()
    error = fails(breaches.record_cbw_report, ciso(), incident, phase, submitted_at, now=NOW)
    assert field in error.errors


def test_the_recipient_defaults_to_the_csirt_the_caller_names() -> None:
    incident = significant()
    assert report(incident, "early_warning", NOW - H).recipient == breaches.DEFAULT_CBW_RECIPIENT == "NCSC"
    assert report(incident, "early_warning", NOW - H, default_recipient="CSIRT-DSP").recipient == "CSIRT-DSP"
    assert report(incident, "notification", NOW - H, recipient="IBD", reference="IBD-77",
                  default_recipient="CSIRT-DSP").recipient == "IBD"


# --- the Cbw clock ---------------------------------------------------------------------------------------------

def test_cbw_clock_counted_from_awareness() -> None:
    aware = NOW - 5 * H
    incident = significant(discovered_at=NOW - 6 * H, is_datalek=True)
    assessment = assess(incident, aware_at=aware)
    clock = breaches.cbw_clock(incident, assessment, [], anchor="aware")
    assert clock.early_warning == aware + 24 * H
    assert clock.notification == aware + 72 * H
    assert clock.final == breaches.add_month(aware + 72 * H)
    assert clock.final_provisional is True
    assert clock.deadline(CbwPhase.EARLY_WARNING) == clock.early_warning


def test_cbw_clock_without_assessment_uses_discovery() -> None:
    incident = significant(discovered_at=NOW - 6 * H)
    clock = breaches.cbw_clock(incident, None, [], anchor="aware")
    assert clock.early_warning == NOW + 18 * H
    assert clock.notification == NOW + 66 * H


def test_cbw_notification_anchored_on_the_early_warning() -> None:
    incident = significant(discovered_at=NOW - 30 * H)
    early = report(incident, "early_warning", NOW - 10 * H)
    reports = breaches.cbw_reports_of(incident)
    by_awareness = breaches.cbw_clock(incident, None, reports, anchor="aware")
    by_warning = breaches.cbw_clock(incident, None, reports, anchor="early_warning")
    assert by_awareness.notification == NOW - 30 * H + 72 * H
    assert by_warning.notification == early.submitted_at + 72 * H == NOW + 62 * H
    assert by_warning.early_warning == NOW - 6 * H   # the early-warning deadline itself does not move
    # without an early warning yet, the anchor falls back to awareness
    assert breaches.cbw_clock(incident, None, [], anchor="early_warning").notification == NOW + 42 * H


def test_final_report_one_calendar_month_after_the_notification() -> None:
    now = ams(2026, 2, 2, 12, 0).astimezone(UTC)
    incident = significant(now=now, discovered_at=ams(2026, 1, 29, 10, 0))
    report(incident, "notification", ams(2026, 1, 31, 10, 0), now=now)
    clock = breaches.cbw_clock(incident, None, breaches.cbw_reports_of(incident), anchor="aware")
    assert clock.final_provisional is False
    assert clock.final.astimezone(AMS).replace(tzinfo=None) == dt.datetime(2026, 2, 28, 10, 0)


@pytest.mark.parametrize(("local", "expected"), [
    (dt.datetime(2026, 1, 31, 10, 0), dt.datetime(2026, 2, 28, 10, 0)),    # shorter month: its last day
    (dt.datetime(2028, 1, 31, 10, 0), dt.datetime(2028, 2, 29, 10, 0)),    # leap year
    (dt.datetime(2026, 12, 15, 9, 0), dt.datetime(2027, 1, 15, 9, 0)),     # over the year end
    (dt.datetime(2026, 3, 10, 9, 0), dt.datetime(2026, 4, 10, 9, 0)),      # across the spring change
    (dt.datetime(2026, 10, 10, 9, 0), dt.datetime(2026, 11, 10, 9, 0)),    # across the autumn change
])
def test_add_month_keeps_the_local_wall_clock(local: dt.datetime, expected: dt.datetime) -> None:
    result = breaches.add_month(local.replace(tzinfo=AMS))
    assert result.tzinfo is not None
    assert result.astimezone(AMS).replace(tzinfo=None) == expected


def test_final_report_deadline_is_provisional_until_notified() -> None:
    incident = significant(discovered_at=ams(2026, 11, 18, 9, 0))
    clock = breaches.cbw_clock(incident, None, [], anchor="aware")
    assert clock.notification.astimezone(AMS).replace(tzinfo=None) == dt.datetime(2026, 11, 21, 9, 0)
    assert clock.final_provisional is True
    assert clock.final.astimezone(AMS).replace(tzinfo=None) == dt.datetime(2026, 12, 21, 9, 0)


def test_final_report_deadline_in_the_spring_gap() -> None:
    now = ams(2027, 3, 1, 12, 0).astimezone(UTC)
    incident = significant(now=now, discovered_at=ams(2027, 2, 27, 1, 0))
    # the notification was made at 02:30 at night; 28 March 2027 02:30 does not exist in Amsterdam
    report(incident, "notification", ams(2027, 2, 28, 2, 30), now=now)
    clock = breaches.cbw_clock(incident, None, breaches.cbw_reports_of(incident), anchor="aware")
    assert clock.final == dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC)   # 03:30 summer time


# --- the FG's overview ---------------------------------------------------------------------------------------------

def test_overview_shows_the_users_datalekken_open_first_by_deadline() -> None:
    to_assess = log(discovered_at=NOW - 50 * H)                      # deadline NOW + 22 h
    decided = log(discovered_at=NOW - 10 * H)                        # deadline NOW + 62 h
    decide(decided, False)
    notified = log(discovered_at=NOW - 60 * H)                       # deadline NOW + 12 h
    decide(notified, True)
    notify_ap(notified)
    closed = log(discovered_at=NOW - 5 * H)
    decide(closed, False)
    status(closed, Status.IN_BEHANDELING)
    status(closed, Status.AFGEHANDELD)
    withdrawn = log(discovered_at=NOW - 70 * H)
    status(withdrawn, Status.INGETROKKEN, reason="Geen datalek: dubbel gemeld.")
    overdue = log(discovered_at=NOW - 80 * H)                        # deadline NOW - 8 h
    log(is_datalek=False)                                            # not a datalek
    elsewhere = log("UIT", discovered_at=NOW - 70 * H)               # another organisation

    rows = breaches.overview(fg("DIE"), NOW)
    # running AP clocks first by time left, then the open ones whose clock stopped (notified / not notifying)
    assert [r.incident.id for r in rows[:4]] == [overdue.id, to_assess.id, notified.id, decided.id]
    assert {r.incident.id for r in rows[4:]} == {closed.id, withdrawn.id}
    states = {r.incident.id: r.state for r in rows}
    assert states == {overdue.id: "te_beoordelen", notified.id: "gemeld", to_assess.id: "te_beoordelen",
                      decided.id: "besloten", closed.id: "afgesloten", withdrawn.id: "afgesloten"}
    by_id = {r.incident.id: r for r in rows}
    assert by_id[overdue.id].hours_left == pytest.approx(-8)
    assert by_id[notified.id].notified is True
    assert by_id[decided.id].decision.notify is False
    assert elsewhere.id not in by_id

    open_only = breaches.overview(fg("DIE"), NOW, include_closed=False)
    assert [r.incident.id for r in open_only] == [overdue.id, to_assess.id, notified.id, decided.id]


def test_overview_is_scoped_to_the_users_organisations() -> None:
    die = log("DIE")
    uit = log("UIT")
    assert [r.incident.id for r in breaches.overview(fg("DIE"), NOW)] == [die.id]
    assert [r.incident.id for r in breaches.overview(fg("UIT"), NOW)] == [uit.id]
    both = factories.user([("fg", "DIE"), ("fg", "UIT")])
    assert {r.incident.id for r in breaches.overview(both, NOW)} == {die.id, uit.id}
    control = factories.user([("concern_control", "DUO")])
    assert {r.incident.id for r in breaches.overview(control, NOW)} == {die.id, uit.id}
    assert breaches.overview(factories.user(), NOW) == []


def test_overview_state_follows_a_newer_decision() -> None:
    incident = log()
    decide(incident, True, now=NOW - H)
    decide(incident, False, now=NOW, motivation="Toch geen risico: de envelop was dicht teruggekomen.")
    row = breaches.overview(fg(), NOW)[0]
    assert row.state == "besloten"
    assert row.decision.notify is False


def test_a_datalek_decided_to_notify_closes_only_after_the_melding() -> None:
    incident = log()
    status(incident, Status.IN_BEHANDELING)
    decide(incident, True)
    error = fails(incidents.change_status, None, incident, Status.AFGEHANDELD, incident.version, now=NOW)
    assert "status" in error.errors and "meldnummer" in error.message
    notify_ap(incident)
    assert status(incident, Status.AFGEHANDELD).status == Status.AFGEHANDELD
