"""The AP's meldformulier on a datalek, and the correspondence with the AP after the melding.

A rule module of the breaches area (no Flask; flushes, never commits). The AP has no API: the FG
copies the answers into its online form. :func:`ap_form_view` gives every question in the form's
own section order with its answer — taken from where BIO-register already holds it (the incident,
the FG's assessment, the art. 34 decision, the AP meldingen) or from :class:`BreachApForm`, which
holds only what those do not — and per section whether it is complete and what is missing.

After the melding the AP may ask questions and in the end closes its file: each exchange is an
:class:`ApCorrespondence` on the datalek (with attachments of the incident), audited, shown in the
timeline; a file is *open at the AP* from the initial melding until the AP closes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select

from bio_register.accounts.models import User
from bio_register.attachments.models import Attachment
from bio_register.audit import services as audit
from bio_register.breaches import catalog
from bio_register.breaches.models import (
    ApCorrespondence,
    ApNotification,
    BreachApForm,
    BreachAssessment,
    CorrespondenceKind,
    DataSubjectDecision,
    NotificationKind,
    OwnSeverity,
)
from bio_register.breaches.services import (
    CLOCK_SKEW,
    MAX_COUNT,
    MAX_TEXT,
    assessment_of,
    notifications_of,
    refresh_ap_state,
    subject_decisions_of,
)
from bio_register.database import utcnow
from bio_register.errors import Conflict, ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import format_local, pgettext
from bio_register.i18n import gettext as _
from bio_register.incidents.models import Incident
from bio_register.permissions import Permission, Principal, organisation_scope
from bio_register.validation import Errors

#: the answers held on the AP form itself (the rest comes from the assessment and the decisions)
TEXT_FIELDS = {
    # name → (maximum length, single line)
    "discovery": (MAX_TEXT, False),
    "contact_name": (200, True),
    "contact_function": (200, True),
    "contact_phone": (50, True),
    "contact_email": (254, True),
    "own_severity_explanation": (MAX_TEXT, False),
    "other_organisations": (MAX_TEXT, False),
    "breach_kind_other": (500, True),
    "prior_measures": (MAX_TEXT, False),
    "subjects_message": (MAX_TEXT, False),
    "measures_planned": (MAX_TEXT, False),
    "other_authorities": (MAX_TEXT, False),
    "other_information": (MAX_TEXT, False),
}
FIELDS = (*TEXT_FIELDS, "ended_at", "subjects_min", "subjects_max", "own_severity", "breach_kinds")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,28}[0-9]$")


# --- the answers on the datalek -----------------------------------------------------------------------

def ap_form_of(incident: Incident) -> BreachApForm | None:
    return db.session.scalar(select(BreachApForm).where(BreachApForm.incident_id == incident.id))


def _require_datalek(incident: Incident) -> None:
    if not incident.is_datalek:
        raise ValidationFailed(_("Dit incident is niet als datalek gemarkeerd."), field="is_datalek")


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


def _clean(incident: Incident, data: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Every given field checked (all problems at once), or ValidationFailed."""
    errors = Errors()
    for name in sorted(set(data) - set(FIELDS)):
        errors.add(name, _("Onbekend veld."))
    out: dict[str, Any] = {}
    for name, (length, single) in TEXT_FIELDS.items():
        if name in data:
            out[name] = errors.text(name, data[name], max_length=length, single_line=single)
    email = out.get("contact_email")
    if email and not _EMAIL.match(email):
        errors.add("contact_email", _("Geen geldig e-mailadres."))
    phone = out.get("contact_phone")
    if phone and not _PHONE.match(phone):
        errors.add("contact_phone", _("Geen geldig telefoonnummer (alleen cijfers, spaties, +, - en haakjes)."))
    for name in ("subjects_min", "subjects_max"):
        if name in data:
            out[name] = _count(errors, name, data[name])
    if "own_severity" in data:
        value = data["own_severity"]
        try:
            out["own_severity"] = OwnSeverity(value) if value not in (None, "") else None
        except ValueError:
            errors.add("own_severity", _("Kies een van: %(codes)s.", codes=", ".join(OwnSeverity)))
    if "breach_kinds" in data:
        kinds = data["breach_kinds"]
        if kinds in (None, ""):
            out["breach_kinds"] = []
        elif not isinstance(kinds, (list, tuple)) or not all(isinstance(k, str) for k in kinds):
            errors.add("breach_kinds", _("Geef een lijst van keuzes."))
        elif unknown := [k for k in kinds if k not in catalog.BREACH_KINDS]:
            errors.add("breach_kinds", _("Onbekende keuze: %(v)s.", v=", ".join(unknown)))
        else:
            out["breach_kinds"] = sorted(set(kinds), key=list(catalog.BREACH_KINDS).index)
    if "ended_at" in data:
        ended = data["ended_at"]
        if ended in (None, ""):
            out["ended_at"] = None
        elif not isinstance(ended, dt.datetime) or ended.tzinfo is None:
            errors.add("ended_at", _("Geef een tijdstip met tijdzone."))
        else:
            ended = ended.astimezone(dt.UTC)
            if ended > now + CLOCK_SKEW:
                errors.add("ended_at", _("Dit tijdstip ligt in de toekomst."))
            elif incident.occurred_at is not None and ended < incident.occurred_at:
                errors.add("ended_at", _("Het einde kan niet vóór het begin van het incident liggen (%(t)s).",
                                         t=format_local(incident.occurred_at)))
            else:
                out["ended_at"] = ended
    errors.raise_if_any()
    return out


