"""The Cbw (NIS2) file of an incident beyond the reports themselves: the significance advice from a
versioned set of criteria, the content prepared per phase, when the incident was handled, the
informative copies to the IBD, the copy view per phase, and the obligations side by side.

A rule module of the breaches area (no Flask; flushes, never commits). The criteria are data: a
version is loaded as a whole (:func:`load_criteria`, the CLI ``flask bio load-cbw-criteria``) and
never changed; an assessment keeps the version it answered. The shipped version is based on NIS2
art. 23(3) and holds no thresholds of the ministerial regulation: it is labelled as such.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.breaches import catalog, cbwcontent, services
from bio_register.breaches.apform import Question, Section
from bio_register.breaches.models import (
    BreachAssessment,
    CbwCase,
    CbwCriteriaSet,
    CbwIbdCopy,
    CbwPhase,
    CbwReport,
    CbwSignificance,
)
from bio_register.database import utcnow
from bio_register.errors import Conflict, ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import format_local, ngettext
from bio_register.i18n import gettext as _
from bio_register.incidents.models import Incident
from bio_register.validation import Errors

SHIPPED_CRITERIA = Path(__file__).parent / "data" / "cbw_criteria_nis2_art23_3_v1.json"
KINDS = ("yes_no", "number")
MAX_NUMBER = 1e15
#: the IBD: support for municipalities, not the legal notification
IBD = "IBD"


# --- the criteria ------------------------------------------------------------------------------------

def parse_criteria(data: Any) -> dict[str, Any]:
    """A criteria set checked: version, title, basis and questions (id, text, kind ``yes_no`` or
    ``number``; a number may have a ``threshold`` from which it counts as met)."""
    errors = Errors()
    if not isinstance(data, Mapping):
        raise ValidationFailed(_("Een criteriaset is een object met version, title, basis en questions."),
                               field="criteria")
    version = errors.text("version", data.get("version"), max_length=60, required=True, single_line=True)
    title = errors.text("title", data.get("title"), max_length=200, required=True, single_line=True)
    basis = errors.text("basis", data.get("basis"), max_length=5000, required=True)
    questions = data.get("questions")
    out: list[dict[str, Any]] = []
    if not isinstance(questions, list) or not questions:
        errors.add("questions", _("Geef ten minste één vraag."))
        questions = []
    seen: set[str] = set()
    for index, question in enumerate(questions):
        name = f"questions.{index}"
        if not isinstance(question, Mapping):
            errors.add(name, _("Een vraag is een object met id, text en kind."))
            continue
        qid = errors.text(f"{name}.id", question.get("id"), max_length=60, required=True, single_line=True)
        text = errors.text(f"{name}.text", question.get("text"), max_length=1000, required=True)
        kind = question.get("kind")
        if kind not in KINDS:
            errors.add(f"{name}.kind", _("Kies yes_no of number."))
        if qid in seen:
            errors.add(f"{name}.id", _("Deze id komt al eerder voor."))
        seen.add(qid or "")
        entry: dict[str, Any] = {"id": qid, "text": text, "kind": kind,
                                 "criterion": str(question.get("criterion") or "")}
        if kind == "number":
            threshold = question.get("threshold")
            if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                          or not math.isfinite(threshold) or threshold < 0):
                errors.add(f"{name}.threshold", _("Een drempel is een getal van 0 of meer, of leeg."))
            entry["threshold"] = threshold
            entry["unit"] = str(question.get("unit") or "")
        out.append(entry)
    errors.raise_if_any()
    return {"version": version, "title": title, "basis": basis, "questions": out}


def shipped_criteria() -> dict[str, Any]:
    return parse_criteria(json.loads(SHIPPED_CRITERIA.read_text(encoding="utf-8")))


def load_criteria(data: Any, *, actor: User | None = None, actor_label: str | None = None,
                  now: dt.datetime | None = None) -> tuple[CbwCriteriaSet, bool]:
    """Load a version of the criteria (idempotent for the same content). A version number that
    exists with other content is refused: a change is always a new version."""
    values = parse_criteria(data)
    existing = db.session.scalar(select(CbwCriteriaSet).where(CbwCriteriaSet.version == values["version"]))
    if existing is not None:
        if (existing.title, existing.basis, existing.questions) != (
                values["title"], values["basis"], values["questions"]):
            raise Conflict(_("Versie %(v)s bestaat al met andere inhoud: geef de nieuwe criteria een nieuw "
                             "versienummer.", v=values["version"]), field="version")
        return existing, False
    row = CbwCriteriaSet(**values, loaded_at=now or utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "cbw_criteria_set", row.id, "create",
                 audit.created({"version": row.version, "title": row.title, "questions": row.questions}),
                 actor_label=actor_label)
    return row, True


def current_criteria() -> CbwCriteriaSet | None:
    """The newest loaded version."""
    return db.session.scalar(select(CbwCriteriaSet).order_by(CbwCriteriaSet.id.desc()).limit(1))


def criteria_in_use() -> CbwCriteriaSet:
    """The newest loaded version, or (none loaded yet) the shipped one, not stored."""
    return current_criteria() or CbwCriteriaSet(**shipped_criteria())


# --- the significance advice ----------------------------------------------------------------------------

def _number(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{int(value):,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def advise(criteria: CbwCriteriaSet, answers: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """The advice and its reasoning, one line per question and a conclusion."""
    lines: list[str] = []
    met: list[str] = []
    for question in criteria.questions:
        qid, text = str(question["id"]), str(question["text"])
        value = answers.get(qid)
        criterion = f" (art. 23(3)({question['criterion']}))" if question.get("criterion") else ""
        if question["kind"] == "yes_no":
            if value:
                met.append(text)
                lines.append(_("%(q)s%(c)s — ja: voldoet aan het criterium.", q=text, c=criterion))
            else:
                lines.append(_("%(q)s%(c)s — nee.", q=text, c=criterion))
            continue
        threshold: Any = question.get("threshold")
        unit = f" {question.get('unit')}" if question.get("unit") else ""
        if value is None:
            lines.append(_("%(q)s — niet ingevuld.", q=text))
        elif threshold is None:
            lines.append(_("%(q)s — %(v)s%(u)s: geen drempel in deze versie, ter informatie.",
                           q=text, v=_number(float(value)), u=unit))
        elif float(value) >= float(threshold):
            met.append(text)
            lines.append(_("%(q)s — %(v)s%(u)s: op of boven de drempel van %(t)s%(u)s.",
                           q=text, v=_number(float(value)), u=unit, t=_number(float(threshold))))
        else:
            lines.append(_("%(q)s — %(v)s%(u)s: onder de drempel van %(t)s%(u)s.",
                           q=text, v=_number(float(value)), u=unit, t=_number(float(threshold))))
    significant = bool(met)
    if significant:
        lines.append(ngettext("Advies: significant, omdat aan %(num)d criterium is voldaan (criteria versie %(v)s).",
                              "Advies: significant, omdat aan %(num)d criteria is voldaan (criteria versie %(v)s).",
                              len(met), v=criteria.version))
    else:
        lines.append(_("Advies: niet significant: aan geen van de criteria is voldaan (criteria versie %(v)s).",
                       v=criteria.version))
    return significant, [str(line) for line in lines]


def _answers(errors: Errors, criteria: CbwCriteriaSet, data: Any) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        errors.add("answers", _("Geef de antwoorden per vraag."))
        return {}
    ids = {str(q["id"]) for q in criteria.questions}
    for key in sorted(set(map(str, data)) - ids):
        errors.add(f"answers.{key}", _("Onbekende vraag in criteria versie %(v)s.", v=criteria.version))
    out: dict[str, Any] = {}
    for question in criteria.questions:
        qid = str(question["id"])
        value = data.get(qid)
        if question["kind"] == "yes_no":
            if not isinstance(value, bool):
                errors.add(f"answers.{qid}", _("Beantwoord met ja of nee: %(q)s", q=question["text"]))
            else:
                out[qid] = value
        elif value is None or value == "":
            out[qid] = None
        elif (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
              or value < 0 or value > MAX_NUMBER):
            errors.add(f"answers.{qid}", _("Vul een getal van 0 of meer in."))
        else:
            out[qid] = value
    return out


def assess_significance(actor: User, incident: Incident, answers: Any, motivation: str | None = None,
                        *, now: dt.datetime | None = None) -> CbwSignificance:
    """Answer the current criteria for the incident: the advice and its reasoning are kept with
    the criteria version (the newest is in force). The advice does not mark the incident; whoever
    edits the incident decides and ticks "significant"."""
    now = now or utcnow()
    criteria = current_criteria()
    if criteria is None:
        criteria, _created = load_criteria(shipped_criteria(), actor=actor, now=now)
    errors = Errors()
    values = _answers(errors, criteria, answers)
    text = errors.text("motivation", motivation, max_length=cbwcontent.MAX_TEXT)
    errors.raise_if_any()
    significant, reasoning = advise(criteria, values)
    row = CbwSignificance(incident_id=incident.id, criteria_set_id=criteria.id, answers=values,
                          significant=significant, reasoning=reasoning, motivation=text,
                          assessed_by_id=actor.id, assessed_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "cbw_significance", row.id, "create",
                 audit.created({"incident": incident.reference, "criteria_version": criteria.version,
                                "answers": values, "significant": significant, "motivation": text}),
                 organisation_id=incident.organisation_id)
    return row


def significance_of(incident: Incident) -> CbwSignificance | None:
    """The advice in force: the newest."""
    return db.session.scalar(select(CbwSignificance).where(CbwSignificance.incident_id == incident.id)
                             .order_by(CbwSignificance.assessed_at.desc(), CbwSignificance.id.desc()).limit(1))


# --- the content per phase, the handling moment ---------------------------------------------------------

_UNSET: Any = object()


def contents_of(case: CbwCase | None, phase: CbwPhase) -> dict[str, Any]:
    return dict((case.contents or {}).get(phase.value, {})) if case is not None else {}


def save_phase_content(actor: User, incident: Incident, phase: Any, data: Mapping[str, Any],
                       *, handled_at: Any = _UNSET, now: dt.datetime | None = None) -> CbwCase:
    """Prepare (or correct) what a phase's report holds; given items replace the stored ones.
    ``handled_at``: when the incident was handled (after an interim report the final report is due
    one month later); None clears it."""
    now = now or utcnow()
    errors = Errors()
    if not incident.is_significant_cbw:
        errors.add("is_significant_cbw", _("Markeer het incident eerst als significant onder de Cbw."))
    try:
        phase = CbwPhase(phase)
    except ValueError:
        raise ValidationFailed(_("Onbekende fase."), field="phase") from None
    answers = cbwcontent.clean(errors, phase, data)
    handled: dt.datetime | None = None
    if handled_at is not _UNSET and handled_at not in (None, ""):
        if not isinstance(handled_at, dt.datetime) or handled_at.tzinfo is None:
            errors.add("handled_at", _("Geef een tijdstip met tijdzone."))
        elif handled_at > now + services.CLOCK_SKEW:
            errors.add("handled_at", _("Dit tijdstip ligt in de toekomst."))
        elif handled_at < services.awareness(incident, services.assessment_of(incident)):
            errors.add("handled_at", _("De afhandeling kan niet vóór de bewustwording liggen."))
        else:
            handled = handled_at.astimezone(dt.UTC)
    errors.raise_if_any()
    case = services.cbw_case_for(actor, incident, now)
    before = contents_of(case, phase)
    after = {**before, **answers}
    changes = audit.diff({**before, "handled_at": case.handled_at},
                         {**after, "handled_at": case.handled_at if handled_at is _UNSET else handled})
    case.contents = {**(case.contents or {}), phase.value: after}
    if handled_at is not _UNSET:
        case.handled_at = handled
    case.updated_by_id, case.updated_at = actor.id, now
    db.session.flush()
    if changes:
        audit.record(actor, "cbw_case", case.id, "update", {"phase": {"before": None, "after": phase.value},
                                                            **changes},
                     organisation_id=incident.organisation_id)
    return case


# --- the IBD -------------------------------------------------------------------------------------------------

def ibd_copies_of(incident: Incident) -> list[CbwIbdCopy]:
    return list(db.session.scalars(select(CbwIbdCopy).where(CbwIbdCopy.incident_id == incident.id)
                                   .order_by(CbwIbdCopy.sent_at, CbwIbdCopy.id)))


def record_ibd_copy(actor: User, incident: Incident, sent_at: Any, phase: Any = None, reference: str | None = None,
                    note: str | None = None, *, now: dt.datetime | None = None) -> CbwIbdCopy:
    """An informative copy to the IBD, recorded apart from the reports to the CSIRT: it is support
    for municipalities, not the legal notification, and starts or stops no clock."""
    now = now or utcnow()
    errors = Errors()
    which: CbwPhase | None = None
    if phase not in (None, ""):
        try:
            which = CbwPhase(phase)
        except ValueError:
            errors.add("phase", _("Onbekende fase."))
    ref = errors.text("reference", reference, max_length=100, single_line=True)
    text = errors.text("note", note, max_length=cbwcontent.MAX_TEXT)
    if not isinstance(sent_at, dt.datetime) or sent_at.tzinfo is None:
        errors.add("sent_at", _("Vul in wanneer de IBD is geïnformeerd."))
    elif sent_at > now + services.CLOCK_SKEW:
        errors.add("sent_at", _("Dit tijdstip ligt in de toekomst."))
    else:
        sent_at = sent_at.astimezone(dt.UTC)
    errors.raise_if_any()
    row = CbwIbdCopy(incident_id=incident.id, phase=which, sent_at=sent_at, reference=ref, note=text,
                     recorded_by_id=actor.id, recorded_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "cbw_ibd_copy", row.id, "create",
                 audit.created({"incident": incident.reference, "phase": which, "sent_at": sent_at,
                                "reference": ref, "note": text}),
                 organisation_id=incident.organisation_id)
    return row


# --- the state of the file: clock, phases, copy view ---------------------------------------------------

@dataclass(frozen=True)
class PhaseState:
    phase: CbwPhase
    answers: Mapping[str, Any]
    missing: Sequence[cbwcontent.Item]
    sent: Sequence[CbwReport]
    deadline: dt.datetime | None

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def slug(self) -> str:
        return cbwcontent.SLUGS[self.phase]


@dataclass(frozen=True)
class CbwFile:
    incident: Incident
    assessment: BreachAssessment | None
    reports: Sequence[CbwReport]
    case: CbwCase | None
    clock: services.CbwClock
    phases: Sequence[PhaseState]
    significance: CbwSignificance | None
    ibd_copies: Sequence[CbwIbdCopy]

    @property
    def handled_at(self) -> dt.datetime | None:
        return self.case.handled_at if self.case is not None else None

    def phase(self, phase: CbwPhase) -> PhaseState:
        return next(p for p in self.phases if p.phase == phase)


def cbw_file(incident: Incident, anchor: str = services.DEFAULT_CBW_ANCHOR) -> CbwFile:
    assessment = services.assessment_of(incident)
    reports = services.cbw_reports_of(incident)
    case = services.cbw_case_of(incident)
    clock = services.cbw_clock(incident, assessment, reports, anchor, case.handled_at if case else None)
    phases = []
    for phase in CbwPhase:
        answers = contents_of(case, phase)
        phases.append(PhaseState(phase, answers, cbwcontent.missing(phase, answers),
                                 [r for r in reports if r.phase == phase], clock.deadline(phase)))
    return CbwFile(incident, assessment, reports, case, clock, phases, significance_of(incident),
                   ibd_copies_of(incident))


def copy_sections(file: CbwFile, phase: CbwPhase, recipient: str) -> list[Section]:
    """What the CSIRT is told in this phase, in the order of NIS2 art. 23(4): who and which
    incident, the earlier reports, then the phase's own items."""
    incident = file.incident
    sent = file.phase(phase).sent
    earlier = [r for r in file.reports if r.phase != phase]
    general = [
        Question("organisation", str(_("Organisatie")), incident.organisation.name),
        Question("reference", str(_("Kenmerk van het incident")), incident.reference),
        Question("title", str(_("Titel")), incident.title),
        Question("description", str(_("Omschrijving")), incident.description or ""),
        Question("aware_at", str(_("Bewust sinds")),
                 format_local(services.awareness(incident, file.assessment), True)),
        Question("recipient", str(_("Ontvanger (CSIRT)")), sent[-1].recipient if sent else recipient),
        Question("earlier", str(_("Eerdere meldingen aan de CSIRT")), "\n".join(
            f"{catalog.PHASE_LABELS[r.phase]}: {format_local(r.submitted_at, True)}"
            + (f" ({_('kenmerk')} {r.reference})" if r.reference else "") for r in earlier)),
    ]
    state = file.phase(phase)
    own = [Question(entry.key, str(entry.label), cbwcontent.answer_text(entry, state.answers.get(entry.key)))
           for entry in cbwcontent.PHASE_ITEMS[phase]]
    if phase == CbwPhase.FINAL and file.handled_at is not None:
        own.append(Question("handled_at", str(_("Incident afgehandeld op")), format_local(file.handled_at, True)))
    title = str(catalog.PHASE_LABELS[phase])
    return [Section("incident", str(_("Organisatie en incident")), general),
            Section(cbwcontent.SLUGS[phase], title[:1].upper() + title[1:], own,
                    [str(entry.label) for entry in state.missing])]


