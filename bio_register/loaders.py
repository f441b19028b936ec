"""How routes find the objects they act on: one :class:`~bio_register.pipeline.Loader` per kind of
object, shared by the HTML views and the API. A loader fetches without any scope check; the
pipeline then applies the rule (cannot read → 404, may not act → 403) in the object's organisation.
"""

from __future__ import annotations

from typing import NamedTuple

from bio_register.accounts import services as accounts
from bio_register.accounts.models import ApiToken, User
from bio_register.attachments.models import Attachment, EvidenceItem
from bio_register.breaches.models import BreachTemplate
from bio_register.compliance import services as compliance
from bio_register.compliance.models import Control, ControlCatalog
from bio_register.errors import NotFound
from bio_register.extensions import db
from bio_register.findings.models import Finding
from bio_register.imports import services as imports
from bio_register.imports.models import PendingImport
from bio_register.incident_reports import services as incident_reports
from bio_register.incident_reports.models import IncidentReport
from bio_register.incidents.models import Incident
from bio_register.measures.models import Measure
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, find_organisation
from bio_register.pipeline import Loader, actor, principal
from bio_register.processing import importing as processing_import
from bio_register.processing.models import ProcessingActivity, Processor
from bio_register.reporting.models import Report
from bio_register.webhooks import services as webhooks
from bio_register.webhooks.models import WebhookEndpoint


def _incident(incident_id: int) -> Incident | None:
    return db.session.get(Incident, incident_id)


def _datalek(incident_id: int) -> Incident | None:
    incident = db.session.get(Incident, incident_id)
    return incident if incident is not None and incident.is_datalek else None


def _measure(measure_id: int) -> Measure | None:
    return db.session.get(Measure, measure_id)


def _organisation_id(organisation: Organisation) -> int:
    return organisation.id


#: an incident, for those who read incidents in its organisation
INCIDENT = Loader("incident", Permission.INCIDENT_READ, _incident)
#: an incident that is a datalek (any other answers 404), for those who read datalekken
DATALEK = Loader("incident", Permission.BREACH_READ, _datalek)
#: a maatregel
MEASURE = Loader("measure", Permission.MEASURE_READ, _measure)


def _finding(finding_id: int) -> Finding | None:
    return db.session.get(Finding, finding_id)


#: a finding (bevinding), for those who read findings in its organisation
FINDING = Loader("finding", Permission.FINDING_READ, _finding)


def _activity(activity_id: int) -> ProcessingActivity | None:
    return db.session.get(ProcessingActivity, activity_id)


def _processor(processor_id: int) -> Processor | None:
    return db.session.get(Processor, processor_id)


def _api_activity(code: str, activity_id: int) -> ProcessingActivity | None:
    found = db.session.get(ProcessingActivity, activity_id)
    return found if found is not None and found.organisation.code == code.upper() else None


def _api_processor(code: str, processor_id: int) -> Processor | None:
    found = db.session.get(Processor, processor_id)
    return found if found is not None and found.organisation.code == code.upper() else None


#: a verwerking of the verwerkingsregister
PROCESSING_ACTIVITY = Loader("activity", Permission.PROCESSING_READ, _activity)
#: a verwerker
PROCESSOR = Loader("processor", Permission.PROCESSING_READ, _processor)
#: the same under the API's path (``/organisations/<code>/…/<id>``; another organisation's: 404)
API_PROCESSING_ACTIVITY = Loader("activity", Permission.PROCESSING_READ, _api_activity)
API_PROCESSOR = Loader("processor", Permission.PROCESSING_READ, _api_processor)


def _breach_template(template_id: int) -> BreachTemplate | None:
    return db.session.get(BreachTemplate, template_id)


def _api_breach_template(code: str, template_id: int) -> BreachTemplate | None:
    found = db.session.get(BreachTemplate, template_id)
    return found if found is not None and found.organisation.code == code.upper() else None


#: a template for recurring datalekken, for those who read datalekken in its organisation
BREACH_TEMPLATE = Loader("template", Permission.BREACH_READ, _breach_template)
#: the same under the API's path (``/organisations/<code>/breach-templates/<id>``; another organisation's: 404)
API_BREACH_TEMPLATE = Loader("template", Permission.BREACH_READ, _api_breach_template)


