from __future__ import annotations

from typing import Any

from flask import current_app

from bio_register.api.base import problem_doc
from bio_register.breaches import services
from bio_register.breaches.models import ApDecision, ApNotification, CbwReport, DataSubjectDecision
from bio_register.breaches.schemas import (
    ApNotificationIn,
    ApNotificationOut,
    AssessmentIn,
    AssessmentOut,
    CbwOut,
    CbwReportIn,
    CbwReportOut,
    DecisionIn,
    DecisionOut,
    SubjectDecisionIn,
    SubjectDecisionOut,
)
from bio_register.errors import NotFound
from bio_register.i18n import gettext as _
from bio_register.incidents.models import Incident
from bio_register.loaders import DATALEK, INCIDENT
from bio_register.permissions import Permission
from bio_register.pipeline import api_blueprint, api_user, requires

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
    out.update(ap_deadline=row.deadline, hours_left=round(row.hours_left, 2), state=row.state)
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
    """Create or replace the assessment (the FG of the organisation only)."""
    version = data.pop("version", None)
    services.save_assessment(api_user(), incident, data, version)
    return _assessment_out(incident)


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


@blp.route("/<int:incident_id>/cbw-reports")
@blp.response(200, CbwOut)
@blp.alt_response(403, **problem_doc("The caller may read this incident but not its Cbw reports"))
@requires(Permission.BREACH_READ, load=INCIDENT)
def list_cbw_reports(incident: Incident) -> dict[str, Any]:
    """The Cbw deadlines (24 h / 72 h / one month) and the reports made."""
    reports = services.cbw_reports_of(incident)
    clock = services.cbw_clock(incident, services.assessment_of(incident), reports,
                               current_app.config["CBW_NOTIFICATION_ANCHOR"])
    return {"deadlines": clock, "reports": reports}


@blp.route("/<int:incident_id>/cbw-reports", methods=["POST"])
@blp.arguments(CbwReportIn)
@blp.response(201, CbwReportOut)
@blp.alt_response(403, **problem_doc("Only the organisation's CISO records Cbw reports"))
@requires(Permission.CBW_REPORT, load=INCIDENT)
def create_cbw_report(data: dict[str, Any], incident: Incident) -> CbwReport:
    """Record a report to the CSIRT (the CISO of the organisation only)."""
    return services.record_cbw_report(api_user(), incident, data["phase"], data["submitted_at"],
                                      data.get("reference"), data.get("summary"), data.get("recipient"),
                                      default_recipient=current_app.config["CBW_RECIPIENT"])
