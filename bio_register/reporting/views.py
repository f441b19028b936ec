from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from bio_register.database import utcnow
from bio_register.errors import DomainError, NotFound
from bio_register.extensions import db
from bio_register.forms import apply_errors, choices
from bio_register.i18n import format_period
from bio_register.i18n import gettext as _
from bio_register.loaders import REPORT
from bio_register.permissions import Permission, has_permission, scoped_organisations
from bio_register.pipeline import Rejected, flash_committed, requires
from bio_register.reporting import ensia, services
from bio_register.reporting.forms import AnnualForm, GenerateForm
from bio_register.reporting.models import Report, ReportKind
from bio_register.timeutil import to_local

bp = Blueprint("reporting", __name__, template_folder="templates")


def _generate_form(formdata: Any = None) -> GenerateForm:
    form = GenerateForm(formdata=formdata) if formdata is not None else GenerateForm()
    allowed = services.scopes_for(current_user)
    names = {o.code: o.name for o in scoped_organisations(current_user, Permission.REPORT_GENERATE)}
    form.scope.choices = choices([(code, services.resolve_scope(code).label if code == services.ALL else names[code])
                                  for code in allowed])
    now = utcnow()
    form.period.choices = {
        str(_("Kwartalen")): [(p.label, format_period(p.label))
                              for p in services.recent_periods(ReportKind.QUARTERLY, now, QUARTERS_OFFERED)],
        str(_("Maanden")): [(p.label, format_period(p.label))
                            for p in services.recent_periods(ReportKind.MONTHLY, now, MONTHS_OFFERED)],
        str(_("Jaren")): [(str(year), str(year))
                          for year in range(to_local(now).year, to_local(now).year - YEARS_OFFERED, -1)],
    }
    return form


#: how far back the reporting page offers periods (older ones through the API)
QUARTERS_OFFERED = 8
MONTHS_OFFERED = 12
YEARS_OFFERED = 5


def _archive(form: GenerateForm) -> str:
    return render_template("reporting/index.html", reports=services.reports_for(current_user), form=form,
                           can_generate=has_permission(current_user, Permission.REPORT_GENERATE),
                           # the checksum is for whoever checks the archive against the audit log
                           show_checksums=has_permission(current_user, Permission.AUDIT_READ))


@bp.route("/rapportages")
@requires(Permission.REPORT_READ)
def index() -> Any:
    """The report archive; concern control also generates reports here, for any past period."""
    return _archive(_generate_form())


@bp.route("/rapportages", methods=["POST"])
@requires(Permission.REPORT_GENERATE)
def generate() -> Any:
    """Generate a report for a past period (concern control); again makes a new version."""
    form = _generate_form()
    if not form.validate_on_submit():
        return _archive(form), 422
    if _period_kind(form.period.data or "") != form.kind.data:
        form.period.errors = [_("Kies een kwartaal voor een kwartaalrapportage, een maand voor een "
                                "maandrapportage en een jaar voor een jaarverantwoording.")]
        return _archive(form), 422
    try:
        report = services.generate(form.kind.data, form.period.data or "", form.scope.data or "",
                                   actor=current_user)
    except DomainError as error:
        apply_errors(form, error)
        return Rejected(lambda: _archive(form), 422)
    scope = report.organisation.name if report.organisation else services.resolve_scope(report.scope).label
    flash_committed(_("Rapportage over %(p)s voor %(s)s gemaakt (versie %(v)d).", p=format_period(report.period),
                      s=scope, v=report.version))
    return redirect(url_for("reporting.index"))


def _period_kind(period: str) -> str:
    """The kind of report a period of the form's choices belongs to."""
    return "quarterly" if "-Q" in period else "monthly" if "-" in period else "annual"


@bp.route("/rapportages/<int:report_id>.pdf")
@requires(Permission.REPORT_READ, load=REPORT)
def download(report: Report) -> Any:
    name = services.file_name(report, current_app.config["TIMEZONE"])
    response = Response(report.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-SHA256"] = report.sha256
    return response


@bp.route("/jaarcijfers")
@requires(Permission.INCIDENT_READ)
def annual() -> Any:
    """The year's figures and the sentence for the annual accounts (paragraaf bedrijfsvoering)."""
    organisations = scoped_organisations(current_user, Permission.INCIDENT_READ)
    form = AnnualForm(request.args)
    form.organisatie.choices = choices([(o.code, o.name) for o in organisations])
    figures = paragraph = None
    if request.args and form.validate():
        organisation = next(o for o in organisations if o.code == form.organisatie.data)
        tz = current_app.config["TIMEZONE"]
        try:
            year = ensia.year_of(form.jaar.data or 0, tz=tz)
            figures = services.annual_figures(organisation, year.year, tz)
            if all(has_permission(current_user, p, organisation.id) for p in services.PARAGRAPH_READS):
                paragraph = services.jaarverslag(organisation, year, tz, figures)
        except NotFound:
            paragraph = None  # no BIO catalog loaded yet: the figures without the paragraph
        except DomainError as error:
            error.errors = {"jaar" if name == "year" else name: messages
                            for name, messages in (error.errors or {error.field or "jaar": [error.message]}).items()}
            apply_errors(form, error)
            figures = None
    return render_template("reporting/annual.html", form=form, figures=figures, paragraph=paragraph)



@bp.route("/beheer/planning")
@requires(Permission.SCHEDULE_MANAGE)
def schedules() -> Any:
    """The scheduled jobs and their next run time (for the functioneel beheerder)."""
    from bio_register import scheduler

    # Read in this request's own session: on SQLite a second connection would wait for the
    # write lock this request's transaction holds (BEGIN IMMEDIATE), and time out.
    return render_template("reporting/schedules.html", jobs=scheduler.schedules(db.session))
