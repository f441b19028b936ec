"""One timeline per incident: everything that happened to it, who did it and when.

Built read-only from the incident's own timeline entries and the audit log's events about the
incident, its datalek (the FG's assessment and each change to it, the AP decisions, the AP
meldingen, the art. 34 decision), its Cbw reports and the maatregelen linked to it, plus what
other areas add through ``signals.incident_history`` (attachments, the report at the meldpunt).

A bounded number of queries whatever the incident's size: the entries, one query for every audit
event concerned (the breach rows and linked measures are found by subqueries; a maatregel linked
or unlinked is an event of the incident itself, ``measure_link`` / ``measure_unlink``), the titles
of the measures named, and the signal's receivers. What a reader may not read elsewhere is left out: the
datalek's and the Cbw events need ``breach:read``, the measures ``measure:read``.

Knows no Flask; never writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, literal, or_, select, union_all

from bio_register import signals
from bio_register.accounts.models import User
from bio_register.audit.models import AuditEvent
from bio_register.breaches import catalog as breach_catalog
from bio_register.breaches.models import (
    ApCorrespondence,
    ApDecision,
    ApNotification,
    BreachApForm,
    BreachAssessment,
    CbwCase,
    CbwIbdCopy,
    CbwPhase,
    CbwReport,
    CbwSignificance,
    CorrespondenceKind,
    DataSubjectDecision,
    NoNotifyGround,
    NotificationKind,
    OwnSeverity,
)
from bio_register.breaches.services import AP_DEADLINE
from bio_register.extensions import db
from bio_register.i18n import format_fixed, format_hours, format_local, ngettext
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents import labels
from bio_register.incidents.models import Category, Incident, TaskState, TimelineEntry
from bio_register.measures.labels import status_label as measure_status_label
from bio_register.measures.models import Measure, measure_incidents
from bio_register.permissions import Permission, Principal, has_permission

BREACH_ENTITIES: dict[str, Any] = {
    "breach_assessment": BreachAssessment,
    "ap_decision": ApDecision,
    "ap_notification": ApNotification,
    "data_subject_decision": DataSubjectDecision,
    "cbw_report": CbwReport,
    "ap_form": BreachApForm,
    "ap_correspondence": ApCorrespondence,
    "cbw_significance": CbwSignificance,
    "cbw_case": CbwCase,
    "cbw_ibd_copy": CbwIbdCopy,
}

#: the assessment's fields as the datalek page names them
ASSESSMENT_FIELD = {
    "aware_at": _l("Bewust geworden op"),
    "data_categories": _l("Soorten persoonsgegevens"),
    "special_categories": _l("Bijzondere persoonsgegevens"),
    "bsn": _l("BSN"),
    "criminal_data": _l("Strafrechtelijke gegevens"),
    "subject_categories": _l("Soorten betrokkenen"),
    "subjects_count": _l("Aantal betrokkenen"),
    "records_count": _l("Aantal records"),
    "nature_confidentiality": _l("Vertrouwelijkheid geschonden"),
    "nature_integrity": _l("Integriteit geschonden"),
    "nature_availability": _l("Beschikbaarheid geschonden"),
    "unintelligible": _l("Onbegrijpelijk (versleuteld)"),
    "processor_involved": _l("Verwerker betrokken"),
    "processor_name": _l("Verwerker"),
    "cross_border": _l("Grensoverschrijdend"),
    "ongoing": _l("Nog gaande"),
    "likely_consequences": _l("Waarschijnlijke gevolgen"),
    "measures_taken": _l("Genomen maatregelen"),
    "enisa_dpc": _l("ENISA: context (DPC)"),
    "enisa_ei": _l("ENISA: identificeerbaarheid (EI)"),
    "enisa_cb_confidentiality": _l("ENISA: verlies vertrouwelijkheid"),
    "enisa_cb_integrity": _l("ENISA: verlies integriteit"),
    "enisa_cb_availability": _l("ENISA: verlies beschikbaarheid"),
    "enisa_cb_malicious": _l("ENISA: kwade opzet"),
    "enisa_score": _l("ENISA-score"),
    "enisa_band": _l("ENISA-ernst"),
}

#: the AP meldformulier's own answers as the datalek page names them
AP_FORM_FIELD = {
    "discovery": _l("Hoe ontdekt"),
    "ended_at": _l("Einde van het datalek"),
    "subjects_min": _l("Aantal betrokkenen: minimaal"),
    "subjects_max": _l("Aantal betrokkenen: maximaal"),
    "contact_name": _l("Naam contactpersoon"),
    "contact_function": _l("Functie contactpersoon"),
    "contact_phone": _l("Telefoonnummer contactpersoon"),
    "contact_email": _l("E-mailadres contactpersoon"),
    "own_severity": _l("Eigen inschatting van de ernst"),
    "own_severity_explanation": _l("Toelichting op de eigen inschatting"),
    "other_organisations": _l("Andere betrokken organisaties"),
    "breach_kinds": _l("Wat is er met de gegevens gebeurd"),
    "breach_kind_other": _l("Anders, namelijk"),
    "prior_measures": _l("Maatregelen vooraf"),
    "subjects_message": _l("Bericht aan de betrokkenen"),
    "measures_planned": _l("Geplande maatregelen"),
    "other_authorities": _l("Andere toezichthouders"),
    "other_information": _l("Overige informatie"),
}

#: deadline warnings the scheduler sent (``incident``/``deadline_warning`` events)
CLOCK = {
    "ap": _l("AP-termijn"),
    "cbw_early_warning": _l("Cbw: vroegtijdige waarschuwing"),
    "cbw_notification": _l("Cbw: incidentmelding"),
    "cbw_final": _l("Cbw: eindverslag"),
}
THRESHOLD = {"24h": _l("nog 24 uur"), "12h": _l("nog 12 uur"), "1h": _l("nog 1 uur"), "passed": _l("verstreken")}

_CATEGORY_LABELS: dict[str, Any] = {**breach_catalog.DATA_CATEGORIES, **breach_catalog.SPECIAL_CATEGORIES,
                                    **breach_catalog.SUBJECT_CATEGORIES, **breach_catalog.BREACH_KINDS}


@dataclass(frozen=True)
class Change:
    """One changed field, as a person reads it."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    #: what kind of event, for the page's styling: incident, entry, breach, cbw, measure, attachment, report
    group: str
    #: the line a person reads: "FG heeft de beoordeling gewijzigd: ENISA-score 1,25 → 2,5"
    title: str
    actor: str
    text: str | None = None
    changes: Sequence[Change] = field(default_factory=tuple)
    #: the entry's kind (waarneming, actie, besluit, communicatie) for entries
    kind: str | None = None


