from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from bio_register.api.base import page_schema, problem_doc
from bio_register.breaches import affected, apform, cbw, recurring, services
from bio_register.breaches.models import (
    ApCorrespondence,
    ApDecision,
    ApNotification,
    BreachTemplate,
    CbwIbdCopy,
    CbwReport,
    CbwSignificance,
    DataSubjectDecision,
)
from bio_register.breaches.schemas import (
    ApCorrespondenceIn,
    ApCorrespondenceListOut,
    ApCorrespondenceOut,
    ApFormIn,
    ApFormOut,
    ApFormPatch,
    ApNotificationIn,
    ApNotificationOut,
    AssessmentIn,
    AssessmentOut,
    CbwContentIn,
    CbwOut,
    CbwReportIn,
    CbwReportOut,
    DecisionIn,
    DecisionOut,
    FromTemplateIn,
    IbdCopyIn,
    IbdCopyOut,
    ProposalOut,
    SignificanceIn,
    SignificanceOut,
    SubjectDecisionIn,
    SubjectDecisionOut,
    TemplateIn,
    TemplateListArgs,
    TemplateOut,
    TemplateRowOut,
    content_of,
)
from bio_register.errors import NotFound
from bio_register.i18n import gettext as _
from bio_register.incidents.models import Incident
from bio_register.incidents.schemas import IncidentOut
from bio_register.loaders import API_BREACH_TEMPLATE, DATALEK, INCIDENT
from bio_register.loaders import organisation as organisation_loader
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission
from bio_register.pipeline import api_blueprint, api_caller, api_user, requires

blp = api_blueprint("breaches_api", __name__, "/incidents",
                    "Datalekken: beoordeling, AP-besluit en -meldingen, betrokkenen (art. 34), Cbw-meldingen.")

#: the assessment's enum fields, given by their value
_ENUM_FIELDS = ("enisa_ei", "enisa_cb_confidentiality", "enisa_cb_integrity", "enisa_cb_availability", "enisa_band")


def _assessment_out(incident: Incident) -> dict[str, Any]:
    assessment = services.assessment_of(incident)
    if assessment is None:
        raise NotFound(_("Dit datalek is nog niet beoordeeld."))
    row = services.overview_for([incident])[0]  # the AP clock as the overview and the page show it
    out = {name: getattr(assessment, name) for name in AssessmentOut._declared_fields if hasattr(assessment, name)}
    for name in _ENUM_FIELDS:
        value = getattr(assessment, name)
        out[name] = value.value if value is not None else None
    out.update(ap_deadline=row.deadline, hours_left=round(row.hours_left, 2), state=row.state,
               processing_activity_ids=[a.id for a in affected.linked(incident)])
    return out


@blp.route("/<int:incident_id>/breach")
@blp.response(200, AssessmentOut)
@requires(Permission.BREACH_READ, load=DATALEK)
def get_breach(incident: Incident) -> dict[str, Any]:
    """The FG's assessment, the AP deadline (aware_at + 72 h), hours left and the state."""
    return _assessment_out(incident)


@blp.route("/<int:incident_id>/breach", methods=["PUT"])
@blp.arguments(AssessmentIn)
@blp.response(200, AssessmentOut)
@blp.alt_response(403, **problem_doc("Only the organisation's FG assesses a datalek"))
@blp.alt_response(409, **problem_doc("Someone else saved the assessment in between: read it again"))
@requires(Permission.BREACH_ASSESS, load=DATALEK)
def put_breach(data: dict[str, Any], incident: Incident) -> dict[str, Any]:
    """Create or replace the assessment (the FG of the organisation only). With
    ``processing_activity_ids`` the datalek is linked to exactly those verwerkingen of its own
    organisation (an unknown one, or another organisation's: 404 naming the field; nothing saved)."""
    version = data.pop("version", None)
    activity_ids = data.pop("processing_activity_ids", None)
    if activity_ids is not None:
        affected.set_links(api_user(), incident, activity_ids)
    services.save_assessment(api_user(), incident, data, version)
    return _assessment_out(incident)


@blp.route("/<int:incident_id>/breach/proposal")
@blp.response(200, ProposalOut)
@requires(Permission.BREACH_READ, load=DATALEK)
def get_proposal(incident: Incident) -> dict[str, Any]:
    """What the linked verwerkingen propose for the assessment: the union of their categories of data
    subjects and personal data, special categories, BSN, their verwerkers and legal context; ``adds``
    is what taking it over would add to the assessment as it is (nothing filled in is replaced)."""
    proposal = affected.proposal_for(incident)
    return {**proposal.values(), "activities": proposal.activities, "processors": proposal.processors,
            "processing_activity_ids": proposal.processing_activity_ids,
            "adds": proposal.adds_to(services.assessment_of(incident))}