# --- the obligations side by side ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Obligation:
    key: str            # "ap", "csirt", "ibd"
    title: str
    law: str
    applies: bool
    state: str
    deadline: dt.datetime | None = None
    hours_left: float | None = None
    informative: bool = False

    @property
    def tone(self) -> str:
        if self.hours_left is None:
            return "muted" if not self.applies else "ok"
        return "danger" if self.hours_left < 0 else "warning" if self.hours_left < 24 else "ok"


def _left(deadline: dt.datetime | None, now: dt.datetime) -> float | None:
    return None if deadline is None else (deadline - now).total_seconds() / 3600


def _ap(incident: Incident, now: dt.datetime) -> Obligation:
    title, law = str(_("AP")), str(_("AVG art. 33"))
    if not incident.is_datalek:
        return Obligation("ap", title, law, False, str(_("Niet van toepassing: geen datalek")))
    row = services.overview_for([incident], now)[0]
    if row.state == services.STATE_CLOSED:
        return Obligation("ap", title, law, True, str(_("Afgesloten")))
    if row.state == services.STATE_NOTIFIED:
        return Obligation("ap", title, law, True, str(_("Gemeld aan de AP")))
    if row.state == services.STATE_DECIDED and row.decision is not None and not row.decision.notify:
        return Obligation("ap", title, law, True, str(_("Besloten niet te melden")))
    state = (str(_("Besloten te melden, nog niet gemeld")) if row.state == services.STATE_DECIDED
             else str(_("Te beoordelen door de FG")))
    return Obligation("ap", title, law, True, state, row.deadline, _left(row.deadline, now))


