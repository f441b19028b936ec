from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from bio_register.accounts.forms import ConfirmForm, TwoFactorSettingForm
from bio_register.i18n import gettext as _
from bio_register.loaders import organisation as organisation_loader
from bio_register.organisations import services
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, has_permission, roles_in, scoped_organisations
from bio_register.pipeline import actor, flash_committed, requires

bp = Blueprint("organisations", __name__, template_folder="templates")

#: an organisation named by ``code`` in the URL, for those who read it
ORGANISATION = organisation_loader(Permission.ORGANISATION_READ)


@bp.route("/organisaties")
@requires(Permission.ORGANISATION_READ)
def index() -> Any:
    organisations = scoped_organisations(current_user, Permission.ORGANISATION_READ)
    return render_template("organisations/index.html", organisations=organisations)


@bp.route("/organisaties/<code>")
@requires(Permission.ORGANISATION_READ, load=ORGANISATION)
def detail(organisation: Organisation) -> Any:
    members = (
        services.members_of(organisation)
        if has_permission(current_user, Permission.USER_MANAGE, organisation.id)
        else []
    )
    setting_form = None
    if has_permission(current_user, Permission.ORGANISATION_MANAGE, organisation.id):
        setting_form = TwoFactorSettingForm(formdata=None, required=organisation.two_factor_required)
    return render_template("organisations/detail.html", organisation=organisation,
                           my_roles=list(roles_in(current_user, organisation.id)), members=members,
                           setting_form=setting_form, confirm=ConfirmForm())


@bp.route("/organisaties/<code>/tweestapsverificatie", methods=["POST"])
@requires(Permission.ORGANISATION_MANAGE, load=ORGANISATION)
def two_factor_setting(organisation: Organisation) -> Any:
    """The beheerder requires a second factor for every member of the organisation (or stops)."""
    form = TwoFactorSettingForm()
    if form.validate_on_submit():
        services.set_two_factor_required(actor(), organisation, bool(form.required.data))
        if organisation.two_factor_required:
            flash_committed(_("Tweestapsverificatie is nu verplicht voor alle medewerkers van %(name)s.",
                              name=organisation.name))
        else:
            flash_committed(_("Tweestapsverificatie is niet langer verplicht voor alle medewerkers van %(name)s "
                              "(wel voor FG en functioneel beheerder).", name=organisation.name))
    return redirect(url_for("organisations.detail", code=organisation.code))