def _check_whole(values: Mapping[str, Any], assessment: BreachAssessment | None) -> None:
    """The rules between answers, on the form as it will be stored."""
    errors = Errors()
    low, high = values.get("subjects_min"), values.get("subjects_max")
    if low is not None and high is not None and low > high:
        errors.add("subjects_min", _("Het minimum aantal betrokkenen (%(a)s) is groter dan het maximum (%(b)s).",
                                     a=low, b=high))
    if "anders" in (values.get("breach_kinds") or []) and not values.get("breach_kind_other"):
        errors.add("breach_kind_other", _("Beschrijf wat er met de gegevens is gebeurd bij „anders”."))
    if values.get("ended_at") is not None and assessment is not None and assessment.ongoing:
        errors.add("ended_at", _("Volgens de beoordeling loopt het datalek nog: haal daar „het datalek loopt nog” "
                                 "weg, of laat het einde leeg."))
    errors.raise_if_any()


def _snapshot(form: BreachApForm) -> dict[str, Any]:
    return {name: getattr(form, name) for name in FIELDS}


def save_ap_form(actor: User, incident: Incident, data: Mapping[str, Any], expected_version: int | None = None,
                 *, partial: bool = False, now: dt.datetime | None = None) -> BreachApForm:
    """Set the AP form's own answers: every field (``partial=False``; a field left out is emptied)
    or only those given. Audited as ``ap_form`` create/update with what changed."""
    now = now or utcnow()
    _require_datalek(incident)
    given = _clean(incident, data, now)
    form = ap_form_of(incident)
    if form is not None and expected_version is not None and expected_version != form.version:
        raise Conflict(_("Iemand anders heeft het AP-meldformulier intussen opgeslagen. Laad het opnieuw."),
                       field="version")
    empty: dict[str, Any] = {name: None for name in FIELDS} | {"breach_kinds": []}
    before = _snapshot(form) if form is not None else empty
    values = {**(before if partial else empty), **given}
    _check_whole(values, assessment_of(incident))
    if form is None:
        form = BreachApForm(incident_id=incident.id, updated_by_id=actor.id, updated_at=now, version=1, **values)
        db.session.add(form)
        db.session.flush()
        audit.record(actor, "ap_form", form.id, "create",
                     audit.created({"incident": incident.reference,
                                    **{k: v for k, v in values.items() if v not in (None, [])}}),
                     organisation_id=incident.organisation_id)
        return form
    for name, value in values.items():
        setattr(form, name, value)
    changes = audit.diff(before, _snapshot(form))
    if changes:
        form.updated_by_id, form.updated_at = actor.id, now
        db.session.flush()
        audit.record(actor, "ap_form", form.id, "update", changes, organisation_id=incident.organisation_id)
    return form