def organisation(read: Permission) -> Loader:
    """The organisation named by ``code`` in the URL, for those holding ``read`` in it."""
    return Loader("organisation", read, find_organisation, organisation=_organisation_id)


# --- accounts: objects that belong to a user, not to an organisation -------------------------------
# The fetch itself decides who may see the object (the owner; a manager of users), so the object
# has no organisation for the pipeline to check: ``organisation`` gives None and ``read`` is unused.


def _no_organisation(_obj: object) -> int | None:
    return None


def _own_api_token(token_id: int) -> ApiToken | None:
    return accounts.find_own_token(actor(), token_id)


def _managed_user(user_id: int) -> User | None:
    return accounts.find_managed_user(principal(), user_id)


def _own_incident_report(report_id: int) -> IncidentReport | None:
    return incident_reports.find_own(actor().id, report_id)


#: a report the caller made at the reporting point (anyone else's answers 404, as if absent); the
#: reporter follows it wherever they report, so it has no organisation to check
OWN_INCIDENT_REPORT = Loader("report", None, _own_incident_report, organisation=_no_organisation)
#: one of the signed-in user's own API tokens (anyone else's answers 404), for ``@signed_in_with``
OWN_API_TOKEN = Loader("token", None, _own_api_token, organisation=_no_organisation)
#: a user holding a role where the caller manages users (anyone else answers 404, as if absent)
MANAGED_USER = Loader("user", Permission.USER_MANAGE, _managed_user,
                      organisation=_no_organisation)
# --- compliance: an organisation's catalog, and a control of it ----------------------------------------

class OrganisationCatalog(NamedTuple):
    """An organisation and a catalog it is assessed against (``/compliance/<code>/<key>``)."""

    organisation: Organisation
    catalog: ControlCatalog


class OrganisationControl(NamedTuple):
    """An organisation and one control of a catalog (``/compliance/<code>/<key>/<control_code>``)."""

    organisation: Organisation
    catalog: ControlCatalog
    control: Control


def _organisation_catalog(code: str, key: str) -> OrganisationCatalog | None:
    found = find_organisation(code)
    catalog = compliance.get_catalog(key) if found is not None else None
    return OrganisationCatalog(found, catalog) if found is not None and catalog is not None else None


def _organisation_control(code: str, key: str, control_code: str) -> OrganisationControl | None:
    scope = _organisation_catalog(code, key)
    control = compliance.find_control(scope.catalog, control_code) if scope is not None else None
    return OrganisationControl(*scope, control) if scope is not None and control is not None else None


def _scope_organisation_id(scope: OrganisationCatalog | OrganisationControl) -> int:
    return scope.organisation.id


#: an organisation's catalog (unknown catalog → 404), for those who read compliance in the organisation
ORGANISATION_CATALOG = Loader("scope", Permission.COMPLIANCE_READ, _organisation_catalog,
                              organisation=_scope_organisation_id)
#: a control of an organisation's catalog (unknown catalog or control → 404), likewise
ORGANISATION_CONTROL = Loader("scope", Permission.COMPLIANCE_READ, _organisation_control,
                              organisation=_scope_organisation_id)


# --- reporting, attachments, imports -------------------------------------------------------------------

#: the organisation of an object that belongs to no single organisation (a report for Duo+ as a
#: whole): no membership is held in it, so only a permission held in *every* organisation (concern
#: control, the functioneel beheerder) reaches it — anyone else cannot read it (404)
EVERY_ORGANISATION = 0


def _report(report_id: int) -> Report | None:
    return db.session.get(Report, report_id)


def _report_organisation(report: Report) -> int:
    return report.organisation_id if report.organisation_id is not None else EVERY_ORGANISATION


#: a report of the archive: one organisation's for those who read reports there, one for Duo+ as
#: a whole only for those who read reports in every organisation
REPORT = Loader("report", Permission.REPORT_READ, _report, organisation=_report_organisation)


def _incident_attachment(incident_id: int, attachment_id: int) -> Attachment | None:
    attachment = db.session.get(Attachment, attachment_id)
    return attachment if attachment is not None and attachment.incident_id == incident_id else None


