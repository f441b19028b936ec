from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from bio_register.accounts.forms import ConfirmForm, TwoFactorSettingForm
from bio_register.attachments import evidence as evidence_life
from bio_register.compliance.forms import EvidencePeriodForm
from bio_register.errors import DomainError
from bio_register.forms import apply_errors, choices
from bio_register.i18n import gettext as _
from bio_register.incidents import sla
from bio_register.loaders import organisation as organisation_loader
from bio_register.organisations import services
from bio_register.organisations.forms import HandlingTargetsForm, OrganisationCreateForm, OrganisationEditForm
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, has_permission, roles_in, scoped_organisations
from bio_register.pipeline import Rejected, actor, flash_committed, requires

bp = Blueprint("organisations", __name__, template_folder="templates")

#: an organisation named by ``code`` in the URL, for those who read it
ORGANISATION = organisation_loader(Permission.ORGANISATION_READ)


@bp.route("/organisaties")
@requires(Permission.ORGANISATION_READ)
def index() -> Any:
    organisations = scoped_organisations(current_user, Permission.ORGANISATION_READ)
    return render_template("organisations/index.html", organisations=organisations,
                           can_create=has_permission(current_user, Permission.ORGANISATION_MANAGE))


@bp.route("/organisaties/nieuw", methods=["GET", "POST"])
@requires(Permission.ORGANISATION_MANAGE)
def create() -> Any:
    """A new organisation below one the beheerder manages (top-level ones: the CLI)."""
    parents = services.managed_organisations(current_user)
    form = OrganisationCreateForm()
    form.parent.choices = choices([(o.code, o.name) for o in parents])
    if request.method == "GET":
        preselect = request.args.get("onder", "").upper()
        form.parent.data = preselect if any(o.code == preselect for o in parents) else (
            parents[0].code if len(parents) == 1 else None)
    if form.validate_on_submit():
        parent = next(o for o in parents if o.code == form.parent.data)
        try:
            org = services.create_organisation(actor(), form.code.data or "", form.name.data or "",
                                               reference_prefix=form.reference_prefix.data, parent=parent)
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: render_template("organisations/create.html", form=form), error.status_code)
        flash_committed(_("Organisatie %(name)s (%(code)s) is aangemaakt onder %(parent)s.", name=org.name,
                          code=org.code, parent=parent.name))
        return redirect(url_for("organisations.detail", code=org.code))
    status = 422 if form.is_submitted() else 200
    return render_template("organisations/create.html", form=form), status


@bp.route("/organisaties/<code>/bewerken", methods=["GET", "POST"])
@requires(Permission.ORGANISATION_MANAGE, load=ORGANISATION)
def edit(organisation: Organisation) -> Any:
    """The beheerder changes the organisation's name (its settings: on the detail page)."""
    form = OrganisationEditForm(obj=None if request.method == "POST" else organisation)
    if form.validate_on_submit():
        try:
            services.update_organisation(actor(), organisation, name=form.name.data or "")
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: render_template("organisations/edit.html", form=form,
                                                    organisation=organisation), error.status_code)
        flash_committed(_("De gegevens van %(name)s zijn opgeslagen.", name=organisation.name))
        return redirect(url_for("organisations.detail", code=organisation.code))
    status = 422 if form.is_submitted() else 200
    return render_template("organisations/edit.html", form=form, organisation=organisation), status


@bp.route("/organisaties/<code>")
@requires(Permission.ORGANISATION_READ, load=ORGANISATION)
def detail(organisation: Organisation) -> Any:
    return _render_detail(organisation)