# --- the form as the AP asks it ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    key: str
    label: str
    #: the answer as it is copied into the AP's form ("" when there is none yet)
    answer: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    questions: Sequence[Question]
    #: what the FG still has to fill in before this section of the AP's form is complete
    missing: Sequence[str] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class ApFormView:
    incident: Incident
    sections: Sequence[Section]
    form: BreachApForm | None

    @property
    def complete(self) -> bool:
        return all(section.complete for section in self.sections)

    @property
    def incomplete_sections(self) -> list[Section]:
        return [section for section in self.sections if not section.complete]


def _number(value: int | None) -> str:
    return "" if value is None else f"{value:,}".replace(",", ".")


def _yes_no(value: bool) -> str:
    return _("ja") if value else _("nee")


def _labels(codes: Iterable[str], labels: Mapping[str, Any]) -> str:
    return ", ".join(str(labels.get(code, code)) for code in codes)


def _subjects_range(form: BreachApForm | None) -> str:
    if form is None or (form.subjects_min is None and form.subjects_max is None):
        return ""
    if form.subjects_min == form.subjects_max:
        return _number(form.subjects_min)
    if form.subjects_max is None:
        return _("minimaal %(a)s", a=_number(form.subjects_min))
    if form.subjects_min is None:
        return _("maximaal %(b)s", b=_number(form.subjects_max))
    return _("minimaal %(a)s, maximaal %(b)s", a=_number(form.subjects_min), b=_number(form.subjects_max))


def _subjects_informed(decision: DataSubjectDecision | None) -> str:
    if decision is None:
        return ""
    if decision.notify:
        parts = [_("Ja")]
        if decision.notified_at is not None:
            parts.append(_("op %(t)s", t=format_local(decision.notified_at)))
        if decision.channel:
            parts.append(_("via %(c)s", c=decision.channel))
        text = " ".join(parts) + "."
        if decision.notified_at is None:
            text = _("Ja, de betrokkenen worden geïnformeerd%(via)s (nog niet gedaan).",
                     via=" " + _("via %(c)s", c=decision.channel) if decision.channel else "")
    else:
        ground = catalog.GROUND_LABELS.get(decision.ground) if decision.ground else None
        text = _("Nee") + (f": {ground}." if ground else ".")
    if decision.explanation:
        text += "\n" + decision.explanation
    return text


def _own_severity(form: BreachApForm | None) -> str:
    if form is None or form.own_severity is None:
        return ""
    return str(catalog.OWN_SEVERITY_LABELS[form.own_severity])


def _enisa(assessment: BreachAssessment | None) -> str:
    if assessment is None or assessment.enisa_score is None or assessment.enisa_band is None:
        return ""
    score = f"{assessment.enisa_score.normalize():f}".replace(".", ",")
    return _("%(s)s (%(band)s): advies, de eigen inschatting hierboven is leidend", s=score,
             band=assessment.enisa_band.value)


