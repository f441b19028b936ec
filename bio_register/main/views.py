from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from bio_register.breaches import services as breaches
from bio_register.database import utcnow
from bio_register.incident_reports import services as incident_reports
from bio_register.incidents import services as incidents
from bio_register.main import charts, trends
from bio_register.measures import services as measures
from bio_register.permissions import AllOrganisations, Permission, has_permission, organisation_ids_with
from bio_register.pipeline import public, signed_in

bp = Blueprint("main", __name__, template_folder="templates")


@bp.route("/")
@signed_in  # every signed-in user: it shows what their own roles let them see
def home() -> Any:
    """The start page: the user's open incidents, open datalekken with their AP clock, overdue
    measures, this quarter's counts and the last eight quarters in a chart."""
    # The organisations in which the user holds a role; reading all of them (concern control, the
    # beheerder) is one line with a link, not a card for each of a shared service's hundreds.
    organisations = sorted({m.organisation for m in current_user.memberships}, key=lambda org: org.code)
    reads_all = isinstance(organisation_ids_with(current_user, Permission.ORGANISATION_READ), AllOrganisations)
    board = incidents.dashboard(current_user) if has_permission(current_user, Permission.INCIDENT_READ) else None
    trend = trends.quarterly_trend(current_user, utcnow(), current_app.config["TIMEZONE"]) if board else None
    leaks = breaches.urgent(current_user) if has_permission(current_user, Permission.BREACH_READ) else []
    overdue = (measures.overdue_measures(current_user, measures.local_today(tz=current_app.config["TIMEZONE"]))
               if has_permission(current_user, Permission.MEASURE_READ) else [])
    # the reporting point, for every employee (the start page of a user who only reports)
    reports = (incident_reports.recent_own(current_user.id)
               if has_permission(current_user, Permission.INCIDENT_REPORT) else None)
    return render_template("main/home.html", organisations=organisations, reads_all=reads_all, board=board,
                           leaks=leaks, reports=reports, trend=trend,
                           trend_chart=charts.trend_chart(trend) if trend else None,
                           overdue_measures=overdue,
                           can_create=has_permission(current_user, Permission.INCIDENT_WRITE))


@bp.route("/health")
@public
def health() -> Any:
    """For the load balancer: the process answers (no database round trip)."""
    return {"status": "ok"}