# --- formatting --------------------------------------------------------------------------------------------

def _number(value: Any) -> str:
    """A score as ``1,25`` or ``2,5``: the decimals it has, at most two."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    digits = max(0, min(2, -int(number.normalize().as_tuple().exponent)))
    return format_fixed(float(number), digits)


def _is_number(value: Any) -> bool:
    try:
        Decimal(str(value))
    except (InvalidOperation, ValueError):
        return False
    return True


def _moment(value: Any) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return value if isinstance(value, dt.datetime) else None


def _value(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name.startswith("enisa_") and not isinstance(value, bool) and _is_number(value):
        return _number(value)  # scores and the parts of the ENISA sum, in the user's format ("0,25")
    if name == "own_severity" and value in set(OwnSeverity):
        return str(breach_catalog.OWN_SEVERITY_LABELS[OwnSeverity(value)])
    if isinstance(value, list):
        return ", ".join(str(_CATEGORY_LABELS.get(v, v)) for v in value)
    return labels.display(value)


def _changes(changes: Mapping[str, Any], names: Mapping[str, Any], *, skip: Iterable[str] = ()) -> list[Change]:
    skipped = set(skip)
    return [Change(str(names.get(name, name)), _value(name, change.get("before")), _value(name, change.get("after")))
            for name, change in changes.items() if name not in skipped and isinstance(change, Mapping)]


def _after(changes: Mapping[str, Any], name: str) -> Any:
    change = changes.get(name)
    return change.get("after") if isinstance(change, Mapping) else None


def _before(changes: Mapping[str, Any], name: str) -> Any:
    change = changes.get(name)
    return change.get("before") if isinstance(change, Mapping) else None


# --- the events ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Event:
    at: dt.datetime
    entity: str
    entity_id: str
    action: str
    changes: dict[str, Any]
    actor: str


def _related_ids(user: Principal | None, incident: Incident) -> dict[str, list[str]]:
    """The ids of the rows whose audit events concern the incident, per audit entity, as far as the
    user may read them (one query). The audit query then names them, so it reads only their events
    through the (entity, entity_id) index — a subquery there makes PostgreSQL scan every event of
    the entity."""
    org = incident.organisation_id
    parts: list[Any] = []
    if has_permission(user, Permission.BREACH_READ, org):
        parts += [select(literal(entity).label("entity"), cast(model.id, String).label("id"))
                  .where(model.incident_id == incident.id) for entity, model in BREACH_ENTITIES.items()]
    if has_permission(user, Permission.MEASURE_READ, org):
        # the measures linked now: their status changes, and (for links made before the incident had
        # its own measure_link events) the event that linked them; links and unlinks themselves are
        # the incident's own events (measure_link, measure_unlink)
        parts.append(select(literal("measure").label("entity"),
                            cast(measure_incidents.c.measure_id, String).label("id"))
                     .where(measure_incidents.c.incident_id == incident.id))
    found: dict[str, list[str]] = {}
    if parts:
        for entity, row_id in db.session.execute(union_all(*parts)):
            found.setdefault(entity, []).append(row_id)
    return found


def _audit_events(user: Principal | None, incident: Incident) -> list[_Event]:
    """Every audit event about the incident the user may see, oldest first (two queries)."""
    conditions: list[ColumnElement[bool]] = [
        and_(AuditEvent.entity == "incident", AuditEvent.entity_id == str(incident.id)),
        *(and_(AuditEvent.entity == entity, AuditEvent.entity_id.in_(ids))
          for entity, ids in _related_ids(user, incident).items()),
    ]
    rows = db.session.execute(
        select(AuditEvent.occurred_at, AuditEvent.entity, AuditEvent.entity_id, AuditEvent.action,
               AuditEvent.changes, AuditEvent.actor_label, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(or_(*conditions))
        .order_by(AuditEvent.seq)
    )
    return [_Event(at, entity, entity_id, action, json.loads(changes or "{}"), _actor(name, label))
            for at, entity, entity_id, action, changes, label, name in rows]


def _actor(name: str | None, label: str) -> str:
    if name:
        return name
    return {"systeem": _("systeem"), "scheduler": _("planner (automatisch)")}.get(label, label)


def _incident_item(event: _Event) -> TimelineItem | None:
    changes = event.changes
    if event.action == "create":
        title = _("Incident vastgelegd") + (" " + _("als datalek") if _after(changes, "is_datalek") else "")
        return TimelineItem(event.at, "incident", title, event.actor)
    if event.action == "import":
        return TimelineItem(event.at, "incident", _("Geïmporteerd uit het oude register (nummer %(n)s)",
                                                    n=_after(changes, "original_reference") or "—"), event.actor)
    if event.action in ("status", "reopen"):
        before, after = _before(changes, "status"), _after(changes, "status")
        title = (_("Heropend: %(a)s → %(b)s", a=labels.display(before), b=labels.display(after))
                 if event.action == "reopen" else
                 _("Status gewijzigd: %(a)s → %(b)s", a=labels.display(before), b=labels.display(after)))
        return TimelineItem(event.at, "incident", title, event.actor, text=_after(changes, "reason"))
    if event.action == "update":
        changed = _changes(changes, labels.FIELD)
        title = _("Incident gewijzigd: %(fields)s", fields=", ".join(c.label.lower() for c in changed))
        return TimelineItem(event.at, "incident", title, event.actor, changes=changed)
    if event.action == "deadline_warning":
        clock, _sep, threshold = str(_after(changes, "warning") or "").partition(":")
        return TimelineItem(event.at, "breach" if clock == "ap" else "cbw",
                            _("Waarschuwing verstuurd: %(clock)s, %(when)s", clock=str(CLOCK.get(clock, clock)),
                              when=str(THRESHOLD.get(threshold, threshold))), event.actor)
    if event.action == "link_processing":
        names = _after(changes, "processing_activities") or []
        title = (_("Getroffen verwerkingen: %(names)s", names=", ".join(str(n) for n in names)) if names
                 else _("Koppeling met verwerkingen verwijderd"))
        return TimelineItem(event.at, "breach", title, event.actor)
    if event.action == "playbook_apply":
        category = _after(changes, "playbook")
        steps = _after(changes, "steps") or []
        name = labels.category_label(category) if category in set(Category) else str(category or "—")
        return TimelineItem(event.at, "incident", ngettext("Draaiboek „%(name)s” toegepast: %(num)d stap",
                                                           "Draaiboek „%(name)s” toegepast: %(num)d stappen",
                                                           len(steps), name=name), event.actor,
                            text="\n".join(f"{n}. {step}" for n, step in enumerate(steps, 1)) or None)
    if event.action == "task":
        state = _after(changes, "state")
        title = _("Stap „%(task)s”: %(state)s", task=_after(changes, "task") or "—",
                  state=labels.task_state_label(state) if state in set(TaskState) else "—")
        return TimelineItem(event.at, "incident", title, event.actor, text=_after(changes, "note"))
    if event.action == "from_template":
        return TimelineItem(event.at, "incident", _("Vastgelegd uit het sjabloon „%(name)s”",
                                                    name=_after(changes, "breach_template") or "—"), event.actor)
    return None  # a purge leaves no incident to show


def _ap_timing(submitted: dt.datetime | None, aware_at: dt.datetime | None) -> str:
    if submitted is None or aware_at is None:
        return ""
    late = (submitted - (aware_at + AP_DEADLINE)).total_seconds() / 3600
    return _("op tijd") if late <= 0 else _("te laat, %(d)s", d=format_hours(late))


def _breach_item(event: _Event, aware_at: dt.datetime | None) -> TimelineItem | None:
    changes, action = event.changes, event.action
    if event.entity == "breach_assessment":
        score = _after(changes, "enisa_score")
        if action == "create":
            title = (_("FG heeft het datalek beoordeeld: ENISA-score %(s)s (%(band)s)", s=_number(score),
                       band=_after(changes, "enisa_band") or "—")
                     if score is not None else _("FG heeft het datalek beoordeeld"))
            return TimelineItem(event.at, "breach", title, event.actor)
        if "enisa_score" in changes:
            title = _("FG heeft de beoordeling gewijzigd: ENISA-score %(a)s → %(b)s",
                      a=_value("enisa_score", _before(changes, "enisa_score")), b=_value("enisa_score", score))
        else:
            title = _("FG heeft de beoordeling gewijzigd")
        return TimelineItem(event.at, "breach", title, event.actor,
                            changes=_changes(changes, ASSESSMENT_FIELD, skip=("enisa_score",)))
    if event.entity == "ap_decision":
        notify = _after(changes, "notify")
        title = _("Besluit: melden bij de AP (art. 33)") if notify else _("Besluit: niet melden bij de AP (art. 33)")
        if action == "import":
            title += " " + _("(geïmporteerd)")
        return TimelineItem(event.at, "breach", title, event.actor, text=_after(changes, "motivation"))
    if event.entity == "ap_notification":
        kind = _after(changes, "kind")
        submitted = _moment(_after(changes, "submitted_at"))
        if kind == NotificationKind.FOLLOW_UP:
            title = _("Aanvulling op de AP-melding gedaan")
        elif kind == NotificationKind.WITHDRAWAL:
            title = _("AP-melding ingetrokken")
        else:
            title = _("AP-melding gedaan (%(timing)s)", timing=_ap_timing(submitted, aware_at)) \
                if submitted and aware_at else _("AP-melding gedaan")
        details = [Change(_("Meldnummer"), "", str(_after(changes, "meldnummer") or "—")),
                   Change(_("Gemeld op"), "", format_local(submitted) if submitted else "—")]
        return TimelineItem(event.at, "breach", title, event.actor, text=_after(changes, "late_reason"),
                            changes=details)
    if event.entity == "data_subject_decision":
        if _after(changes, "notify"):
            title = _("Besluit: betrokkenen informeren (art. 34)")
            notified = _moment(_after(changes, "notified_at"))
            details = [Change(_("Geïnformeerd op"), "", format_local(notified) if notified else "—"),
                       Change(_("Hoe"), "", str(_after(changes, "channel") or "—"))]
        else:
            title = _("Besluit: betrokkenen niet informeren (art. 34)")
            ground = _after(changes, "ground")
            details = [Change(_("Grond"), "", str(breach_catalog.GROUND_LABELS.get(NoNotifyGround(ground), ground))
                              if ground in set(NoNotifyGround) else "—")]
        return TimelineItem(event.at, "breach", title, event.actor, text=_after(changes, "explanation"),
                            changes=details)
    if event.entity == "ap_form":
        title = (_("AP-meldformulier ingevuld") if action == "create"
                 else _("AP-meldformulier gewijzigd"))
        return TimelineItem(event.at, "breach", title, event.actor, changes=_changes(changes, AP_FORM_FIELD))
    if event.entity == "ap_correspondence":
        kind = _after(changes, "kind")
        label = (str(breach_catalog.CORRESPONDENCE_LABELS[CorrespondenceKind(kind)])
                 if kind in set(CorrespondenceKind) else str(kind))
        details = []
        if _after(changes, "ap_reference"):
            details.append(Change(_("Kenmerk van de AP"), "", str(_after(changes, "ap_reference"))))
        files = _after(changes, "attachments") or []
        if files:
            details.append(Change(_("Bijlagen"), "", ", ".join(str(f) for f in files)))
        return TimelineItem(_moment(_after(changes, "occurred_at")) or event.at, "breach",
                            _("Correspondentie met de AP: %(kind)s", kind=label), event.actor,
                            text=_after(changes, "text"), changes=details)
    if event.entity == "cbw_report":
        phase = _after(changes, "phase")
        label = str(breach_catalog.PHASE_LABELS[CbwPhase(phase)]) if phase in set(CbwPhase) else str(phase)
        submitted = _moment(_after(changes, "submitted_at"))
        return TimelineItem(event.at, "cbw", _("Cbw-melding: %(phase)s", phase=label), event.actor, changes=[
            Change(_("Aan"), "", str(_after(changes, "recipient") or "—")),
            Change(_("Verstuurd op"), "", format_local(submitted) if submitted else "—"),
            Change(_("Kenmerk"), "", str(_after(changes, "reference") or "—"))])
    if event.entity == "cbw_significance":
        title = (_("Cbw-advies: significant") if _after(changes, "significant")
                 else _("Cbw-advies: niet significant"))
        return TimelineItem(event.at, "cbw", title, event.actor, text=_after(changes, "motivation"), changes=[
            Change(_("Criteria versie"), "", str(_after(changes, "criteria_version") or "—"))])
    if event.entity == "cbw_case":
        phase = _after(changes, "phase")
        label = str(breach_catalog.PHASE_LABELS[CbwPhase(phase)]) if phase in set(CbwPhase) else str(phase)
        details = []
        handled = _moment(_after(changes, "handled_at")) if "handled_at" in changes else None
        if handled:
            details.append(Change(_("Incident afgehandeld op"), "", format_local(handled)))
        return TimelineItem(event.at, "cbw", _("Inhoud van de Cbw-melding bijgewerkt: %(phase)s", phase=label),
                            event.actor, changes=details)
    if event.entity == "cbw_ibd_copy":
        sent = _moment(_after(changes, "sent_at"))
        return TimelineItem(event.at, "cbw", _("Kopie aan de IBD (informatief)"), event.actor, changes=[
            Change(_("Verstuurd op"), "", format_local(sent) if sent else "—"),
            Change(_("Kenmerk"), "", str(_after(changes, "reference") or "—"))])
    return None


def _link_item(event: _Event, titles: Mapping[int, str]) -> TimelineItem:
    """The incident's own ``measure_link`` / ``measure_unlink`` event."""
    measure_id = _after(event.changes, "measure") or _before(event.changes, "measure")
    name = (titles.get(measure_id) if isinstance(measure_id, int) else None) \
        or _after(event.changes, "measure_title") or _before(event.changes, "measure_title") or "—"
    if event.action == "measure_link" and _after(event.changes, "measure_created"):
        return TimelineItem(event.at, "measure", _("Maatregel „%(t)s” aangemaakt bij dit incident", t=name),
                            event.actor)
    if event.action == "measure_link":
        return TimelineItem(event.at, "measure", _("Maatregel „%(t)s” gekoppeld", t=name), event.actor)
    return TimelineItem(event.at, "measure", _("Maatregel „%(t)s” ontkoppeld", t=name), event.actor)