def ap_form_view(incident: Incident) -> ApFormView:
    """Every question of the AP's meldformulier in its section order, with the answer held on the
    datalek and, per section, what is still missing (a bounded number of queries)."""
    a = assessment_of(incident)
    f = ap_form_of(incident)
    subjects = next(iter(subject_decisions_of(incident)), None)
    initial = next((n for n in notifications_of(incident) if n.kind == NotificationKind.INITIAL), None)
    no_assessment = _("de beoordeling van de FG")

    def text(name: str) -> str:
        return (getattr(f, name) or "") if f is not None else ""

    sections: list[Section] = []

    # 1. about this melding
    kind = (_("Aanvulling op melding %(n)s", n=initial.meldnummer) if initial is not None
            else pgettext("AP-meldformulier", "Nieuwe melding"))
    summary = incident.title + ("\n" + incident.description if incident.description else "")
    sections.append(Section("melding", _("Over deze melding"), [
        Question("kind", _("Soort melding"), kind),
        Question("organisation", _("Organisatie (verwerkingsverantwoordelijke)"), incident.organisation.name),
        Question("reference", _("Eigen kenmerk"), incident.reference),
        Question("summary", _("Samenvatting van het incident"), summary),
    ], [] if incident.description else [_("Omschrijving van het incident")]))

    # 2. contact details and other organisations involved
    missing = [label for name, label in (("contact_name", _("Naam van de contactpersoon")),
                                         ("contact_function", _("Functie van de contactpersoon")),
                                         ("contact_phone", _("Telefoonnummer van de contactpersoon")),
                                         ("contact_email", _("E-mailadres van de contactpersoon")))
               if not text(name)]
    if a is None:
        processor = ""
        missing.append(_("Of een verwerker betrokken is (%(w)s)", w=no_assessment))
    else:
        processor = (_("Ja: %(n)s", n=a.processor_name) if a.processor_involved and a.processor_name
                     else _yes_no(a.processor_involved).capitalize())
    sections.append(Section("contact", _("Contactgegevens en andere betrokken organisaties"), [
        Question("contact_name", _("Naam contactpersoon"), text("contact_name")),
        Question("contact_function", _("Functie contactpersoon"), text("contact_function")),
        Question("contact_phone", _("Telefoonnummer contactpersoon"), text("contact_phone")),
        Question("contact_email", _("E-mailadres contactpersoon"), text("contact_email")),
        Question("processor", _("Is er een verwerker betrokken?"), processor),
        Question("other_organisations", _("Andere betrokken organisaties"),
                 text("other_organisations") or (_("Geen") if f is not None else "")),
    ], missing))

    # 3. timeline
    missing = []
    if incident.occurred_at is None:
        missing.append(_("Begin van het datalek (bij het incident)"))
    if a is None:
        missing.append(_("Moment van bewustwording (%(w)s)", w=no_assessment))
    if not text("discovery"):
        missing.append(_("Hoe het datalek is ontdekt"))
    ongoing = a is not None and a.ongoing
    if f is None or f.ended_at is None:
        end = _("Het datalek is nog gaande") if ongoing else ""
        if not ongoing:
            missing.append(_("Einde van het datalek, of dat het nog gaande is"))
    else:
        end = format_local(f.ended_at)
    sections.append(Section("tijdlijn", _("Tijdlijn"), [
        Question("started_at", _("Begin van het datalek"), format_local(incident.occurred_at)),
        Question("discovered_at", _("Ontdekt op"), format_local(incident.discovered_at)),
        Question("aware_at", _("Bewust geworden op (begin van de termijn van 72 uur)"),
                 format_local(a.aware_at) if a is not None else ""),
        Question("discovery", _("Hoe is het datalek ontdekt?"), text("discovery")),
        Question("ended_at", _("Einde van het datalek"), end),
    ], missing))

    # 4. nature of the breach
    missing = []
    cia = []
    if a is not None:
        cia = [label for flag, label in ((a.nature_confidentiality, _("vertrouwelijkheid")),
                                         (a.nature_integrity, _("integriteit")),
                                         (a.nature_availability, _("beschikbaarheid"))) if flag]
    if not cia:
        missing.append(_("Welk aspect is geschonden: vertrouwelijkheid, integriteit of beschikbaarheid (%(w)s)",
                         w=no_assessment))
    kinds = list(f.breach_kinds) if f is not None else []
    what = _labels([k for k in kinds if k != "anders"], catalog.BREACH_KINDS)
    if "anders" in kinds:
        what = ", ".join(p for p in (what, _("anders: %(t)s", t=text("breach_kind_other"))) if p)
    if not kinds:
        missing.append(_("Wat er met de gegevens is gebeurd (gelezen, gekopieerd, veranderd, …)"))
    sections.append(Section("aard", _("Aard van het datalek"), [
        Question("nature", _("Geschonden"), ", ".join(cia).capitalize()),
        Question("breach_kinds", _("Wat is er met de persoonsgegevens gebeurd?"), what),
    ], missing))

    # 5. the personal data
    missing = []
    if a is None:
        data, special, records = "", "", ""
        missing.append(_("Soorten persoonsgegevens (%(w)s)", w=no_assessment))
    else:
        data = ", ".join(p for p in (_labels(a.data_categories, catalog.DATA_CATEGORIES),
                                     _("burgerservicenummer (BSN)") if a.bsn else "") if p)
        special = ", ".join(p for p in (_labels(a.special_categories, catalog.SPECIAL_CATEGORIES),
                                        _("strafrechtelijke gegevens") if a.criminal_data else "") if p) or _("Geen")
        records = _number(a.records_count)
        if not (a.data_categories or a.special_categories or a.bsn or a.criminal_data):
            missing.append(_("Soorten persoonsgegevens"))
        if a.records_count is None:
            missing.append(_("Aantal records"))
    sections.append(Section("persoonsgegevens", _("Persoonsgegevens"), [
        Question("data_categories", _("Om welke persoonsgegevens gaat het?"), data),
        Question("special_categories", _("Bijzondere of strafrechtelijke persoonsgegevens"), special),
        Question("records_count", _("Aantal records"), records),
    ], missing))

    # 6. the people affected
    missing = []
    groups = _labels(a.subject_categories, catalog.SUBJECT_CATEGORIES) if a is not None else ""
    if not groups:
        missing.append(_("Soorten betrokkenen (%(w)s)", w=no_assessment) if a is None else _("Soorten betrokkenen"))
    if f is None or f.subjects_min is None or f.subjects_max is None:
        missing.append(_("Minimum en maximum aantal betrokkenen"))
    sections.append(Section("betrokkenen", _("Betrokkenen"), [
        Question("subject_categories", _("Om welke groepen mensen gaat het?"), groups),
        Question("subjects_range", _("Aantal betrokkenen"), _subjects_range(f)),
    ], missing))

    # 7. measures in place before the breach
    missing = []
    if a is None:
        missing.append(_("Of de gegevens onbegrijpelijk waren (%(w)s)", w=no_assessment))
    if not text("prior_measures"):
        missing.append(_("Maatregelen die vooraf genomen waren (zoals versleuteling)"))
    sections.append(Section("vooraf", _("Maatregelen vooraf (versleuteling)"), [
        Question("unintelligible", _("Waren de gegevens onbegrijpelijk of ontoegankelijk (bijv. versleuteld)?"),
                 _yes_no(a.unintelligible).capitalize() if a is not None else ""),
        Question("prior_measures", _("Welke maatregelen waren vooraf genomen?"), text("prior_measures")),
    ], missing))

    # 8. consequences and the reporter's own severity estimate
    missing = []
    if a is None or not a.likely_consequences:
        missing.append(_("Waarschijnlijke gevolgen voor de betrokkenen"))
    if f is None or f.own_severity is None:
        missing.append(_("Eigen inschatting van de ernst"))
    if not text("own_severity_explanation"):
        missing.append(_("Toelichting op de eigen inschatting"))
    sections.append(Section("gevolgen", _("Gevolgen en eigen inschatting van de ernst"), [
        Question("likely_consequences", _("Wat zijn de mogelijke gevolgen voor de betrokkenen?"),
                 (a.likely_consequences or "") if a is not None else ""),
        Question("own_severity", _("Hoe ernstig schat u de gevolgen in?"), _own_severity(f)),
        Question("own_severity_explanation", _("Toelichting op uw inschatting"), text("own_severity_explanation")),
        Question("enisa", _("ENISA-ernst (advies)"), _enisa(a)),
    ], missing))

    # 9. follow-up: informing the data subjects, measures, international aspects
    missing = []
    if subjects is None:
        missing.append(_("Besluit over het informeren van betrokkenen (art. 34)"))
    if a is None or not a.measures_taken:
        missing.append(_("Genomen maatregelen"))
    cross = a is not None and a.cross_border
    if a is None:
        missing.append(_("Of het datalek grensoverschrijdend is (%(w)s)", w=no_assessment))
    elif cross and not text("other_authorities"):
        missing.append(_("Andere toezichthouders (het datalek is grensoverschrijdend)"))
    sections.append(Section("vervolg", _("Vervolgacties"), [
        Question("subjects_informed", _("Heeft u de betrokkenen geïnformeerd (wanneer, hoe, of waarom niet)?"),
                 _subjects_informed(subjects)),
        Question("subjects_message", _("Tekst van het bericht aan de betrokkenen"), text("subjects_message")),
        Question("measures_taken", _("Welke maatregelen heeft u genomen?"),
                 (a.measures_taken or "") if a is not None else ""),
        Question("measures_planned", _("Welke maatregelen gaat u nog nemen?"), text("measures_planned")),
        Question("cross_border", _("Gaat het om betrokkenen in andere EU-landen (grensoverschrijdend)?"),
                 _yes_no(cross).capitalize() if a is not None else ""),
        Question("other_authorities", _("Andere toezichthouders die de melding (ook) krijgen"),
                 text("other_authorities")),
    ], missing))

    # 10. other
    sections.append(Section("overig", _("Overig"), [
        Question("other_information", _("Overige informatie"), text("other_information")),
    ]))
    return ApFormView(incident, sections, f)