@blp.route("/<int:incident_id>/ap-decisions")
@blp.response(200, DecisionOut(many=True))
@requires(Permission.BREACH_READ, load=DATALEK)
def list_decisions(incident: Incident) -> list[services.Ruling[ApDecision]]:
    """Newest first; the first is in force, the others were superseded."""
    return services.ap_rulings(incident)


@blp.route("/<int:incident_id>/ap-decisions", methods=["POST"])
@blp.arguments(DecisionIn)
@blp.response(201, DecisionOut)
@blp.alt_response(403, **problem_doc("Only the organisation's FG decides"))
@requires(Permission.BREACH_DECIDE, load=DATALEK)
def create_decision(data: dict[str, Any], incident: Incident) -> services.Ruling[ApDecision]:
    """A new decision supersedes the one in force. The motivation needs a few words (at least 10
    characters), also for a decision not to notify (art. 33(5)): else 422."""
    return services.taken(services.decide(api_user(), incident, data["notify"], data["motivation"]))


@blp.route("/<int:incident_id>/ap-notifications")
@blp.response(200, ApNotificationOut(many=True))
@requires(Permission.BREACH_READ, load=DATALEK)
def list_notifications(incident: Incident) -> list[ApNotification]:
    return services.notifications_of(incident)


@blp.route("/<int:incident_id>/ap-notifications", methods=["POST"])
@blp.arguments(ApNotificationIn)
@blp.response(201, ApNotificationOut)
@blp.alt_response(403, **problem_doc("Only the organisation's FG records AP notifications"))
@requires(Permission.BREACH_DECIDE, load=DATALEK)
def create_notification(data: dict[str, Any], incident: Incident) -> ApNotification:
    return services.record_notification(api_user(), incident, data["kind"], data["submitted_at"],
                                        data["meldnummer"], data.get("late_reason"))


@blp.route("/<int:incident_id>/data-subject-notification")
@blp.response(200, SubjectDecisionOut(many=True))
@requires(Permission.BREACH_READ, load=DATALEK)
def list_subject_decisions(incident: Incident) -> list[services.Ruling[DataSubjectDecision]]:
    """Newest first; the first is in force."""
    return services.subject_rulings(incident)


@blp.route("/<int:incident_id>/data-subject-notification", methods=["POST"])
@blp.arguments(SubjectDecisionIn)
@blp.response(201, SubjectDecisionOut)
@blp.alt_response(403, **problem_doc("Only the organisation's FG decides on informing data subjects"))
@requires(Permission.BREACH_DECIDE, load=DATALEK)
def create_subject_decision(data: dict[str, Any], incident: Incident) -> services.Ruling[DataSubjectDecision]:
    decision = services.decide_data_subjects(
        api_user(), incident, data["notify"], data.get("ground"), data.get("explanation"),
        data.get("notified_at"), data.get("channel"))
    return services.taken(decision)


def _cbw_out(incident: Incident) -> dict[str, Any]:
    file = cbw.cbw_file(incident, current_app.config["CBW_NOTIFICATION_ANCHOR"])
    return {"deadlines": file.clock, "reports": file.reports, "recipient_default": current_app.config["CBW_RECIPIENT"],
            "handled_at": file.handled_at, "phases": file.phases, "significance": file.significance,
            "criteria": cbw.criteria_in_use(), "ibd_copies": file.ibd_copies}


@blp.route("/<int:incident_id>/cbw-reports")
@blp.response(200, CbwOut)
@blp.alt_response(403, **problem_doc("The caller may read this incident but not its Cbw reports"))
@requires(Permission.BREACH_READ, load=INCIDENT)
def list_cbw_reports(incident: Incident) -> dict[str, Any]:
    """The Cbw deadlines (24 h / 72 h / one month, or a month after the incident is handled after an
    interim report), the reports made, the content prepared per phase (NIS2 art. 23(4)), the
    significance advice in force, the criteria in use, and the informative copies to the IBD."""
    return _cbw_out(incident)


@blp.route("/<int:incident_id>/cbw-reports", methods=["POST"])
@blp.arguments(CbwReportIn)
@blp.response(201, CbwReportOut)
@blp.alt_response(403, **problem_doc("Only the organisation's CISO records Cbw reports"))
@requires(Permission.CBW_REPORT, load=INCIDENT)
def create_cbw_report(data: dict[str, Any], incident: Incident) -> CbwReport:
    """Record a report to the CSIRT as sent (the CISO of the organisation only). The content items
    of the phase may be given here or prepared before (``PATCH …/cbw-reports/content/{phase}``);
    a required item missing from both is refused (422 naming it)."""
    return services.record_cbw_report(api_user(), incident, data["phase"], data["submitted_at"],
                                      data.get("reference"), data.get("summary"), data.get("recipient"),
                                      content=content_of(data),
                                      default_recipient=current_app.config["CBW_RECIPIENT"])