def _measure_item(event: _Event, reference: str, title: str, *, links_logged: bool) -> TimelineItem | None:
    """An event of a measure linked now: a status change, or (when the incident has no link events of
    its own for it, as before they were recorded) the event that linked it."""
    changes = event.changes
    name = title or _("maatregel %(id)s", id=event.entity_id)
    if "incidents" in changes and not links_logged:
        had = reference in (_before(changes, "incidents") or [])
        has = reference in (_after(changes, "incidents") or [])
        if event.action == "create" and has:
            return TimelineItem(event.at, "measure", _("Maatregel „%(t)s” aangemaakt bij dit incident", t=name),
                                event.actor)
        if has and not had:
            return TimelineItem(event.at, "measure", _("Maatregel „%(t)s” gekoppeld", t=name), event.actor)
        if had and not has:
            return TimelineItem(event.at, "measure", _("Maatregel „%(t)s” ontkoppeld", t=name), event.actor)
    if event.action in ("status", "reopen"):
        return TimelineItem(event.at, "measure", _("Maatregel „%(t)s”: %(a)s → %(b)s", t=name,
                                                   a=measure_status_label(_before(changes, "status")),
                                                   b=measure_status_label(_after(changes, "status"))),
                            event.actor, text=_after(changes, "reason"))
    return None


