"""Datalekken: the FG's assessment, the AP clock and decision, AP meldingen, art. 34, the Cbw
clock and reports, and the deadline warnings.

No Flask and no HTTP: settings (the Cbw anchor and recipient) and where links point
(:class:`Links`) are passed in by the caller. Who may act is declared at the route; the functions
here check the rules of the AVG and the Cbw. Never commits: the boundary (the request pipeline,
the scheduler's job, the CLI) does, and sends the e-mail queued here after its commit."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, case, func, or_, select, true, union_all, update
from sqlalchemy.orm import lazyload, load_only

from bio_register import signals
from bio_register.accounts.models import Membership, User
from bio_register.audit import services as audit
from bio_register.breaches import catalog, cbwcontent, enisa
from bio_register.breaches.models import (
    ApCorrespondence,
    ApDecision,
    ApNotification,
    BreachAssessment,
    CbwCase,
    CbwPhase,
    CbwReport,
    CorrespondenceKind,
    DataSubjectDecision,
    DeadlineWarning,
    NoNotifyGround,
    NotificationKind,
)
from bio_register.database import utcnow
from bio_register.errors import Conflict, ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import format_local
from bio_register.i18n import gettext as _
from bio_register.incidents.models import CLOSED_STATUSES, OPEN_STATUSES, Incident
from bio_register.notifications import services as notifications
from bio_register.organisations.models import Organisation
from bio_register.paging import Page
from bio_register.permissions import (
    AllOrganisations,
    Permission,
    Role,
    has_permission,
    organisation_ids_with,
    organisation_scope,
    organisation_tree,
)
from bio_register.processing.labels import ART9_GROUNDS, LEGAL_BASES
from bio_register.queries import among_ids
from bio_register.timeutil import DEFAULT_TZ, NonexistentLocalTime, to_local, to_utc
from bio_register.validation import Errors

log = logging.getLogger(__name__)

AP_DEADLINE = dt.timedelta(hours=72)
CBW_EARLY_WARNING = dt.timedelta(hours=24)
CBW_NOTIFICATION = dt.timedelta(hours=72)
CLOCK_SKEW = dt.timedelta(minutes=5)
#: warn when this much time is left, and once when the deadline has passed
THRESHOLDS: tuple[tuple[str, dt.timedelta], ...] = (
    ("24h", dt.timedelta(hours=24)), ("12h", dt.timedelta(hours=12)), ("1h", dt.timedelta(hours=1)),
    ("passed", dt.timedelta(0)),
)
MAX_TEXT = 20_000
MAX_COUNT = 100_000_000

ASSESSMENT_FIELDS = (
    "aware_at", "data_categories", "special_categories", "bsn", "criminal_data", "subject_categories",
    "legal_bases", "art9_grounds", "subjects_count", "records_count", "nature_confidentiality", "nature_integrity",
    "nature_availability",
    "unintelligible", "processor_involved", "processor_name", "cross_border", "ongoing",
    "likely_consequences", "measures_taken", "enisa_dpc", "enisa_ei", "enisa_cb_confidentiality",
    "enisa_cb_integrity", "enisa_cb_availability", "enisa_cb_malicious",
)
BOOL_FIELDS = ("bsn", "criminal_data", "nature_confidentiality", "nature_integrity", "nature_availability",
               "unintelligible", "processor_involved", "cross_border", "ongoing", "enisa_cb_malicious")


#: where the Cbw notification deadline counts from by default (the setting CBW_NOTIFICATION_ANCHOR)
DEFAULT_CBW_ANCHOR = "aware"
#: the CSIRT a Cbw report goes to when none is named (the setting CBW_RECIPIENT)
DEFAULT_CBW_RECIPIENT = "NCSC"


@dataclass(frozen=True)
class Links:
    """Where a message about an incident points, supplied by the boundary that knows the
    application's URLs: ``path`` of the incident's page (the in-app notice's link) and
    ``base_url`` before it (the link in an e-mail)."""

    base_url: str
    path: Callable[[Incident], str]

    def url(self, incident: Incident) -> str:
        return f"{self.base_url}{self.path(incident)}"


# --- reading -----------------------------------------------------------------------------------------

def assessment_of(incident: Incident) -> BreachAssessment | None:
    return db.session.scalar(select(BreachAssessment).where(BreachAssessment.incident_id == incident.id))


def decisions_of(incident: Incident) -> list[ApDecision]:
    """Newest first: the first is the decision in force."""
    return list(db.session.scalars(select(ApDecision).where(ApDecision.incident_id == incident.id)
                                   .order_by(ApDecision.decided_at.desc(), ApDecision.id.desc())))


D = TypeVar("D", ApDecision, DataSubjectDecision)


@dataclass(frozen=True)
class Ruling(Generic[D]):
    """A decision as the page and the API show it: the newest is ``in_force``, the older ones
    were superseded and stay on record (art. 33(5))."""

    decision: D
    in_force: bool


def _rulings(decisions: list[D]) -> list[Ruling[D]]:
    return [Ruling(decision, in_force=index == 0) for index, decision in enumerate(decisions)]


def ap_rulings(incident: Incident) -> list[Ruling[ApDecision]]:
    """The AP decisions, newest (in force) first."""
    return _rulings(decisions_of(incident))


def subject_rulings(incident: Incident) -> list[Ruling[DataSubjectDecision]]:
    """The art. 34 decisions, newest (in force) first."""
    return _rulings(subject_decisions_of(incident))


def taken(decision: D) -> Ruling[D]:
    """A decision just taken: it supersedes the earlier ones, so it is the one in force."""
    return Ruling(decision, in_force=True)


def notifications_of(incident: Incident) -> list[ApNotification]:
    return list(db.session.scalars(select(ApNotification).where(ApNotification.incident_id == incident.id)
                                   .order_by(ApNotification.submitted_at, ApNotification.id)))


def subject_decisions_of(incident: Incident) -> list[DataSubjectDecision]:
    return list(db.session.scalars(
        select(DataSubjectDecision).where(DataSubjectDecision.incident_id == incident.id)
        .order_by(DataSubjectDecision.decided_at.desc(), DataSubjectDecision.id.desc())))


def cbw_reports_of(incident: Incident) -> list[CbwReport]:
    return list(db.session.scalars(select(CbwReport).where(CbwReport.incident_id == incident.id)
                                   .order_by(CbwReport.submitted_at, CbwReport.id)))


def awareness(incident: Incident, assessment: BreachAssessment | None = None) -> dt.datetime:
    """When the organisation became aware: the assessment's aware_at, else the discovery."""
    return assessment.aware_at if assessment is not None else incident.discovered_at


def ap_deadline(incident: Incident, assessment: BreachAssessment | None = None) -> dt.datetime:
    """AVG art. 33(1): 72 elapsed hours after becoming aware."""
    return awareness(incident, assessment) + AP_DEADLINE


def add_month(moment: dt.datetime, tz: str = DEFAULT_TZ) -> dt.datetime:
    """The same local time one calendar month later (the last day when the month is shorter)."""
    local = to_local(moment, tz).replace(tzinfo=None)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    target = local.replace(year=year, month=month, day=day)
    try:
        return to_utc(target, tz, fold=0)
    except NonexistentLocalTime:  # in the spring-forward gap: the same moment reads an hour later
        return to_utc(target + dt.timedelta(hours=1), tz, fold=0)


@dataclass(frozen=True)
class CbwClock:
    early_warning: dt.datetime
    notification: dt.datetime
    #: None while an interim report was sent and the incident is not yet handled
    final: dt.datetime | None
    final_provisional: bool  # true while no notification was made: counted from its deadline
    #: when the final report is due if the incident is handled by then, else an interim report
    interim: dt.datetime | None = None
    #: an interim report was sent: the final report is due a month after the incident is handled
    after_interim: bool = False
    handled_at: dt.datetime | None = None

    def deadline(self, phase: CbwPhase) -> dt.datetime | None:
        return {CbwPhase.EARLY_WARNING: self.early_warning, CbwPhase.NOTIFICATION: self.notification,
                CbwPhase.INTERIM: self.interim, CbwPhase.FINAL: self.final}[phase]


def cbw_clock(incident: Incident, assessment: BreachAssessment | None, reports: Iterable[CbwReport],
              anchor: str = DEFAULT_CBW_ANCHOR, handled_at: dt.datetime | None = None) -> CbwClock:
    """Cbw: early warning 24 h after awareness; notification 72 h after awareness (or after the
    early warning with ``anchor="early_warning"``, the setting CBW_NOTIFICATION_ANCHOR); final
    report one month after the notification — or, when an interim report was sent because the
    incident was still ongoing then, one month after the incident was handled (``handled_at``;
    None until it is). Elapsed hours for 24/72 h; a calendar month in Amsterdam time."""
    aware = awareness(incident, assessment)
    first: dict[CbwPhase, CbwReport] = {}
    for report in sorted(reports, key=lambda r: r.submitted_at):
        first.setdefault(report.phase, report)
    early = aware + CBW_EARLY_WARNING
    base = first[CbwPhase.EARLY_WARNING].submitted_at if (
        anchor == "early_warning" and CbwPhase.EARLY_WARNING in first) else aware
    notification = base + CBW_NOTIFICATION
    provisional = CbwPhase.NOTIFICATION not in first
    month = add_month(notification if provisional else first[CbwPhase.NOTIFICATION].submitted_at)
    if CbwPhase.INTERIM in first:
        final = add_month(handled_at) if handled_at is not None else None
        return CbwClock(early, notification, final, provisional, month, True, handled_at)
    return CbwClock(early, notification, month, provisional, month, False, handled_at)


# --- the assessment ---------------------------------------------------------------------------------

def _choices(errors: Errors, name: str, values: Any, allowed: Mapping[str, Any]) -> list[str]:
    if values in (None, ""):
        return []
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        errors.add(name, _("Geef een lijst van keuzes."))
        return []
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors.add(name, _("Onbekende keuze: %(v)s.", v=", ".join(unknown)))
        return []
    return sorted(set(values), key=list(allowed).index)


def _count(errors: Errors, name: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(name, _("Vul een geheel getal in."))
        return None
    if value < 0:
        errors.add(name, _("Een aantal kan niet negatief zijn."))
        return None
    if value > MAX_COUNT:
        errors.add(name, _("Dat aantal is onwaarschijnlijk groot."))
        return None
    return value


#: the checks of a list of choices and of a yes/no, for the rule modules beside this one
check_choices = _choices


#: an assessment's lists of choices, each from its catalog
CHOICE_FIELDS: tuple[tuple[str, Mapping[str, Any]], ...] = (
    ("data_categories", catalog.DATA_CATEGORIES), ("special_categories", catalog.SPECIAL_CATEGORIES),
    ("subject_categories", catalog.SUBJECT_CATEGORIES), ("legal_bases", LEGAL_BASES),
    ("art9_grounds", ART9_GROUNDS))
COUNT_FIELDS = ("subjects_count", "records_count")
LONG_TEXT_FIELDS = ("likely_consequences", "measures_taken")
LOSS_FIELDS = ("enisa_cb_confidentiality", "enisa_cb_integrity", "enisa_cb_availability")


def _flag(errors: Errors, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        errors.add(name, _("Kies ja of nee."))
    return bool(value)


check_flag = _flag


def _aware_at(errors: Errors, incident: Incident, value: Any, now: dt.datetime) -> dt.datetime | None:
    """The moment of awareness in UTC: given with a time zone, not in the future, not before the
    incident occurred (None when it is not given at all)."""
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        errors.add("aware_at", _("Vul in wanneer de organisatie zich bewust werd van het datalek."))
        return None
    aware_at = value.astimezone(dt.UTC)
    if aware_at > now + CLOCK_SKEW:
        errors.add("aware_at", _("Het moment van bewustwording ligt in de toekomst."))
    elif incident.occurred_at is not None and aware_at < incident.occurred_at:
        errors.add("aware_at", _("Bewustwording kan niet vóór het optreden van het incident liggen (%(t)s).",
                                 t=format_local(incident.occurred_at)))
    return aware_at


def _enisa_inputs(errors: Errors, data: Mapping[str, Any]) -> dict[str, Any]:
    """The ENISA method's inputs: DPC 1–4 and EI (both optional), and the three losses (default 0)."""
    out: dict[str, Any] = {"enisa_dpc": None, "enisa_ei": None}
    dpc, ei = data.get("enisa_dpc"), data.get("enisa_ei")
    if dpc not in (None, ""):
        if isinstance(dpc, bool) or not isinstance(dpc, int) or not 1 <= dpc <= 4:
            errors.add("enisa_dpc", _("De DPC is een geheel getal van 1 tot en met 4."))
        else:
            out["enisa_dpc"] = dpc
    if ei not in (None, ""):
        try:
            out["enisa_ei"] = enisa.EaseOfIdentification(str(ei))
        except ValueError:
            errors.add("enisa_ei", _("Kies 0,25, 0,5, 0,75 of 1."))
    for name in LOSS_FIELDS:
        try:
            out[name] = enisa.Loss(str(data.get(name) or "0"))
        except ValueError:
            errors.add(name, _("Kies 0, 0,25 of 0,5."))
    return out


def _enisa_severity(values: Mapping[str, Any]) -> tuple[Decimal | None, enisa.Band | None]:
    """The ENISA score and band of valid inputs; none without both DPC and EI."""
    if values["enisa_dpc"] is None or values["enisa_ei"] is None:
        return None, None
    score = enisa.severity(values["enisa_dpc"], values["enisa_ei"], confidentiality=values["enisa_cb_confidentiality"],
                           integrity=values["enisa_cb_integrity"], availability=values["enisa_cb_availability"],
                           malicious=values["enisa_cb_malicious"])
    # stored as NUMERIC(5, 2): keep the same scale so an unchanged score compares equal
    return score.score.quantize(Decimal("0.01")), score.band


def _clean_assessment(incident: Incident, data: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Every field of an assessment checked (all problems at once), or ValidationFailed."""
    errors = Errors()
    for name in sorted(set(data) - set(ASSESSMENT_FIELDS)):
        errors.add(name, _("Onbekend veld."))
    out: dict[str, Any] = {}
    aware_at = _aware_at(errors, incident, data.get("aware_at"), now)
    if aware_at is not None:
        out["aware_at"] = aware_at
    for name, allowed in CHOICE_FIELDS:
        out[name] = _choices(errors, name, data.get(name), allowed)
    for name in BOOL_FIELDS:
        out[name] = _flag(errors, name, data.get(name, False))
    for name in COUNT_FIELDS:
        out[name] = _count(errors, name, data.get(name))
    out["processor_name"] = errors.text("processor_name", data.get("processor_name"), max_length=200,
                                        single_line=True)
    if out["processor_involved"] and not out["processor_name"]:
        errors.add("processor_name", _("Noem de verwerker."))
    for name in LONG_TEXT_FIELDS:
        out[name] = errors.text(name, data.get(name), max_length=MAX_TEXT)
    out.update(_enisa_inputs(errors, data))
    errors.raise_if_any()
    out["enisa_score"], out["enisa_band"] = _enisa_severity(out)
    return out


def _check_awareness_against_meldingen(incident: Incident, aware_at: dt.datetime) -> None:
    """A recorded AP melding pins the awareness: it cannot move past the melding, nor make an
    on-time initial melding late after the fact."""
    initial = next((n for n in notifications_of(incident) if n.kind == NotificationKind.INITIAL), None)
    if initial is None:
        return
    if aware_at > initial.submitted_at:
        raise ValidationFailed(_("De eerste AP-melding is gedaan op %(t)s; de bewustwording kan niet later liggen.",
                                 t=format_local(initial.submitted_at)), field="aware_at")
    if initial.submitted_at > aware_at + AP_DEADLINE and not initial.late_reason:
        raise ValidationFailed(_("Met dit moment van bewustwording was de eerste AP-melding te laat, maar er is "
                                 "geen reden voor de vertraging vastgelegd. Leg eerst een aanvulling met de "
                                 "reden vast, of controleer het moment."), field="aware_at")


def _snapshot(assessment: BreachAssessment) -> dict[str, Any]:
    return {name: getattr(assessment, name) for name in (*ASSESSMENT_FIELDS, "enisa_score", "enisa_band")}


def _require_datalek(incident: Incident) -> None:
    if not incident.is_datalek:
        raise ValidationFailed(_("Dit incident is niet als datalek gemarkeerd."), field="is_datalek")


def save_assessment(actor: User, incident: Incident, data: Mapping[str, Any],
                    expected_version: int | None = None, *, now: dt.datetime | None = None) -> BreachAssessment:
    """Create or replace the FG's assessment (every field given; the history is in the audit log).
    Who may assess (``breach:assess``) is checked at the route."""
    now = now or utcnow()
    _require_datalek(incident)
    values = _clean_assessment(incident, data, now)
    _check_awareness_against_meldingen(incident, values["aware_at"])
    assessment = assessment_of(incident)
    if assessment is None:
        assessment = BreachAssessment(incident_id=incident.id, assessed_by_id=actor.id, assessed_at=now,
                                      version=1, **values)
        db.session.add(assessment)
        db.session.flush()
        refresh_ap_state(incident)
        audit.record(actor, "breach_assessment", assessment.id, "create",
                     audit.created({"incident": incident.reference, **values}),
                     organisation_id=incident.organisation_id)
        return assessment
    if expected_version is not None and expected_version != assessment.version:
        raise Conflict(_("Iemand anders heeft de beoordeling intussen opgeslagen. Laad haar opnieuw."),
                       field="version")
    before = _snapshot(assessment)
    for name, value in values.items():
        setattr(assessment, name, value)
    changes = audit.diff(before, _snapshot(assessment))
    if changes:
        assessment.assessed_by_id, assessment.assessed_at = actor.id, now
        db.session.flush()
        refresh_ap_state(incident)
        audit.record(actor, "breach_assessment", assessment.id, "update", changes,
                     organisation_id=incident.organisation_id)
    return assessment


# --- AP decision and notifications -------------------------------------------------------------------

def decide(actor: User, incident: Incident, notify: Any, motivation: str | None,
           *, now: dt.datetime | None = None) -> ApDecision:
    """The FG's decision on the AP-melding, with its motivation (art. 33(5)). A new decision
    supersedes the previous one; both stay. The motivation's minimum length is the rule's, here
    (the API's schema checks only its type and maximum)."""
    now = now or utcnow()
    _require_datalek(incident)
    errors = Errors()
    if not isinstance(notify, bool):
        errors.add("notify", _("Kies: wel of niet melden bij de AP."))
    text = errors.text("motivation", motivation, max_length=MAX_TEXT)
    if "motivation" not in errors.errors and (text is None or len(text) < 10):
        errors.add("motivation", _("Motiveer het besluit in een paar woorden, ook bij niet melden "
                                   "(art. 33 lid 5 AVG)."))
    if assessment_of(incident) is None:
        errors.add("assessment", _("Leg eerst de beoordeling vast, ten minste het moment van bewustwording."))
    errors.raise_if_any()
    decision = ApDecision(incident_id=incident.id, notify=notify, motivation=text, decided_by_id=actor.id,
                          decided_at=now)
    db.session.add(decision)
    db.session.flush()
    refresh_ap_state(incident)
    audit.record(actor, "ap_decision", decision.id, "create",
                 audit.created({"incident": incident.reference, "notify": notify, "motivation": text}),
                 organisation_id=incident.organisation_id)
    signals.fg_decided.send(incident, decision=decision, actor=actor)
    return decision


def record_notification(actor: User, incident: Incident, kind: Any, submitted_at: dt.datetime | None,
                        meldnummer: str | None, late_reason: str | None = None,
                        *, now: dt.datetime | None = None) -> ApNotification:
    """Record a notification made to the AP (initial, follow-up or withdrawal)."""
    now = now or utcnow()
    _require_datalek(incident)
    errors = Errors()
    try:
        kind = NotificationKind(kind)
    except ValueError:
        errors.add("kind", _("Kies eerste melding, aanvulling of intrekking."))
        kind = None
    number = errors.text("meldnummer", meldnummer, max_length=50, required=True, single_line=True)
    reason = errors.text("late_reason", late_reason, max_length=MAX_TEXT)
    assessment = assessment_of(incident)
    decisions = decisions_of(incident)
    existing = notifications_of(incident)
    # Withdrawing follows a new decision not to notify, so only meldingen themselves need "melden".
    if kind != NotificationKind.WITHDRAWAL and (not decisions or not decisions[0].notify):
        errors.add("notify", _("Het geldende besluit is om niet te melden: een AP-melding past daar niet bij. "
                               "Neem eerst een nieuw besluit."))
    if not isinstance(submitted_at, dt.datetime) or submitted_at.tzinfo is None:
        errors.add("submitted_at", _("Vul in wanneer de melding is gedaan."))
    else:
        submitted_at = submitted_at.astimezone(dt.UTC)
        if submitted_at > now + CLOCK_SKEW:
            errors.add("submitted_at", _("Dit tijdstip ligt in de toekomst."))
        elif assessment is not None and submitted_at < assessment.aware_at:
            errors.add("submitted_at", _("Een melding kan niet vóór de bewustwording liggen."))
        elif kind == NotificationKind.INITIAL and assessment is not None and not reason and (
                submitted_at > ap_deadline(incident, assessment)):
            errors.add("late_reason", _("De melding is na de termijn van 72 uur gedaan: geef de reden "
                                        "voor de vertraging (art. 33 lid 1 AVG)."))
    has_initial = any(n.kind == NotificationKind.INITIAL for n in existing)
    if kind == NotificationKind.INITIAL and has_initial:
        errors.add("kind", _("Er is al een eerste melding; leg een aanvulling vast."))
    if kind in (NotificationKind.FOLLOW_UP, NotificationKind.WITHDRAWAL) and not has_initial:
        errors.add("kind", _("Leg eerst de eerste melding vast."))
    errors.raise_if_any()
    notification = ApNotification(incident_id=incident.id, kind=kind, submitted_at=submitted_at,
                                  meldnummer=number, late_reason=reason, recorded_by_id=actor.id, recorded_at=now)
    db.session.add(notification)
    db.session.flush()
    refresh_ap_state(incident)
    audit.record(actor, "ap_notification", notification.id, "create",
                 audit.created({"incident": incident.reference, "kind": kind, "submitted_at": submitted_at,
                                "meldnummer": number, "late_reason": reason}),
                 organisation_id=incident.organisation_id)
    signals.ap_notified.send(incident, notification=notification, actor=actor)
    return notification


def ap_state_values(incident_id: Any) -> dict[str, Any]:
    """The incident's derived AP columns as SQL expressions of its assessment, decisions, meldingen and
    correspondence (``incident_id``: a value or the correlated ``Incident.id``): ``ap_file_open`` (the
    initial melding recorded and the file not closed by the AP), ``ap_clock_running`` (no initial
    melding, and the decision in force, if any, is to notify), ``ap_aware_at`` and ``ap_notified_at``."""
    initial = select(ApNotification.submitted_at).where(ApNotification.incident_id == incident_id,
                                                        ApNotification.kind == NotificationKind.INITIAL)
    notified = initial.exists()
    closed = select(ApCorrespondence.id).where(ApCorrespondence.incident_id == incident_id,
                                               ApCorrespondence.kind == CorrespondenceKind.DOSSIER_GESLOTEN).exists()
    latest_notify = (select(ApDecision.notify).where(ApDecision.incident_id == incident_id)
                     .order_by(ApDecision.decided_at.desc(), ApDecision.id.desc()).limit(1).scalar_subquery())
    return {
        "ap_file_open": and_(notified, ~closed),
        "ap_clock_running": and_(~notified, func.coalesce(latest_notify, true())),
        "ap_aware_at": select(BreachAssessment.aware_at).where(BreachAssessment.incident_id == incident_id)
        .scalar_subquery(),
        "ap_notified_at": select(func.min(initial.subquery().c.submitted_at)).scalar_subquery(),
    }


def refresh_ap_state(incident: Incident) -> None:
    """Set the incident's derived AP columns (:func:`ap_state_values`) from what is stored. Call it
    after every change of the assessment, a decision, a melding or the AP's closure of the file."""
    db.session.flush()
    # a bulk UPDATE: the columns are derived, not an edit of the incident, so its version (the
    # optimistic lock of the incident's forms) stays
    db.session.execute(update(Incident).where(Incident.id == incident.id)
                       .values(**ap_state_values(incident.id))
                       .execution_options(synchronize_session=False))
    # the loaded incident forgets its old values (read again when asked)
    db.session.expire(incident, ["ap_file_open", "ap_clock_running", "ap_aware_at", "ap_notified_at"])


def record_imported_decision(actor: User | None, incident: Incident, notify: bool, decided_at: dt.datetime,
                             motivation: str, meldnummer: str | None = None,
                             submitted_at: dt.datetime | None = None, *, recorded_by: User,
                             source: str, actor_label: str | None = None) -> ApDecision:
    """A decision on the AP-melding taken before BIO-register, copied from the old register.

    Not a new decision: the FG of the time took it outside this tool. It is recorded as written in
    the sheet, by ``recorded_by`` (the user who imports), and audited as ``import`` with its
    source, so nobody mistakes it for a decision of the FG in this tool. With ``notify`` and a
    ``meldnummer`` the initial AP melding is recorded too (at ``submitted_at``).
    """
    decision = ApDecision(incident_id=incident.id, notify=notify, motivation=motivation,
                          decided_by_id=recorded_by.id, decided_at=decided_at)
    db.session.add(decision)
    db.session.flush()
    refresh_ap_state(incident)
    audit.record(actor, "ap_decision", decision.id, "import",
                 audit.created({"incident": incident.reference, "notify": notify, "motivation": motivation,
                                "decided_at": decided_at, "source": source}),
                 organisation_id=incident.organisation_id, actor_label=actor_label)
    if notify and meldnummer:
        notification = ApNotification(incident_id=incident.id, kind=NotificationKind.INITIAL,
                                      submitted_at=submitted_at or decided_at, meldnummer=meldnummer,
                                      recorded_by_id=recorded_by.id, recorded_at=utcnow())
        db.session.add(notification)
        db.session.flush()
        refresh_ap_state(incident)
        audit.record(actor, "ap_notification", notification.id, "import",
                     audit.created({"incident": incident.reference, "kind": NotificationKind.INITIAL,
                                    "submitted_at": notification.submitted_at, "meldnummer": meldnummer,
                                    "source": source}),
                     organisation_id=incident.organisation_id, actor_label=actor_label)
    return decision


def decide_data_subjects(actor: User, incident: Incident, notify: Any, ground: Any = None,
                         explanation: str | None = None, notified_at: Any = None,
                         channel: str | None = None, *, now: dt.datetime | None = None) -> DataSubjectDecision:
    """AVG art. 34: inform the data subjects, or record the ground for not doing so."""
    now = now or utcnow()
    _require_datalek(incident)
    errors = Errors()
    if not isinstance(notify, bool):
        errors.add("notify", _("Kies: betrokkenen wel of niet informeren."))
    text = errors.text("explanation", explanation, max_length=MAX_TEXT)
    how = errors.text("channel", channel, max_length=200, single_line=True)
    ground_value = None
    if notify is False:
        try:
            ground_value = NoNotifyGround(ground)
        except ValueError:
            errors.add("ground", _("Kies de grond om betrokkenen niet te informeren (art. 34 AVG)."))
        if ground_value == NoNotifyGround.NO_HIGH_RISK and not text:
            errors.add("explanation", _("Licht toe waarom er geen hoog risico is voor de betrokkenen."))
        if ground_value == NoNotifyGround.DISPROPORTIONATE_EFFORT:
            if not text:
                errors.add("explanation", _("Bij onevenredige inspanning is een openbare mededeling nodig: "
                                            "beschrijf wat er is gepubliceerd."))
            if not how:
                errors.add("channel", _("Vermeld waar de openbare mededeling is gedaan (website, krant)."))
    elif notify is True and ground not in (None, ""):
        errors.add("ground", _("Een grond om niet te informeren past niet bij informeren."))
    if notified_at is not None:
        if not isinstance(notified_at, dt.datetime) or notified_at.tzinfo is None:
            errors.add("notified_at", _("Geef een tijdstip met tijdzone."))
        elif notified_at > now + CLOCK_SKEW:
            errors.add("notified_at", _("Dit tijdstip ligt in de toekomst."))
        else:
            notified_at = notified_at.astimezone(dt.UTC)
        if notify is True and not how:
            errors.add("channel", _("Vermeld hoe betrokkenen zijn geïnformeerd (brief, e-mail, telefoon)."))
    errors.raise_if_any()
    decision = DataSubjectDecision(incident_id=incident.id, notify=notify, ground=ground_value, explanation=text,
                                   notified_at=notified_at, channel=how, decided_by_id=actor.id, decided_at=now)
    db.session.add(decision)
    db.session.flush()
    audit.record(actor, "data_subject_decision", decision.id, "create",
                 audit.created({"incident": incident.reference, "notify": notify, "ground": ground_value,
                                "explanation": text, "notified_at": notified_at, "channel": how}),
                 organisation_id=incident.organisation_id)
    return decision


# --- Cbw ---------------------------------------------------------------------------------------------------

def cbw_case_of(incident: Incident) -> CbwCase | None:
    return db.session.scalar(select(CbwCase).where(CbwCase.incident_id == incident.id))


def cbw_case_for(actor: User, incident: Incident, now: dt.datetime) -> CbwCase:
    """The incident's Cbw file, made on first use."""
    case = cbw_case_of(incident)
    if case is None:
        case = CbwCase(incident_id=incident.id, contents={}, updated_by_id=actor.id, updated_at=now)
        db.session.add(case)
    return case


def _phase(errors: Errors, phase: Any) -> CbwPhase | None:
    try:
        return CbwPhase(phase)
    except ValueError:
        errors.add("phase", _("Kies vroegtijdige waarschuwing, incidentmelding, tussentijds verslag of eindverslag."))
        return None


def record_cbw_report(actor: User, incident: Incident, phase: Any, submitted_at: dt.datetime | None,
                      reference: str | None = None, summary: str | None = None, recipient: str | None = None,
                      *, content: Mapping[str, Any] | None = None, default_recipient: str = DEFAULT_CBW_RECIPIENT,
                      now: dt.datetime | None = None) -> CbwReport:
    """A report to the CSIRT under the Cbw, recorded as sent; without ``recipient`` it went to
    ``default_recipient`` (the setting CBW_RECIPIENT). ``content``: answers for this phase (NIS2
    art. 23(4)), added to those prepared on the incident; the phase's required items must all be
    answered, else nothing is recorded (422 naming each missing item)."""
    now = now or utcnow()
    errors = Errors()
    if not incident.is_significant_cbw:
        errors.add("is_significant_cbw", _("Markeer het incident eerst als significant onder de Cbw."))
    phase = _phase(errors, phase)
    ref = errors.text("reference", reference, max_length=100, single_line=True)
    text = errors.text("summary", summary, max_length=MAX_TEXT)
    to = errors.text("recipient", recipient, max_length=100, single_line=True) or default_recipient
    if not isinstance(submitted_at, dt.datetime) or submitted_at.tzinfo is None:
        errors.add("submitted_at", _("Vul in wanneer de melding is gedaan."))
    elif submitted_at > now + CLOCK_SKEW:
        errors.add("submitted_at", _("Dit tijdstip ligt in de toekomst."))
    else:
        submitted_at = submitted_at.astimezone(dt.UTC)
        if submitted_at < awareness(incident, assessment_of(incident)):
            errors.add("submitted_at", _("Een melding kan niet vóór de bewustwording liggen."))
    done = {r.phase for r in cbw_reports_of(incident)}
    if phase in (CbwPhase.FINAL, CbwPhase.INTERIM) and CbwPhase.NOTIFICATION not in done:
        errors.add("phase", _("Een eindverslag of tussentijds verslag volgt op de incidentmelding: "
                              "leg die eerst vast."))
    case = cbw_case_of(incident)
    answers: dict[str, Any] = {}
    if phase is not None:
        answers = dict((case.contents or {}).get(phase.value, {}) if case is not None else {})
        answers.update(cbwcontent.clean(errors, phase, content or {}))
        for item in cbwcontent.missing(phase, answers):
            errors.add(item.key, _("Verplicht voor de %(phase)s (NIS2 art. 23(4)): %(item)s.",
                                   phase=catalog.PHASE_LABELS[phase], item=item.label))
    errors.raise_if_any()
    if phase is None:  # refused above; this narrows the type
        raise ValidationFailed(_("Onbekende fase."), field="phase")
    if content:
        case = cbw_case_for(actor, incident, now)
        case.contents = {**(case.contents or {}), phase.value: answers}
        case.updated_by_id, case.updated_at = actor.id, now
    report = CbwReport(incident_id=incident.id, phase=phase, recipient=to, submitted_at=submitted_at,
                       reference=ref, summary=text, content=answers, recorded_by_id=actor.id, recorded_at=now)
    db.session.add(report)
    db.session.flush()
    audit.record(actor, "cbw_report", report.id, "create",
                 audit.created({"incident": incident.reference, "phase": phase, "recipient": to,
                                "submitted_at": submitted_at, "reference": ref, "content": answers}),
                 organisation_id=incident.organisation_id)
    return report


# --- rules that reach into the incident workflow -----------------------------------------------------

def close_check(incident: Incident) -> str | None:
    if incident.is_datalek:
        decisions = decisions_of(incident)
        if not decisions:
            return str(_("Een datalek kan pas worden afgehandeld als de FG heeft besloten over de AP-melding."))
        if decisions[0].notify and not any(n.kind == NotificationKind.INITIAL for n in notifications_of(incident)):
            return str(_("Het besluit is om te melden: leg eerst de melding aan de AP vast (met het meldnummer)."))
    if incident.is_significant_cbw and db.session.scalar(
            select(func.count()).select_from(CbwReport).where(
                CbwReport.incident_id == incident.id, CbwReport.phase == CbwPhase.FINAL)) == 0:
        return str(_("Een significant incident kan pas worden afgehandeld na het eindverslag aan de CSIRT (Cbw)."))
    return None


def users_with_role(organisation_id: int, role: Role) -> list[User]:
    """The active users whose ``role`` covers the organisation: held in it or in one above it."""
    holders = select(Membership.user_id).where(
        Membership.organisation_id.in_(organisation_tree().lineage(organisation_id)), Membership.role == role)
    return list(db.session.scalars(
        select(User).where(User.id.in_(holders), User.active.is_(True)).order_by(User.id)))


def notify_fg(incident: Incident, *, actor: User | None, links: Links) -> None:
    """A datalek was logged: the organisation's FG hears of it at once (the e-mail goes after the
    commit). The receiver of ``signals.datalek_logged`` that supplies ``links`` is
    :func:`bio_register.breaches.links.notify_fg`."""
    deadline = ap_deadline(incident)
    subject = _("Nieuw datalek %(ref)s: %(title)s", ref=incident.reference, title=incident.title)
    body = _("Er is een datalek gemeld bij %(org)s.\n\n"
             "Referentie: %(ref)s\nTitel: %(title)s\nOntdekt op: %(disc)s\n"
             "AP-termijn (72 uur na bewustwording, voorlopig gerekend vanaf de ontdekking): %(deadline)s\n\n"
             "Beoordeel het datalek: %(url)s\n",
             org=incident.organisation.name, ref=incident.reference, title=incident.title,
             disc=format_local(incident.discovered_at, True), deadline=format_local(deadline, True),
             url=links.url(incident))
    notifications.notify_users(users_with_role(incident.organisation_id, Role.FG), subject, body, links.path(incident))


def update_check(incident: Incident, *, actor: User | None, changes: Mapping[str, Any]) -> None:
    """Once the FG has assessed or decided, only the FG can say it is no datalek after all: the
    register of art. 33(5) must not lose a breach behind the FG's back."""
    if changes.get("is_datalek") is not False or not incident.is_datalek:
        return
    if actor is not None and has_permission(actor, Permission.BREACH_DECIDE, incident.organisation_id):
        return
    if assessment_of(incident) is not None or decisions_of(incident):
        raise ValidationFailed(_("De FG heeft dit datalek al beoordeeld: alleen de FG kan het als "
                                 "'geen datalek' aanmerken."), field="is_datalek")


def all_datalekken(user: User) -> list[Incident]:
    """Every datalek the user may read, oldest first (for the register export)."""
    scope = organisation_scope(user, Permission.BREACH_READ, Incident.organisation_id)
    return list(db.session.scalars(select(Incident).where(scope, Incident.is_datalek.is_(True))
                                   .order_by(Incident.discovered_at, Incident.id)))


# --- the FG's overview --------------------------------------------------------------------------------------

STATE_TO_ASSESS = "te_beoordelen"
STATE_DECIDED = "besloten"
STATE_NOTIFIED = "gemeld"
STATE_CLOSED = "afgesloten"


@dataclass(frozen=True)
class OverviewRow:
    incident: Incident
    assessment: BreachAssessment | None
    decision: ApDecision | None
    notified: bool
    deadline: dt.datetime
    hours_left: float
    state: str

    @property
    def clock_running(self) -> bool:
        """The AP clock matters until a decision not to notify, or the initial melding."""
        if self.state == STATE_TO_ASSESS:
            return True
        return self.state == STATE_DECIDED and self.decision is not None and self.decision.notify


def _batch_state(ids: list[int], *, brief: bool = False,
                 ) -> tuple[dict[int, BreachAssessment], dict[int, ApDecision], set[int]]:
    """For these incidents, in three queries: the assessments, the decision in force, and the ids
    with an initial AP notification. ``brief``: of the assessments only what a row of the overview
    shows (the awareness and the ENISA advice)."""
    assessments_stmt = select(BreachAssessment).where(among_ids(BreachAssessment.incident_id, ids))
    if brief:
        assessments_stmt = assessments_stmt.options(load_only(
            BreachAssessment.incident_id, BreachAssessment.aware_at, BreachAssessment.enisa_score,
            BreachAssessment.enisa_band))
    assessments = {a.incident_id: a for a in db.session.scalars(assessments_stmt)}
    latest: dict[int, ApDecision] = {}
    # the state needs the decisions alone, not who took them (joined by default, with their roles)
    for decision in db.session.scalars(select(ApDecision).where(among_ids(ApDecision.incident_id, ids))
                                       .options(lazyload(ApDecision.decided_by))
                                       .order_by(ApDecision.decided_at, ApDecision.id)):
        latest[decision.incident_id] = decision
    notified = set(db.session.scalars(select(ApNotification.incident_id).where(
        among_ids(ApNotification.incident_id, ids), ApNotification.kind == NotificationKind.INITIAL)))
    return assessments, latest, notified


#: the incident's columns the overview (and the start page's urgent datalekken) reads
OVERVIEW_COLUMNS = (Incident.id, Incident.reference, Incident.title, Incident.organisation_id, Incident.status,
                    Incident.is_datalek, Incident.discovered_at, Incident.version, Incident.breach_template_id)


def _overview_where(user: User, include_closed: bool) -> list[Any]:
    where = [organisation_scope(user, Permission.BREACH_READ, Incident.organisation_id), Incident.is_datalek.is_(True)]
    if not include_closed:
        where.append(Incident.status.in_(OPEN_STATUSES))
    return where


def overview(user: User, now: dt.datetime | None = None, *, include_closed: bool = True,
             limit: int = 500, offset: int = 0) -> list[OverviewRow]:
    """The datalekken of the user's organisations in the overview's order: open ones with a running
    AP clock first, by deadline; then open ones whose clock stopped (decided not to notify, or
    notified), by deadline; then closed ones, newest first. ``limit``/``offset``: one page of it.

    The order is computed by the database over all of them, so a page holds exactly the right rows
    however many datalekken there are (the state of each follows the same rules as
    :func:`overview_for`: a melding stops the clock, else the latest decision says).
    """
    has_initial = select(ApNotification.id).where(
        ApNotification.incident_id == Incident.id, ApNotification.kind == NotificationKind.INITIAL).exists()
    latest_notify = (select(ApDecision.notify).where(ApDecision.incident_id == Incident.id)
                     .order_by(ApDecision.decided_at.desc(), ApDecision.id.desc()).limit(1).scalar_subquery())
    aware_at = select(BreachAssessment.aware_at).where(BreachAssessment.incident_id == Incident.id).scalar_subquery()
    closed = Incident.status.in_(CLOSED_STATUSES)
    group = case((closed, 2), (and_(~has_initial, or_(latest_notify.is_(None), latest_notify.is_(True))), 0), else_=1)
    deadline = case((closed, None), else_=func.coalesce(aware_at, Incident.discovered_at))
    stmt = (select(Incident).where(*_overview_where(user, include_closed))
            .options(load_only(*OVERVIEW_COLUMNS))  # what a row shows, not the long texts
            .order_by(group, deadline, Incident.discovered_at.desc(), Incident.id.desc())
            .limit(limit).offset(offset))
    return overview_for(list(db.session.scalars(stmt)), now, brief=True)


def count_overview(user: User, *, include_closed: bool = True) -> int:
    """How many datalekken :func:`overview` orders (for its pages)."""
    return db.session.scalar(select(func.count()).select_from(Incident)
                             .where(*_overview_where(user, include_closed))) or 0


#: where a datalek's 72 hours count from: the assessment's awareness, else the discovery (both UTC)
AP_CLOCK_START = func.coalesce(Incident.ap_aware_at, Incident.discovered_at)

#: the states the overview filters on ("stand"): what the FG asks of the list
FILTER_STATES = ("open", "te_beoordelen", "te_laat", "besloten_melden", "gemeld", "niet_gemeld", "afgesloten")
#: the orders the overview offers; "termijn" is the FG's working order of :func:`overview`
OVERVIEW_SORTS = ("termijn", "ontdekt", "gemeld", "referentie")


@dataclass(frozen=True)
class BreachFilter:
    """What the FG asked of ``/datalekken``: organisation (code), state (one of
    :data:`FILTER_STATES`, None for all), discovered in ``[discovered_from, discovered_until)``,
    words in the reference or title, and the order."""

    organisation: str | None = None
    state: str | None = "open"
    discovered_from: dt.datetime | None = None
    discovered_until: dt.datetime | None = None
    q: str | None = None
    sort: str = "termijn"
    descending: bool = False


def _state_parts() -> tuple[Any, Any, Any, Any]:
    """Correlated expressions of a datalek's state: has an initial AP melding; the latest decision's
    notify (NULL without one); the assessment's awareness (NULL without one); the closed test."""
    has_initial = select(ApNotification.id).where(
        ApNotification.incident_id == Incident.id, ApNotification.kind == NotificationKind.INITIAL).exists()
    latest_notify = (select(ApDecision.notify).where(ApDecision.incident_id == Incident.id)
                     .order_by(ApDecision.decided_at.desc(), ApDecision.id.desc()).limit(1).scalar_subquery())
    aware_at = select(BreachAssessment.aware_at).where(BreachAssessment.incident_id == Incident.id).scalar_subquery()
    return has_initial, latest_notify, aware_at, Incident.status.in_(CLOSED_STATUSES)


def _filter_where(user: User, flt: BreachFilter, now: dt.datetime) -> list[Any]:
    """The WHERE of the filtered overview: the user's datalekken that match ``flt``; the states
    follow the rules of :func:`overview_for` (a melding stops the clock, else the latest decision)."""
    where = [organisation_scope(user, Permission.BREACH_READ, Incident.organisation_id), Incident.is_datalek]
    if flt.organisation:
        where.append(Incident.organisation_id == select(Organisation.id).where(
            Organisation.code == flt.organisation.upper()).scalar_subquery())
    has_initial, latest_notify, _aware_at, closed = _state_parts()
    # "open" as the statuses it is (an index range), not "not closed"; with the bare booleans of the
    # derived AP clock these are the predicate of ix_incidents_ap_clock, which PostgreSQL then proves
    open_ = and_(Incident.is_datalek, Incident.status.in_(OPEN_STATUSES))
    running = and_(open_, Incident.ap_clock_running)
    states = {
        "open": open_,
        "te_beoordelen": and_(running, latest_notify.is_(None)),
        # 72 elapsed hours: the stored moments are UTC, so the deadline is a plain subtraction
        "te_laat": and_(running, AP_CLOCK_START < now - AP_DEADLINE),
        "besloten_melden": and_(running, latest_notify.is_(True)),
        "gemeld": has_initial,
        "niet_gemeld": and_(~has_initial, latest_notify.is_(False)),
        "afgesloten": closed,
    }
    if flt.state in states:
        where.append(states[flt.state])
    if flt.discovered_from is not None:
        where.append(Incident.discovered_at >= flt.discovered_from)
    if flt.discovered_until is not None:
        where.append(Incident.discovered_at < flt.discovered_until)
    for word in (flt.q or "").lower().split()[:8]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(Incident.reference.ilike(pattern, escape="\\"), Incident.title.ilike(pattern, escape="\\")))
    return where


def _filter_order(flt: BreachFilter) -> list[Any]:
    closed = Incident.status.in_(CLOSED_STATUSES)
    if flt.sort == "ontdekt":
        key: Any = Incident.discovered_at
    elif flt.sort == "referentie":
        key = Incident.reference
    elif flt.sort == "gemeld":
        key = Incident.ap_notified_at
    elif flt.state in OPEN_STATES:  # "termijn" over open datalekken only: the columns of ix_incidents_ap_clock
        if flt.descending:
            return [Incident.ap_clock_running.asc(), AP_CLOCK_START.desc(), Incident.discovered_at.asc(),
                    Incident.id.asc()]
        return [Incident.ap_clock_running.desc(), AP_CLOCK_START.asc(), Incident.discovered_at.desc(),
                Incident.id.desc()]
    else:  # "termijn": the working order of :func:`overview` (reversed: closed first, latest deadline first)
        group = case((closed, 2), (Incident.ap_clock_running, 0), else_=1)
        # a closed datalek has no clock, and closed ones follow newest first, as in :func:`overview`
        deadline = case((closed, None), else_=AP_CLOCK_START)
        if flt.descending:
            return [group.desc(), deadline.desc(), Incident.discovered_at.asc(), Incident.id.asc()]
        return [group, deadline, Incident.discovered_at.desc(), Incident.id.desc()]
    if flt.descending:
        return [key.desc().nulls_last(), Incident.id.desc()]
    return [key.asc().nulls_last(), Incident.id.asc()]


#: the overview counts the datalekken of a filter exactly up to this many; beyond it the page says
#: "meer dan …" (``Page.more``): counting 80,000 closed datalekken of five municipalities exactly cost
#: 200 ms on every page, to say a number nobody pages through
COUNT_BOUND = 10_000
#: the same for a search in the reference and title, as the incident list's search counts
#: (``incidents.services.SEARCH_COUNT_LIMIT``): its matches are read row by row to be counted
SEARCH_COUNT_BOUND = 1_000

#: the states whose datalekken are all open: in the working order an index range per organisation
OPEN_STATES = frozenset({"open", "te_beoordelen", "te_laat", "besloten_melden"})
#: up to this many organisations the open datalekken are read per organisation, each an index range of
#: at most a page, and merged (beyond it, one range over all of them)
MERGE_ORGANISATIONS = 50


def _count_matching(where: list[Any], bound: int | None) -> tuple[int, bool]:
    """How many incidents match ``where``: exactly, or up to ``bound`` (and whether there are more)."""
    if bound is None:
        return db.session.scalar(select(func.count()).select_from(Incident).where(*where)) or 0, False
    counted = db.session.scalar(select(func.count()).select_from(
        select(Incident.id).where(*where).limit(bound + 1).subquery())) or 0
    return min(counted, bound), counted > bound


def _rows(where: list[Any], order: list[Any], limit: int, offset: int) -> list[Incident]:
    return list(db.session.scalars(select(Incident).where(*where).options(load_only(*OVERVIEW_COLUMNS))
                                   .order_by(*order).limit(limit).offset(offset)))


def _merged_rows(organisation_ids: list[int], where: list[Any], order: list[Any], limit: int,
                 offset: int) -> list[Incident]:
    """:func:`_rows` for an order that is an index range within one organisation (``ix_incidents_ap_clock``):
    the first ``offset + limit`` of each organisation, merged in one statement. It reads at most that
    many rows per organisation, however many match, where one range over all of them would be sorted
    whole (an index on the organisation first yields its rows per organisation, not in the order)."""
    depth = offset + limit
    firsts = [select(select(Incident.id).where(Incident.organisation_id == organisation_id, *where)
                     .order_by(*order).limit(depth).subquery()) for organisation_id in organisation_ids]
    return list(db.session.scalars(select(Incident).where(Incident.id.in_(union_all(*firsts)))
                                   .options(load_only(*OVERVIEW_COLUMNS))
                                   .order_by(*order).limit(limit).offset(offset)))


def _organisations_to_merge(user: User, flt: BreachFilter) -> list[int] | None:
    """The organisations whose open datalekken :func:`list_overview` reads apart and merges (the
    user's, when they are a few and the filter names none), else None."""
    if flt.organisation or flt.state not in OPEN_STATES or flt.sort != "termijn":
        return None
    scope = organisation_ids_with(user, Permission.BREACH_READ)
    if isinstance(scope, AllOrganisations) or not 1 < len(scope) <= MERGE_ORGANISATIONS:
        return None
    return sorted(scope)


def list_overview(user: User, flt: BreachFilter, page: int = 1, per_page: int = 50,
                  now: dt.datetime | None = None) -> Page[OverviewRow]:
    """One page of the user's datalekken that match ``flt``, in its order, with their state and AP
    clock, and the total (exact up to :data:`COUNT_BOUND`, for a search :data:`SEARCH_COUNT_BOUND`): a
    fixed number of queries whatever the number of datalekken.

    The open states in the working order are read per organisation from ``ix_incidents_ap_clock`` and
    merged (:func:`_merged_rows`): a page reads at most a page of rows per organisation, however many
    datalekken are open. In the working order over open and closed datalekken, the open ones come
    first and the closed ones follow newest first; the two parts are read apart, so the closed part is
    an index range."""
    now = now or utcnow()
    where = _filter_where(user, flt, now)
    offset = (max(1, page) - 1) * per_page
    if flt.sort == "termijn" and not flt.descending and flt.state in (None, "afgesloten"):
        open_where = [*where, Incident.status.in_(OPEN_STATUSES)]
        closed_where = [*where, Incident.status.in_(CLOSED_STATUSES)]
        n_open = _count_matching(open_where, None)[0] if flt.state is None else 0
        n_closed, more = _count_matching(closed_where, COUNT_BOUND - min(n_open, COUNT_BOUND - 1))
        total = n_open + n_closed
        page = min(max(1, page), max(1, -(-total // per_page)) + (1 if more else 0))
        offset = (page - 1) * per_page
        leaks = _rows(open_where, _filter_order(flt), per_page, offset) if offset < n_open else []
        if len(leaks) < per_page:
            leaks += _rows(closed_where, [Incident.discovered_at.desc(), Incident.id.desc()],
                           per_page - len(leaks), max(0, offset - n_open))
        return Page(overview_for(leaks, now, brief=True), page, per_page, total, more)
    total, more = _count_matching(where, SEARCH_COUNT_BOUND if flt.q else COUNT_BOUND)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages + (1 if more else 0))
    merge = _organisations_to_merge(user, flt)
    if merge is not None:
        leaks = _merged_rows(merge, where[1:], _filter_order(flt), per_page, (page - 1) * per_page)
    else:
        leaks = _rows(where, _filter_order(flt), per_page, (page - 1) * per_page)
    return Page(overview_for(leaks, now, brief=True), page, per_page, total, more)


def overdue(user: User, now: dt.datetime | None = None, limit: int = 20) -> Page[OverviewRow]:
    """The user's datalekken whose AP clock passed 72 hours without a decision not to notify or the
    initial melding (the first ``limit``, most overdue first, and how many in all)."""
    return list_overview(user, BreachFilter(state="te_laat"), 1, limit, now)


def register_datalekken(user: User, organisation_id: int, start: dt.datetime | None = None,
                        end: dt.datetime | None = None) -> list[Incident]:
    """The datalekken of one organisation (one controller under the AVG) discovered in
    ``[start, end)``, oldest first, for its register; none when the user may not read them."""
    scope = organisation_scope(user, Permission.BREACH_READ, Incident.organisation_id)
    stmt = select(Incident).where(scope, Incident.is_datalek.is_(True), Incident.organisation_id == organisation_id)
    if start is not None:
        stmt = stmt.where(Incident.discovered_at >= start)
    if end is not None:
        stmt = stmt.where(Incident.discovered_at < end)
    return list(db.session.scalars(stmt.order_by(Incident.discovered_at, Incident.id)))


def urgent(user: User, now: dt.datetime | None = None, limit: int = 10) -> list[OverviewRow]:
    """The first ``limit`` rows of ``overview(user, include_closed=False)`` (for the start page),
    without loading every open datalek.

    A clock can only run for an open datalek without an initial AP melding. Its deadline counts from
    the awareness, which never comes before the discovery (``_aware_at`` refuses that), so the
    candidates are read in the order of their discovery, a batch at a time (an index range, not a
    sort of every open datalek of every organisation: 64 → a few ms for concern control at national
    scale). A running clock whose awareness lies before the last discovery read comes before every
    datalek not read yet; once ``limit`` of them are found, they are exactly how the overview begins.
    Otherwise (few datalekken, or no clock settled after a few batches) the overview itself answers.
    """
    now = now or utcnow()
    scope = organisation_scope(user, Permission.BREACH_READ, Incident.organisation_id)
    has_initial = (select(ApNotification.id).where(ApNotification.incident_id == Incident.id,
                                                   ApNotification.kind == NotificationKind.INITIAL).exists())
    candidates = (select(Incident).options(load_only(*OVERVIEW_COLUMNS))
                  .where(scope, Incident.is_datalek.is_(True), Incident.status.in_(OPEN_STATUSES), ~has_initial)
                  .order_by(Incident.discovered_at, Incident.id))
    running: list[OverviewRow] = []
    offset, batch = 0, 4 * limit
    for _batch in range(4):
        leaks = list(db.session.scalars(candidates.limit(batch).offset(offset)))
        running += [r for r in overview_for(leaks, now, brief=True) if r.state != STATE_CLOSED and r.clock_running]
        if len(leaks) < batch:  # every candidate read
            break
        horizon = leaks[-1].discovered_at
        settled = [r for r in running if r.deadline - AP_DEADLINE < horizon]
        if len(settled) >= limit:
            return sorted(settled, key=_overview_key)[:limit]
        offset, batch = offset + batch, 2 * batch
    else:
        return overview(user, now, include_closed=False)[:limit]
    return overview(user, now, include_closed=False)[:limit] if len(running) < limit \
        else sorted(running, key=_overview_key)[:limit]


def _overview_key(row: OverviewRow) -> tuple[dt.datetime, float, int]:
    """The overview's order among running clocks: deadline, then newest discovery, then highest id."""
    return row.deadline, -row.incident.discovered_at.timestamp(), -row.incident.id


def overview_for(leaks: list[Incident], now: dt.datetime | None = None, *, brief: bool = False) -> list[OverviewRow]:
    """The state and AP clock of each datalek, in the given order, in a fixed number of queries.
    ``brief``: for lists, with the assessments reduced to what a row shows (see ``_batch_state``)."""
    now = now or utcnow()
    ids = [i.id for i in leaks]
    if not ids:
        return []
    assessments, latest, notified = _batch_state(ids, brief=brief)
    rows = []
    for incident in leaks:
        assessment = assessments.get(incident.id)
        decision = latest.get(incident.id)
        deadline = ap_deadline(incident, assessment)
        if incident.status in CLOSED_STATUSES:
            state = STATE_CLOSED
        elif incident.id in notified:
            state = STATE_NOTIFIED
        elif decision is not None:
            state = STATE_DECIDED
        else:
            state = STATE_TO_ASSESS
        rows.append(OverviewRow(incident, assessment, decision, incident.id in notified, deadline,
                                (deadline - now).total_seconds() / 3600, state))
    return rows


# --- deadline warnings ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DueWarning:
    incident: Incident
    clock: str          # "ap", "cbw_early_warning", "cbw_notification", "cbw_final"
    threshold: str      # "24h", "12h", "1h", "passed"
    deadline: dt.datetime


def _due_threshold(deadline: dt.datetime, now: dt.datetime) -> str | None:
    """The most urgent threshold reached: the one warning to send now."""
    due = None
    for name, before in THRESHOLDS:
        if now >= deadline - before:
            due = name
    return due


def pending_clocks(now: dt.datetime, cbw_anchor: str = DEFAULT_CBW_ANCHOR) -> list[tuple[Incident, str, dt.datetime]]:
    """Open clocks: datalekken without a decision (or decided to notify but not yet notified), and
    Cbw phases not yet reported for significant incidents."""
    leaks = list(db.session.scalars(select(Incident).where(
        Incident.status.in_(OPEN_STATUSES), (Incident.is_datalek.is_(True)) | (Incident.is_significant_cbw.is_(True)))))
    ids = [i.id for i in leaks]
    if not ids:
        return []
    assessments, latest, initial = _batch_state(ids)
    reports: dict[int, list[CbwReport]] = {}
    for report in db.session.scalars(select(CbwReport).where(CbwReport.incident_id.in_(ids))):
        reports.setdefault(report.incident_id, []).append(report)
    handled = {row.incident_id: row.handled_at for row in db.session.execute(
        select(CbwCase.incident_id, CbwCase.handled_at).where(
        CbwCase.incident_id.in_(ids), CbwCase.handled_at.is_not(None)))}
    clocks = []
    for incident in leaks:
        assessment = assessments.get(incident.id)
        if incident.is_datalek:
            decision = latest.get(incident.id)
            if decision is None or (decision.notify and incident.id not in initial):
                clocks.append((incident, "ap", ap_deadline(incident, assessment)))
        if incident.is_significant_cbw:
            done = {r.phase for r in reports.get(incident.id, [])}
            clock = cbw_clock(incident, assessment, reports.get(incident.id, []), cbw_anchor,
                              handled.get(incident.id))
            for phase in CbwPhase:
                deadline = clock.deadline(phase)
                # the interim report is the final report's alternative: the final clock warns for both
                if phase != CbwPhase.INTERIM and phase not in done and deadline is not None:
                    clocks.append((incident, f"cbw_{phase.value}", deadline))
    return clocks


def due_warnings(now: dt.datetime, cbw_anchor: str = DEFAULT_CBW_ANCHOR) -> list[DueWarning]:
    clocks = pending_clocks(now, cbw_anchor)
    if not clocks:
        return []
    ids = {incident.id for incident, _clock, _deadline in clocks}
    sent = {(row.incident_id, row.clock, row.threshold) for row in db.session.execute(
        select(DeadlineWarning.incident_id, DeadlineWarning.clock, DeadlineWarning.threshold)
        .where(DeadlineWarning.incident_id.in_(ids)))}
    due = []
    for incident, clock, deadline in clocks:
        threshold = _due_threshold(deadline, now)
        if threshold and (incident.id, clock, threshold) not in sent:
            due.append(DueWarning(incident, clock, threshold, deadline))
    return due


CLOCK_LABELS = {
    "ap": "AP-melding (AVG art. 33)",
    "cbw_early_warning": "Cbw: vroegtijdige waarschuwing aan de CSIRT",
    "cbw_notification": "Cbw: incidentmelding aan de CSIRT",
    "cbw_final": "Cbw: eindverslag aan de CSIRT",
}


def _warning_text(warning: DueWarning, now: dt.datetime, links: Links) -> tuple[str, str]:
    incident = warning.incident
    what = CLOCK_LABELS[warning.clock]
    if warning.threshold == "passed":
        subject = _("Termijn verstreken: %(what)s voor %(ref)s", what=what, ref=incident.reference)
        lead = _("De termijn is verstreken op %(deadline)s.", deadline=format_local(warning.deadline, True))
    else:
        minutes = max(0, int((warning.deadline - now).total_seconds() // 60))
        if minutes < 120:
            subject = _("Nog %(m)d minuten: %(what)s voor %(ref)s", m=minutes, what=what, ref=incident.reference)
        else:
            subject = _("Nog %(h)d uur: %(what)s voor %(ref)s", h=minutes // 60, what=what, ref=incident.reference)
        lead = _("De termijn verloopt op %(deadline)s.", deadline=format_local(warning.deadline, True))
    body = _("%(lead)s\n\nIncident: %(ref)s — %(title)s (%(org)s)\nOpenen: %(url)s\n",
             lead=lead, ref=incident.reference, title=incident.title, org=incident.organisation.name,
             url=links.url(incident))
    return subject, body


def send_due_warnings(now: dt.datetime | None = None, *, links: Links,
                      cbw_anchor: str = DEFAULT_CBW_ANCHOR) -> list[DueWarning]:
    """Queue each due warning once: the FG for the AP clock, the CISO for the Cbw clock.

    The (incident, clock, threshold) row is inserted in the same transaction as the e-mails;
    its unique key makes a second, concurrent run fail (IntegrityError, at the latest when the
    boundary commits) instead of warning twice. The boundary is the scheduler's job
    (:func:`bio_register.scheduler.check_deadlines`): it commits, then sends the outbox.
    """
    now = now or utcnow()
    warnings = due_warnings(now, cbw_anchor)
    sent = []
    for warning in warnings:
        role = Role.FG if warning.clock == "ap" else Role.CISO
        recipients = (users_with_role(warning.incident.organisation_id, role)
                      or users_with_role(warning.incident.organisation_id, Role.VERBINDINGSOFFICIER))
        if not recipients:
            # Nobody to warn: record nothing, so the warning goes out once someone holds the role.
            log.warning("no %s or verbindingsofficier for %s: deadline warning %s:%s not sent",
                        role.value, warning.incident.reference, warning.clock, warning.threshold)
            continue
        subject, body = _warning_text(warning, now, links)
        db.session.add(DeadlineWarning(incident_id=warning.incident.id, clock=warning.clock,
                                       threshold=warning.threshold, deadline=warning.deadline, sent_at=now))
        notifications.notify_users(recipients, subject, body, links.path(warning.incident))
        audit.record(None, "incident", warning.incident.id, "deadline_warning",
                     {"warning": {"before": None, "after": f"{warning.clock}:{warning.threshold}"}},
                     organisation_id=warning.incident.organisation_id, actor_label="scheduler")
        signals.deadline_warned.send(warning.incident, clock=warning.clock, threshold=warning.threshold,
                                     deadline=warning.deadline)
        sent.append(warning)
    db.session.flush()
    return sent