@blp.route("/<int:incident_id>/cbw-reports/content/<any(early_warning, notification, interim, final):phase>",
           methods=["PATCH"])
@blp.arguments(CbwContentIn)
@blp.response(200, CbwOut)
@blp.alt_response(403, **problem_doc("Only the organisation's CISO prepares Cbw reports"))
@requires(Permission.CBW_REPORT, load=INCIDENT)
def patch_cbw_content(data: dict[str, Any], incident: Incident, phase: str) -> dict[str, Any]:
    """Prepare a phase's content (the items given replace the stored ones); ``handled_at`` sets
    when the incident was handled."""
    kwargs = {"handled_at": data["handled_at"]} if "handled_at" in data else {}
    cbw.save_phase_content(api_user(), incident, phase, content_of(data), **kwargs)
    return _cbw_out(incident)


@blp.route("/<int:incident_id>/cbw-reports/significance", methods=["POST"])
@blp.arguments(SignificanceIn)
@blp.response(201, SignificanceOut)
@blp.alt_response(403, **problem_doc("Only the organisation's CISO assesses significance under the Cbw"))
@requires(Permission.CBW_REPORT, load=INCIDENT)
def create_significance(data: dict[str, Any], incident: Incident) -> CbwSignificance:
    """Answer the significance criteria in use: the advice and its reasoning are kept with the
    criteria version. The advice does not change the incident's ``is_significant_cbw``."""
    return cbw.assess_significance(api_user(), incident, data["answers"], data.get("motivation"))


@blp.route("/<int:incident_id>/cbw-reports/ibd-copies", methods=["POST"])
@blp.arguments(IbdCopyIn)
@blp.response(201, IbdCopyOut)
@blp.alt_response(403, **problem_doc("Only the organisation's CISO records copies to the IBD"))
@requires(Permission.CBW_REPORT, load=INCIDENT)
def create_ibd_copy(data: dict[str, Any], incident: Incident) -> CbwIbdCopy:
    """Record an informative copy to the IBD (not a legal notification; no clock)."""
    return cbw.record_ibd_copy(api_user(), incident, data["sent_at"], data.get("phase"), data.get("reference"),
                               data.get("note"))


# --- the AP meldformulier and the correspondence with the AP -----------------------------------------------

def _ap_form_out(incident: Incident) -> dict[str, Any]:
    view = apform.ap_form_view(incident)
    return {"complete": view.complete, "version": view.form.version if view.form is not None else None,
            "answers": apform.stored_answers(view.form), "sections": view.sections}


@blp.route("/<int:incident_id>/ap-form")
@blp.response(200, ApFormOut)
@requires(Permission.BREACH_READ, load=DATALEK)
def get_ap_form(incident: Incident) -> dict[str, Any]:
    """Every question of the AP's meldformulier in its section order with the answer the datalek
    holds (from the assessment, the decisions and the AP form's own answers), and per section
    whether it is complete and what is missing."""
    return _ap_form_out(incident)


def _save_ap_form(data: dict[str, Any], incident: Incident, *, partial: bool) -> dict[str, Any]:
    version = data.pop("version", None)
    apform.save_ap_form(api_user(), incident, data, version, partial=partial)
    return _ap_form_out(incident)


@blp.route("/<int:incident_id>/ap-form", methods=["PUT"])
@blp.arguments(ApFormIn)
@blp.response(200, ApFormOut)
@blp.alt_response(403, **problem_doc("Only the organisation's FG fills in the AP form"))
@blp.alt_response(409, **problem_doc("Someone else saved the AP form in between: read it again"))
@requires(Permission.BREACH_ASSESS, load=DATALEK)
def put_ap_form(data: dict[str, Any], incident: Incident) -> dict[str, Any]:
    """Set every answer of the AP form's own (a field left out is emptied). A minimum number of
    data subjects above the maximum: 422 naming ``subjects_min``."""
    return _save_ap_form(data, incident, partial=False)


@blp.route("/<int:incident_id>/ap-form", methods=["PATCH"])
@blp.arguments(ApFormPatch)
@blp.response(200, ApFormOut)
@blp.alt_response(403, **problem_doc("Only the organisation's FG fills in the AP form"))
@blp.alt_response(409, **problem_doc("Someone else saved the AP form in between: read it again"))
@requires(Permission.BREACH_ASSESS, load=DATALEK)
def patch_ap_form(data: dict[str, Any], incident: Incident) -> dict[str, Any]:
    """Set only the answers given; the others stay."""
    return _save_ap_form(data, incident, partial=True)


