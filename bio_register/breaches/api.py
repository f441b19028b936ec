from __future__ import annotations

from typing import Any

from flask_smorest import abort

from bio_register.api.base import problem_doc
from bio_register.breaches import services
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
from bio_register.database import utcnow
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Incident
from bio_register.permissions import Permission
from bio_register.pipeline import api_blueprint, api_user

blp = api_blueprint("breaches_api", __name__, "/incidents",
                    "Datalekken: beoordeling, AP-besluit en -meldingen, betrokkenen (art. 34), Cbw-meldingen.")


def _incident(incident_id: int) -> Incident:
    return incidents.get_incident(api_user(), incident_id, Permission.BREACH_READ)


def _assessment_out(incident: Incident) -> dict[str, Any]:
    assessment = services.assessment_of(incident)
    if assessment is None:
        abort(404, message="Dit datalek is nog niet beoordeeld.")
    row = services.overview_for([incident])[0]
    out = {name: getattr(assessment, name) for name in AssessmentOut._declared_fields if hasattr(assessment, name)}
    for name in ("enisa_ei", "enisa_cb_confidentiality", "enisa_cb_integrity", "enisa_cb_availability",
                 "enisa_band"):
        value = getattr(assessment, name)
        out[name] = value.value if value is not None else None
    out.update(ap_deadline=row.deadline, hours_left=round((row.deadline - utcnow()).total_seconds() / 3600, 2),
               state=row.state)
    return out


@blp.route("/<int:incident_id>/breach")
@blp.response(200, AssessmentOut)
def get_breach(incident_id: int) -> dict[str, Any]:
    """The FG's assessment, the AP deadline (aware_at + 72 h), hours left and the state."""
    return _assessment_out(_incident(incident_id))


@blp.route("/<int:incident_id>/breach", methods=["PUT"])
@blp.arguments(AssessmentIn)
@blp.response(200, AssessmentOut)
@blp.alt_response(403, **problem_doc("Only the organisation's FG assesses a datalek"))
def put_breach(data: dict[str, Any], incident_id: int) -> dict[str, Any]:
    """Create or replace the assessment (the FG of the organisation only)."""
    incident = _incident(incident_id)
    version = data.pop("version", None)
    services.save_assessment(api_user(), incident, data, version)
    return _assessment_out(incident)


def _in_force(items: list[Any]) -> list[Any]:
    for index, item in enumerate(items):
        item.in_force = index == 0
    return items


@blp.route("/<int:incident_id>/ap-decisions")
@blp.response(200, DecisionOut(many=True))
def list_decisions(incident_id: int) -> list[Any]:
    """Newest first; the first is in force, the others were superseded."""
    return _in_force(services.decisions_of(_incident(incident_id)))


@blp.route("/<int:incident_id>/ap-decisions", methods=["POST"])
@blp.arguments(DecisionIn)
@blp.response(201, DecisionOut)
@blp.alt_response(403, **problem_doc("Only the organisation's FG decides"))
def create_decision(data: dict[str, Any], incident_id: int) -> Any:
    decision = services.decide(api_user(), _incident(incident_id), data["notify"], data["motivation"])
    decision.in_force = True
    return decision


@blp.route("/<int:incident_id>/ap-notifications")
@blp.response(200, ApNotificationOut(many=True))
def list_notifications(incident_id: int) -> list[Any]:
    return services.notifications_of(_incident(incident_id))


@blp.route("/<int:incident_id>/ap-notifications", methods=["POST"])
@blp.arguments(ApNotificationIn)
@blp.response(201, ApNotificationOut)
@blp.alt_response(403, **problem_doc("Only the organisation's FG records AP notifications"))
def create_notification(data: dict[str, Any], incident_id: int) -> Any:
    return services.record_notification(api_user(), _incident(incident_id), data["kind"], data["submitted_at"],
                                        data["meldnummer"], data.get("late_reason"))


@blp.route("/<int:incident_id>/data-subject-notification")
@blp.response(200, SubjectDecisionOut(many=True))
def list_subject_decisions(incident_id: int) -> list[Any]:
    """Newest first; the first is in force."""
    return _in_force(services.subject_decisions_of(_incident(incident_id)))


@blp.route("/<int:incident_id>/data-subject-notification", methods=["POST"])
@blp.arguments(SubjectDecisionIn)
@blp.response(201, SubjectDecisionOut)
@blp.alt_response(403, **problem_doc("Only the organisation's FG decides on informing data subjects"))
def create_subject_decision(data: dict[str, Any], incident_id: int) -> Any:
    decision = services.decide_data_subjects(
        api_user(), _incident(incident_id), data["notify"], data.get("ground"), data.get("explanation"),
        data.get("notified_at"), data.get("channel"))
    decision.in_force = True
    return decision


@blp.route("/<int:incident_id>/cbw-reports")
@blp.response(200, CbwOut)
def list_cbw_reports(incident_id: int) -> dict[str, Any]:
    """The Cbw deadlines (24 h / 72 h / one month) and the reports made."""
    incident = _incident(incident_id)
    reports = services.cbw_reports_of(incident)
    clock = services.cbw_clock(incident, services.assessment_of(incident), reports)
    return {"deadlines": clock, "reports": reports}


@blp.route("/<int:incident_id>/cbw-reports", methods=["POST"])
@blp.arguments(CbwReportIn)
@blp.response(201, CbwReportOut)
@blp.alt_response(403, **problem_doc("Only the organisation's CISO records Cbw reports"))
def create_cbw_report(data: dict[str, Any], incident_id: int) -> Any:
    """Record a report to the CSIRT (the CISO of the organisation only)."""
    return services.record_cbw_report(api_user(), _incident(incident_id), data["phase"], data["submitted_at"],
                                      data.get("reference"), data.get("summary"), data.get("recipient"))