# --- correspondence with the AP ---------------------------------------------------------------------------

def correspondence_of(incident: Incident) -> list[ApCorrespondence]:
    """Oldest first."""
    return list(db.session.scalars(select(ApCorrespondence).where(ApCorrespondence.incident_id == incident.id)
                                   .order_by(ApCorrespondence.occurred_at, ApCorrespondence.id)))


def closure_of(items: Iterable[ApCorrespondence]) -> ApCorrespondence | None:
    return next((c for c in items if c.kind == CorrespondenceKind.DOSSIER_GESLOTEN), None)


def record_correspondence(actor: User, incident: Incident, kind: Any, occurred_at: Any, text: str | None,
                          ap_reference: str | None = None, attachments: Sequence[Attachment] = (),
                          *, now: dt.datetime | None = None) -> ApCorrespondence:
    """A question from the AP, an answer to it, a document exchanged, or the AP closing its file
    (with its reference and date). Only after the initial AP-melding; attachments of this incident."""
    now = now or utcnow()
    _require_datalek(incident)
    errors = Errors()
    try:
        kind = CorrespondenceKind(kind)
    except ValueError:
        errors.add("kind", _("Kies vraag van de AP, antwoord aan de AP, document uitgewisseld of AP sluit dossier."))
        kind = None
    body = errors.text("text", text, max_length=MAX_TEXT)
    reference = errors.text("ap_reference", ap_reference, max_length=100, single_line=True)
    initial = next((n for n in notifications_of(incident) if n.kind == NotificationKind.INITIAL), None)
    if initial is None:
        raise ValidationFailed(_("Er is nog geen melding aan de AP vastgelegd: correspondentie met de AP volgt op "
                                 "de melding. Leg eerst de melding met het meldnummer vast."), field="kind")
    closing = kind == CorrespondenceKind.DOSSIER_GESLOTEN
    if not isinstance(occurred_at, dt.datetime) or occurred_at.tzinfo is None:
        errors.add("occurred_at", _("Vul in op welke datum de AP het dossier sloot.") if closing
                   else _("Vul de datum in."))
    else:
        occurred_at = occurred_at.astimezone(dt.UTC)
        if occurred_at > now + CLOCK_SKEW:
            errors.add("occurred_at", _("Deze datum ligt in de toekomst."))
        elif occurred_at < initial.submitted_at - dt.timedelta(days=1):
            errors.add("occurred_at", _("Deze datum ligt vóór de melding aan de AP (%(t)s).",
                                        t=format_local(initial.submitted_at)))
    if closing:
        if not reference:
            errors.add("ap_reference", _("Vul het kenmerk van de AP in: het staat in de brief waarmee de AP het "
                                         "dossier sluit."))
        earlier = closure_of(correspondence_of(incident))
        if earlier is not None:
            errors.add("kind", _("De AP heeft het dossier al gesloten op %(t)s (kenmerk %(r)s).",
                                 t=format_local(earlier.occurred_at), r=earlier.ap_reference or "—"))
    elif kind is not None and not body and not attachments:
        errors.add("text", _("Beschrijf de vraag, het antwoord of het document, of voeg een bijlage toe."))
    for attachment in attachments:
        if attachment.incident_id != incident.id or attachment.removed:
            errors.add("attachments", _("Bijlage %(id)s hoort niet (meer) bij dit incident.", id=attachment.id))
    errors.raise_if_any()
    item = ApCorrespondence(incident_id=incident.id, kind=kind, occurred_at=occurred_at, text=body,
                            ap_reference=reference, author_id=actor.id, recorded_at=now,
                            attachments=list(attachments))
    db.session.add(item)
    db.session.flush()
    refresh_ap_state(incident)
    audit.record(actor, "ap_correspondence", item.id, "create",
                 audit.created({"incident": incident.reference, "kind": kind, "occurred_at": occurred_at,
                                "text": body, "ap_reference": reference,
                                "attachments": [a.filename for a in attachments]}),
                 organisation_id=incident.organisation_id)
    return item