def _render_detail(organisation: Organisation, *, period_form: EvidencePeriodForm | None = None,
                   code: int = 200) -> Any:
    members = (
        services.members_of(organisation)
        if has_permission(current_user, Permission.USER_MANAGE, organisation.id)
        else []
    )
    setting_form = None
    can_manage = has_permission(current_user, Permission.ORGANISATION_MANAGE, organisation.id)
    if can_manage:
        setting_form = TwoFactorSettingForm(formdata=None, required=organisation.two_factor_required)
    targets = sla.targets_for(organisation)
    targets_form = _targets_form(targets, formdata=None) if can_manage else None
    if period_form is None and has_permission(current_user, Permission.EVIDENCE_PERIOD, organisation.id):
        period_form = EvidencePeriodForm(formdata=None, data={"months": organisation.evidence_review_months})
    return render_template("organisations/detail.html", organisation=organisation,
                           my_roles=list(roles_in(current_user, organisation.id)), members=members,
                           setting_form=setting_form, confirm=ConfirmForm(), can_manage=can_manage,
                           targets=targets, targets_form=targets_form, period_form=period_form), code


@bp.route("/organisaties/<code>/bewijstermijn", methods=["POST"])
@requires(Permission.EVIDENCE_PERIOD, load=ORGANISATION)
def evidence_period(organisation: Organisation) -> Any:
    """The beheerder or the CISO sets the default life of new evidence (in months)."""
    form = EvidencePeriodForm()
    if not form.validate_on_submit():
        return _render_detail(organisation, period_form=form, code=422)
    try:
        evidence_life.set_review_months(actor(), organisation, form.months.data)
    except DomainError as error:
        apply_errors(form, error)
        return Rejected(lambda: _render_detail(organisation, period_form=form), error.status_code)
    flash_committed(_("Nieuw bewijs van %(name)s wordt nu %(n)d maanden na zijn datum herbeoordeeld.",
                      name=organisation.name, n=organisation.evidence_review_months))
    return redirect(url_for("organisations.detail", code=organisation.code) + "#evidence-period-heading")


def _targets_form(targets: sla.Targets, **kwargs: Any) -> HandlingTargetsForm:
    return HandlingTargetsForm(data={s.value: str(d) for s, d in targets.days.items()}, **kwargs)


@bp.route("/organisaties/<code>/streeftijden", methods=["POST"])
@requires(Permission.ORGANISATION_MANAGE, load=ORGANISATION)
def handling_targets(organisation: Organisation) -> Any:
    """The beheerder sets the target handling times per severity, or (``overnemen``) drops them to inherit."""
    form = HandlingTargetsForm()
    if form.validate_on_submit():
        try:
            if request.form.get("overnemen"):
                sla.inherit_targets(actor(), organisation)
                flash_committed(_("%(name)s neemt de streeftijden weer over.", name=organisation.name))
            else:
                sla.set_targets(actor(), organisation, {name: getattr(form, name).data for name in
                                                        ("kritiek", "hoog", "midden", "laag")})
                flash_committed(_("De streeftijden van %(name)s zijn opgeslagen.", name=organisation.name))
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: render_template("organisations/targets.html", form=form,
                                                    organisation=organisation), error.status_code)
        return redirect(url_for("organisations.detail", code=organisation.code))
    return render_template("organisations/targets.html", form=form, organisation=organisation), 422


@bp.route("/organisaties/<code>/tweestapsverificatie", methods=["POST"])
@requires(Permission.ORGANISATION_MANAGE, load=ORGANISATION)
def two_factor_setting(organisation: Organisation) -> Any:
    """The beheerder requires a second factor for every member of the organisation (or stops)."""
    form = TwoFactorSettingForm()
    if form.validate_on_submit():
        services.update_organisation(actor(), organisation, two_factor_required=bool(form.required.data))
        if organisation.two_factor_required:
            flash_committed(_("Tweestapsverificatie is nu verplicht voor alle medewerkers van %(name)s.",
                              name=organisation.name))
        else:
            flash_committed(_("Tweestapsverificatie is niet langer verplicht voor alle medewerkers van %(name)s "
                              "(wel voor FG en functioneel beheerder).", name=organisation.name))
    return redirect(url_for("organisations.detail", code=organisation.code))
