from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from bio_register.errors import DomainError, NotPermitted
from bio_register.forms import apply_errors, choices
from bio_register.i18n import gettext as _
from bio_register.permissions import Permission, has_permission, scoped_organisations
from bio_register.reporting import services
from bio_register.reporting.forms import AnnualForm, GenerateForm
from bio_register.timeutil import to_local

bp = Blueprint("reporting", __name__, template_folder="templates")


def _generate_form(formdata: Any = None) -> GenerateForm:
    form = GenerateForm(formdata=formdata) if formdata is not None else GenerateForm()
    form.scope.choices = choices([*((o.code, o.name) for o in services.municipalities()),
                                  (services.ALL, services.resolve_scope(services.ALL).label)])
    return form


@bp.route("/rapportages", methods=["GET", "POST"])
@login_required
def index() -> Any:
    """The report archive; concern control also generates reports here, for any past period."""
    if not has_permission(current_user, Permission.REPORT_READ):
        abort(404)
    can_generate = services.can_generate(current_user)
    form = _generate_form()
    status = 200
    if request.method == "POST":
        if not can_generate:
            abort(403)
        if form.validate_on_submit():
            try:
                report = services.generate(form.kind.data, form.period.data or "", form.scope.data or "",
                                           actor=current_user)
            except NotPermitted:
                abort(403)
            except DomainError as error:
                apply_errors(form, error)
            else:
                flash(_("Rapportage %(p)s voor %(s)s gemaakt (versie %(v)d).", p=report.period, s=report.scope,
                        v=report.version), "success")
                return redirect(url_for("reporting.index"))
        status = 422
    return render_template("reporting/index.html", reports=services.reports_for(current_user), form=form,
                           can_generate=can_generate), status


@bp.route("/rapportages/<int:report_id>.pdf")
@login_required
def download(report_id: int) -> Any:
    report = services.get_report(current_user, report_id)
    stamp = to_local(report.generated_at, current_app.config["TIMEZONE"])
    name = f"rapportage-{report.kind.value}-{report.period}-{report.scope}-v{report.version}-{stamp:%Y%m%d}.pdf"
    response = Response(report.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-SHA256"] = report.sha256
    return response


@bp.route("/jaarcijfers")
@login_required
def annual() -> Any:
    """The year's figures and the sentence for the annual accounts (paragraaf bedrijfsvoering)."""
    organisations = scoped_organisations(current_user, Permission.INCIDENT_READ)
    if not organisations:
        abort(404)
    form = AnnualForm(request.args)
    form.organisatie.choices = choices([(o.code, o.name) for o in organisations])
    figures = None
    if request.args and form.validate():
        organisation = next(o for o in organisations if o.code == form.organisatie.data)
        try:
            figures = services.annual_figures(organisation, form.jaar.data)
        except DomainError as error:
            apply_errors(form, error)
    return render_template("reporting/annual.html", form=form, figures=figures)


@bp.route("/beheer/planning")
@login_required
def schedules() -> Any:
    """The scheduled jobs and their next run time (for the functioneel beheerder)."""
    if not has_permission(current_user, Permission.SCHEDULE_MANAGE):
        abort(404)
    from bio_register import scheduler

    return render_template("reporting/schedules.html", jobs=scheduler.schedules(current_app))