@blp.route("/<int:incident_id>/ap-correspondence")
@blp.response(200, ApCorrespondenceListOut)
@requires(Permission.BREACH_READ, load=DATALEK)
def list_ap_correspondence(incident: Incident) -> dict[str, Any]:
    """The correspondence with the AP, oldest first, and whether the file is still open at the AP."""
    items = apform.correspondence_of(incident)
    return {"open_at_ap": apform.file_open_at_ap(incident, items), "items": items}


@blp.route("/<int:incident_id>/ap-correspondence", methods=["POST"])
@blp.arguments(ApCorrespondenceIn)
@blp.response(201, ApCorrespondenceOut)
@blp.alt_response(403, **problem_doc("Only the organisation's FG records the correspondence with the AP"))
@requires(Permission.BREACH_DECIDE, load=DATALEK)
def create_ap_correspondence(data: dict[str, Any], incident: Incident) -> ApCorrespondence:
    """A question from the AP (``vraag_ap``), an answer (``antwoord_aan_ap``), a document
    (``document``) or the AP closing its file (``dossier_gesloten``, with ``ap_reference``). Only
    after the initial AP-melding: else 422."""
    attachments = apform.attachments_by_id(incident, data.get("attachment_ids") or [])
    return apform.record_correspondence(api_user(), incident, data["kind"], data["occurred_at"], data.get("text"),
                                        data.get("ap_reference"), attachments)


templates_blp = api_blueprint("breach_templates_api", __name__, "/organisations",
                              "Sjablonen voor terugkerende datalekken, en een datalek vastleggen uit een sjabloon.")

#: the organisation named by ``code`` in the path, for those who read its datalekken
ORGANISATION = organisation_loader(Permission.BREACH_READ)


class TemplatedIncidentOut(IncidentOut):
    """The incident logged from a template, with the template it came from."""

    breach_template_id = ma.fields.Integer(allow_none=True)


TemplatePage = page_schema(TemplateRowOut, "BreachTemplatePage")


class _RowOut:
    """A template of the list as ``TemplateRowOut`` reads it: the template's fields and its use."""

    def __init__(self, row: recurring.TemplateRow) -> None:
        self.used, self.last_used, self._template = row.used, row.last_used, row.template

    def __getattr__(self, name: str) -> Any:
        return getattr(self._template, name)


@templates_blp.route("/<string:code>/breach-templates")
@templates_blp.arguments(TemplateListArgs, location="query")
@templates_blp.response(200, TemplatePage)
@requires(Permission.BREACH_READ, load=ORGANISATION)
def list_templates(args: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    """The organisation's templates by name, with how often each was used (``archived=true``: also
    the archived ones)."""
    page = recurring.list_templates(api_caller(), organisation.code, archived=args["archived"],
                                    page=args["page"], per_page=args["per_page"])
    return {"items": [_RowOut(row) for row in page.items], "page": page.page, "per_page": page.per_page,
            "total": page.total}


@templates_blp.route("/<string:code>/breach-templates", methods=["POST"])
@templates_blp.arguments(TemplateIn)
@templates_blp.response(201, TemplateOut)
@templates_blp.alt_response(403, **problem_doc("Only the FG and verbindingsofficieren keep templates"))
@requires(Permission.BREACH_TEMPLATE, load=ORGANISATION)
def create_template(data: dict[str, Any], organisation: Organisation) -> BreachTemplate:
    """A template of the organisation: ``name`` is required; ``processing_activity_ids`` are
    verwerkingen of the same organisation (another's: 404)."""
    return recurring.create_template(api_user(), organisation, data)


@templates_blp.route("/<string:code>/breach-templates/<int:template_id>/incidents", methods=["POST"])
@templates_blp.arguments(FromTemplateIn)
@templates_blp.response(201, TemplatedIncidentOut)
@templates_blp.alt_response(403, **problem_doc("Only the FG and verbindingsofficieren log from a template"))
@requires(Permission.BREACH_TEMPLATE, load=API_BREACH_TEMPLATE)
def create_from_template(data: dict[str, Any], template: BreachTemplate) -> Incident:
    """Log a datalek from the template: the incident (discovered now unless ``discovered_at`` says
    otherwise), its assessment prefilled with the template's values and its verwerkingen linked; the
    incident's ``breach_template_id`` names the template."""
    return recurring.log_from_template(api_user(), template, data)