#: an attachment of the incident in the URL (of another incident: 404), for those who read the incident
INCIDENT_ATTACHMENT = Loader("attachment", Permission.INCIDENT_READ, _incident_attachment)


def _control_attachment(code: str, key: str, control_code: str, attachment_id: int) -> Attachment | None:
    attachment = db.session.get(Attachment, attachment_id)
    control = attachment.control if attachment is not None else None
    if (attachment is None or control is None or attachment.organisation.code != code.upper()
            or control.catalog.key != key or control.code != control_code.strip()):
        return None
    return attachment


def _api_organisation_control(code: str, catalog: str, control: str) -> OrganisationControl:
    """``ORGANISATION_CONTROL`` under the API's path names; an unknown catalog or control says
    which (the catalogs are public)."""
    found = compliance.get_catalog(catalog)
    if found is None:
        raise NotFound(f"Onbekende catalogus: {catalog[:40]}")
    item = compliance.find_control(found, control)
    if item is None:
        raise NotFound("Onbekend nummer in deze catalogus.")
    organisation = find_organisation(code)
    if organisation is None:
        raise NotFound()
    return OrganisationControl(organisation, found, item)


def _api_control_attachment(code: str, catalog: str, control: str, attachment_id: int) -> Attachment | None:
    return _control_attachment(code, catalog, control, attachment_id)


#: a control of an organisation's catalog under the API's path names
#: (``/organisations/<code>/assessments/<catalog>/<control>``)
API_ORGANISATION_CONTROL = Loader("scope", Permission.COMPLIANCE_READ, _api_organisation_control,
                                  organisation=_scope_organisation_id)
#: evidence on an organisation's control (of another organisation or control: 404)
CONTROL_ATTACHMENT = Loader("attachment", Permission.COMPLIANCE_READ, _control_attachment)
#: the same under the API's path names
API_CONTROL_ATTACHMENT = Loader("attachment", Permission.COMPLIANCE_READ, _api_control_attachment)


def _control_evidence(code: str, key: str, control_code: str, item_id: int) -> EvidenceItem | None:
    item = db.session.get(EvidenceItem, item_id)
    if (item is None or item.retired_at is not None or item.organisation.code != code.upper()
            or item.control.catalog.key != key or item.control.code != control_code.strip()):
        return None
    return item


def _api_control_evidence(code: str, catalog: str, control: str, evidence_id: int) -> EvidenceItem | None:
    return _control_evidence(code, catalog, control, evidence_id)


#: a piece of evidence (a file or a link) in force on an organisation's control, with its life
#: (of another organisation or control, or no longer in force: 404)
CONTROL_EVIDENCE = Loader("item", Permission.COMPLIANCE_READ, _control_evidence)
#: the same under the API's path names
API_CONTROL_EVIDENCE = Loader("item", Permission.COMPLIANCE_READ, _api_control_evidence)


def _own_pending_import(pending_id: int) -> PendingImport | None:
    return imports.find_pending(actor().id, pending_id)


#: an uploaded register waiting between the steps of an import: the uploader's own, while it lasts
#: (anyone else's, or an expired one: 404); read = incident:write, as only writers import
PENDING_IMPORT = Loader("pending", Permission.INCIDENT_WRITE, _own_pending_import)


def _own_pending_processing_import(pending_id: int) -> PendingImport | None:
    return processing_import.find_pending(actor().id, pending_id)


#: an uploaded verwerkingsregister waiting between the steps of its import: the uploader's own, while
#: it lasts (anyone else's, an incident register's upload, or an expired one: 404); read = processing:write
PENDING_PROCESSING_IMPORT = Loader("pending", Permission.PROCESSING_WRITE, _own_pending_processing_import)


# --- outgoing webhooks: the organisation's administration -------------------------------------------

def _webhook(code: str, webhook_id: int) -> WebhookEndpoint | None:
    return webhooks.find_endpoint(code, webhook_id)


#: a webhook endpoint under its organisation's path (``…/<code>/webhooks/<id>``, pages and API;
#: another organisation's: 404); those who read the organisation get 403, those who manage it act
WEBHOOK = Loader("endpoint", Permission.ORGANISATION_READ, _webhook)