def attachments_by_id(incident: Incident, ids: Iterable[int]) -> list[Attachment]:
    """The incident's attachments with these ids; an id that is not one of them: 422 naming it."""
    wanted = list(dict.fromkeys(ids))
    found = {a.id: a for a in db.session.scalars(
        select(Attachment).where(Attachment.incident_id == incident.id, Attachment.id.in_(wanted)))} if wanted else {}
    unknown = [i for i in wanted if i not in found or found[i].removed]
    if unknown:
        raise ValidationFailed(_("Geen bijlage van dit incident: %(ids)s.", ids=", ".join(map(str, unknown))),
                               field="attachment_ids")
    return [found[i] for i in wanted]


def _open_at_ap(at: dt.datetime | None) -> list[Any]:
    """The conditions of a datalek whose file is open at the AP (at ``at``; now when None): its
    initial melding made, the AP not (yet) closed it."""
    notified = select(ApNotification.id).where(ApNotification.incident_id == Incident.id,
                                               ApNotification.kind == NotificationKind.INITIAL)
    closed = select(ApCorrespondence.id).where(ApCorrespondence.incident_id == Incident.id,
                                               ApCorrespondence.kind == CorrespondenceKind.DOSSIER_GESLOTEN)
    if at is not None:
        notified = notified.where(ApNotification.submitted_at < at)
        closed = closed.where(ApCorrespondence.occurred_at < at)
    return [Incident.is_datalek.is_(True), notified.exists(), ~closed.exists()]