def _entry_items(incident: Incident) -> list[TimelineItem]:
    return [
        TimelineItem(entry.occurred_at, "entry", str(labels.ENTRY_KIND[entry.kind]).capitalize(),
                     entry.author.name if entry.author else "—", text=entry.text, kind=entry.kind.value)
        for entry in db.session.scalars(
            select(TimelineEntry).where(TimelineEntry.incident_id == incident.id)
            .order_by(TimelineEntry.occurred_at, TimelineEntry.id))
    ]


def timeline(user: Principal | None, incident: Incident) -> list[TimelineItem]:
    """The incident's timeline as ``user`` may read it, oldest first."""
    events = _audit_events(user, incident)
    # "op tijd" is judged against the awareness the FG last recorded, as the datalek page does
    aware_at: dt.datetime | None = incident.discovered_at
    for event in events:
        if event.entity == "breach_assessment" and "aware_at" in event.changes:
            aware_at = _moment(_after(event.changes, "aware_at")) or aware_at
    may_read_measures = has_permission(user, Permission.MEASURE_READ, incident.organisation_id)
    link_events = [e for e in events if e.entity == "incident" and e.action in ("measure_link", "measure_unlink")]
    linked_logged = {m for e in link_events if isinstance(m := _after(e.changes, "measure")
                                                          or _before(e.changes, "measure"), int)}
    measure_ids = {int(e.entity_id) for e in events if e.entity == "measure" and e.entity_id.isdigit()}
    measure_ids |= linked_logged
    titles: dict[int, str] = {
        measure_id: title for measure_id, title in db.session.execute(
            select(Measure.id, Measure.title).where(Measure.id.in_(sorted(measure_ids))))
    } if measure_ids else {}

    items = _entry_items(incident)
    for event in events:
        item: TimelineItem | None
        if event.entity == "incident" and event.action in ("measure_link", "measure_unlink"):
            item = _link_item(event, titles) if may_read_measures else None
        elif event.entity == "incident" and event.action == "create":
            # the register's own time of logging, as the facts beside the timeline say (the demo and
            # a migration may write it apart from the audit event's)
            item = _incident_item(dataclasses.replace(event, at=incident.created_at))
        elif event.entity == "incident":
            item = _incident_item(event)
        elif event.entity == "measure":
            measure_id = int(event.entity_id)
            item = _measure_item(event, incident.reference, titles.get(measure_id, ""),
                                 links_logged=measure_id in linked_logged)
        else:
            item = _breach_item(event, aware_at)
        if item is not None:
            items.append(item)
    for more in signals.answers(signals.incident_history, incident):
        items.extend(TimelineItem(h.at, "attachment" if h.kind.startswith("attachment") else "report",
                                  labels.history_label(h.kind).capitalize(), h.actor, text=h.text) for h in more)
    return sorted(items, key=lambda item: item.at)
