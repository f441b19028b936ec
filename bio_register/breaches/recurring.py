"""Templates for recurring datalekken (issue 20, item 7).

A template holds what is the same each time a datalek of its kind happens in one organisation (a
letter to the wrong address, again): the incident's category and severity, a title and description to
start from, the categories of data and data subjects, the verwerkingen it affects, the legal context,
the usual consequences and measures. An FG or verbindingsofficier saves a datalek as a template and
logs the next one from it: the incident and its assessment are created prefilled, and the incident
remembers its template (``incidents.breach_template_id``), so the register marks it. A template is
archived, never deleted: the datalekken made from it keep their mark. No Flask; never commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.breaches import affected
from bio_register.breaches import services as breaches
from bio_register.breaches.models import BreachTemplate
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Category, Incident, Severity
from bio_register.organisations.models import Organisation
from bio_register.paging import Page
from bio_register.permissions import Permission, Principal, organisation_scope
from bio_register.validation import Errors

MAX_TEXT = breaches.MAX_TEXT
LIST_FIELDS = ("data_categories", "special_categories", "subject_categories", "legal_bases", "art9_grounds")
FLAG_FIELDS = ("bsn", "criminal_data", "nature_confidentiality", "nature_integrity", "nature_availability",
               "processor_involved")
TEXT_FIELDS = ("description", "likely_consequences", "measures_taken")
#: what a template holds (the API's fields; ``processing_activity_ids`` the linked verwerkingen)
TEMPLATE_FIELDS = ("name", "title", "category", "severity", *TEXT_FIELDS, *LIST_FIELDS, *FLAG_FIELDS,
                   "processor_name", "processing_activity_ids")
#: the fields of the datalek logged from a template that the reporter gives each time
INCIDENT_FIELDS = ("title", "description", "occurred_at", "discovered_at", "reporter", "severity")


def _snapshot(template: BreachTemplate) -> dict[str, Any]:
    out = {name: getattr(template, name) for name in TEMPLATE_FIELDS if name != "processing_activity_ids"}
    out["processing_activities"] = [a.name for a in template.activities]
    return out


def _enum(errors: Errors, name: str, value: Any, cls: Any, message: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return str(cls(value).value)
    except ValueError:
        errors.add(name, message)
        return None


def _clean(organisation_id: int, data: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """Every field of a template checked (all problems at once), and its verwerkingen."""
    errors = Errors()
    for name in sorted(set(data) - set(TEMPLATE_FIELDS)):
        errors.add(name, _("Onbekend veld."))
    out: dict[str, Any] = {
        "name": errors.text("name", data.get("name"), max_length=200, required=True, single_line=True),
        "title": errors.text("title", data.get("title"), max_length=200, single_line=True),
        "processor_name": errors.text("processor_name", data.get("processor_name"), max_length=200,
                                      single_line=True),
        "category": _enum(errors, "category", data.get("category"), Category, _("Onbekende categorie.")),
        "severity": _enum(errors, "severity", data.get("severity"), Severity,
                          _("Kies laag, midden, hoog of kritiek.")),
    }
    for name in TEXT_FIELDS:
        out[name] = errors.text(name, data.get(name), max_length=MAX_TEXT)
    allowed = dict(breaches.CHOICE_FIELDS)
    for name in LIST_FIELDS:
        out[name] = breaches.check_choices(errors, name, data.get(name), allowed[name])
    for name in FLAG_FIELDS:
        out[name] = breaches.check_flag(errors, name, data.get(name, False))
    activities: list[Any] = []
    try:
        activities = affected.resolve(organisation_id, data.get("processing_activity_ids"))
    except ValidationFailed as error:
        errors.add(affected.FIELD, error.message)
    errors.raise_if_any()  # an unknown verwerking (NotFound, 404) only once the rest is valid
    return out, activities


def create_template(actor: User | None, organisation: Organisation, data: Mapping[str, Any], *,
                    now: dt.datetime | None = None, actor_label: str | None = None) -> BreachTemplate:
    """A new template of the organisation (audited as ``breach_template``)."""
    now = now or utcnow()
    values, activities = _clean(organisation.id, data)
    template = BreachTemplate(organisation=organisation, created_by_id=actor.id if actor else None,
                              created_at=now, updated_at=now, activities=activities, **values)
    db.session.add(template)
    db.session.flush()
    audit.record(actor, "breach_template", template.id, "create", audit.created(_snapshot(template)),
                 organisation_id=organisation.id, actor_label=actor_label)
    return template


def values_of_datalek(incident: Incident) -> dict[str, Any]:
    """What a template made from this datalek holds: the incident's kind and texts, the assessment's
    categories, legal context and measures, the linked verwerkingen."""
    assessment = breaches.assessment_of(incident)
    out: dict[str, Any] = {
        "title": incident.title, "description": incident.description,
        "category": incident.category.value if incident.category else None,
        "severity": incident.severity.value if incident.severity else None,
        "processing_activity_ids": [a.id for a in affected.linked(incident)],
    }
    if assessment is not None:
        for name in (*LIST_FIELDS, *FLAG_FIELDS, "processor_name", "likely_consequences", "measures_taken"):
            out[name] = getattr(assessment, name)
    else:
        out.update(nature_confidentiality=incident.impact_confidentiality,
                   nature_integrity=incident.impact_integrity, nature_availability=incident.impact_availability)
    return out


def template_from_datalek(actor: User | None, incident: Incident, name: Any, *,
                          now: dt.datetime | None = None) -> BreachTemplate:
    """Save a datalek as a template of its organisation, under ``name``."""
    if not incident.is_datalek:
        raise ValidationFailed(_("Dit incident is niet als datalek gemarkeerd."), field="is_datalek")
    return create_template(actor, incident.organisation, {**values_of_datalek(incident), "name": name}, now=now)


def archive_template(actor: User | None, template: BreachTemplate, *, now: dt.datetime | None = None) -> None:
    """Take a template out of use; the datalekken made from it keep their mark."""
    if template.archived_at is not None:
        return
    template.archived_at = template.updated_at = now or utcnow()
    db.session.flush()
    audit.record(actor, "breach_template", template.id, "archive",
                 audit.diff({"archived_at": None}, {"archived_at": template.archived_at}),
                 organisation_id=template.organisation_id)


def log_from_template(actor: User, template: BreachTemplate, data: Mapping[str, Any], *,
                      now: dt.datetime | None = None) -> Incident:
    """Log a datalek from a template: the incident (its title and description given or the
    template's, discovered now unless said otherwise), its assessment prefilled with the template's
    values (aware at the discovery), its verwerkingen linked; every step audited."""
    now = now or utcnow()
    if template.archived_at is not None:
        raise ValidationFailed(_("Dit sjabloon is gearchiveerd."), field="template")
    unknown = sorted(set(data) - set(INCIDENT_FIELDS))
    if unknown:
        raise ValidationFailed.collect({name: [_("Onbekend veld.")] for name in unknown})

    def given(name: str) -> Any:
        value = data.get(name)
        return value if value not in (None, "") else None

    incident_data: dict[str, Any] = {
        "title": given("title") or template.title or template.name,
        "description": given("description") or template.description or "",
        "discovered_at": given("discovered_at") or now,
        "occurred_at": given("occurred_at"),
        "category": template.category,
        "severity": given("severity") or template.severity,
        "impact_confidentiality": template.nature_confidentiality,
        "impact_integrity": template.nature_integrity,
        "impact_availability": template.nature_availability,
        "is_datalek": True,
    }
    if given("reporter"):
        incident_data["reporter"] = data["reporter"]
    incident = incidents.create_incident(actor, template.organisation, incident_data, now=now)
    incident.breach_template_id = template.id
    db.session.flush()
    audit.record(actor, "incident", incident.id, "from_template",
                 {"breach_template": {"before": None, "after": template.name}},
                 organisation_id=incident.organisation_id)
    affected.set_links(actor, incident, [a.id for a in template.activities])
    assessment: dict[str, Any] = {"aware_at": incident.discovered_at}
    for name in (*LIST_FIELDS, *FLAG_FIELDS, "processor_name", "likely_consequences", "measures_taken"):
        assessment[name] = getattr(template, name)
    breaches.save_assessment(actor, incident, assessment, now=now)
    return incident


# --- reading -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TemplateRow:
    """A template as the list shows it: how often it was used, and when last."""

    template: BreachTemplate
    used: int
    last_used: dt.datetime | None


def _scoped(user: Principal | None, organisation: str | None, archived: bool) -> list[Any]:
    where = [organisation_scope(user, Permission.BREACH_READ, BreachTemplate.organisation_id)]
    if organisation:
        where.append(BreachTemplate.organisation_id == select(Organisation.id).where(
            Organisation.code == organisation.upper()).scalar_subquery())
    if not archived:
        where.append(BreachTemplate.archived_at.is_(None))
    return where


def list_templates(user: Principal | None, organisation: str | None = None, *, archived: bool = False,
                   page: int = 1, per_page: int = 50) -> Page[TemplateRow]:
    """The templates the user may read (of one organisation, by code), by organisation and name,
    with their use: four queries whatever the number of templates."""
    where = _scoped(user, organisation, archived)
    total = db.session.scalar(select(func.count()).select_from(BreachTemplate).where(*where)) or 0
    page = min(max(1, page), max(1, -(-total // per_page)))
    templates = list(db.session.scalars(
        select(BreachTemplate).join(BreachTemplate.organisation).where(*where)
        .options(selectinload(BreachTemplate.activities))
        .order_by(Organisation.code, BreachTemplate.name, BreachTemplate.id)
        .limit(per_page).offset((page - 1) * per_page)))
    ids = [t.id for t in templates]
    usage: dict[int, tuple[int, dt.datetime | None]] = {}
    if ids:
        for template_id, used, last in db.session.execute(
                select(Incident.breach_template_id, func.count(), func.max(Incident.discovered_at))
                .where(Incident.breach_template_id.in_(ids)).group_by(Incident.breach_template_id)):
            if template_id is not None:
                usage[template_id] = (used, last)
    rows = [TemplateRow(t, *usage.get(t.id, (0, None))) for t in templates]
    return Page(rows, page, per_page, total)


def names_of(template_ids: set[int]) -> dict[int, str]:
    """The names of these templates (one query; for marks in the register)."""
    if not template_ids:
        return {}
    return {row.id: row.name for row in db.session.execute(
        select(BreachTemplate.id, BreachTemplate.name).where(BreachTemplate.id.in_(sorted(template_ids))))}