def _csirt(file: CbwFile, now: dt.datetime) -> Obligation:
    title, law = str(_("CSIRT (NCSC)")), str(_("Cbw / NIS2 art. 23"))
    incident = file.incident
    if not incident.is_significant_cbw:
        advice = file.significance
        if advice is not None and advice.significant:
            return Obligation("csirt", title, law, False,
                              str(_("Niet als significant gemarkeerd — het advies is: significant")))
        return Obligation("csirt", title, law, False, str(_("Niet van toepassing: niet als significant gemarkeerd")))
    done = {r.phase for r in file.reports}
    if CbwPhase.FINAL in done:
        return Obligation("csirt", title, law, True, str(_("Eindverslag verzonden")))
    for phase in (CbwPhase.EARLY_WARNING, CbwPhase.NOTIFICATION):
        if phase not in done:
            deadline = file.clock.deadline(phase)
            return Obligation("csirt", title, law, True,
                              str(_("Open: %(phase)s", phase=catalog.PHASE_LABELS[phase])), deadline,
                              _left(deadline, now))
    if file.clock.after_interim:
        if file.clock.final is None:
            return Obligation("csirt", title, law, True, str(_("Tussentijds verslag verzonden; het eindverslag is "
                                                              "een maand na de afhandeling van het incident nodig")))
        return Obligation("csirt", title, law, True, str(_("Open: eindverslag (een maand na de afhandeling)")),
                          file.clock.final, _left(file.clock.final, now))
    return Obligation("csirt", title, law, True, str(_("Open: eindverslag, of een tussentijds verslag als het "
                                                      "incident nog loopt")),
                      file.clock.final, _left(file.clock.final, now))


def _ibd(file: CbwFile) -> Obligation:
    title, law = str(_("IBD")), str(_("informatief, geen wettelijke melding"))
    applies = file.incident.is_significant_cbw or file.incident.is_datalek
    if file.ibd_copies:
        last = file.ibd_copies[-1]
        return Obligation("ibd", title, law, applies,
                          str(_("Geïnformeerd op %(t)s", t=format_local(last.sent_at, True))), informative=True)
    return Obligation("ibd", title, law, applies, str(_("Niet geïnformeerd (optioneel, geen termijn)")),
                      informative=True)


def obligations(incident: Incident, *, now: dt.datetime | None = None,
                anchor: str = services.DEFAULT_CBW_ANCHOR) -> list[Obligation]:
    """AP (AVG), CSIRT (Cbw) and IBD (informative): each with its deadline (elapsed hours, UTC) and state."""
    now = now or utcnow()
    file = cbw_file(incident, anchor)
    return [_ap(incident, now), _csirt(file, now), _ibd(file)]