def count_open_at_ap(user: Principal, at: dt.datetime | None = None) -> int:
    """How many datalekken of the user's organisations have a file open at the AP (one query).

    Now (``at`` None) reads the derived flag through its partial index; a moment in the past asks
    the meldingen and the correspondence themselves.
    """
    scope = organisation_scope(user, Permission.BREACH_READ, Incident.organisation_id)
    # bare booleans, not IS TRUE: PostgreSQL proves the partial index's predicate only from these
    conditions = _open_at_ap(at) if at is not None else [Incident.ap_file_open, Incident.is_datalek]
    return db.session.scalar(select(func.count()).select_from(Incident).where(scope, *conditions)) or 0


def count_open_at_ap_in(organisation_ids: Sequence[int], at: dt.datetime | None = None) -> int:
    """The same for these organisations (the reports' scope)."""
    return db.session.scalar(select(func.count()).select_from(Incident).where(
        and_(Incident.organisation_id.in_(organisation_ids), *_open_at_ap(at)))) or 0


def file_open_at_ap(incident: Incident, items: Iterable[ApCorrespondence] | None = None) -> bool:
    """Whether this datalek's file is open at the AP: melded, and not closed by the AP."""
    notified = any(n.kind == NotificationKind.INITIAL for n in notifications_of(incident))
    return notified and closure_of(items if items is not None else correspondence_of(incident)) is None


def stored_answers(form: BreachApForm | None) -> dict[str, Any]:
    """The AP form's own answers as the API takes them (its PUT body)."""
    if form is None:
        return {name: None for name in FIELDS} | {"breach_kinds": []}
    out = _snapshot(form)
    out["own_severity"] = form.own_severity.value if form.own_severity is not None else None
    out["ended_at"] = form.ended_at.isoformat() if form.ended_at is not None else None
    return out
