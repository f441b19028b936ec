from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from bio_register.accounts.forms import ConfirmForm, TwoFactorSettingForm
from bio_register.i18n import gettext as _
from bio_register.organisations import services
from bio_register.permissions import (
    Permission,
    get_organisation,
    has_permission,
    roles_in,
    scoped_organisations,
)

bp = Blueprint("organisations", __name__, template_folder="templates")


@bp.route("/organisaties")
@login_required
def index() -> Any:
    organisations = scoped_organisations(current_user, Permission.ORGANISATION_READ)
    return render_template("organisations/index.html", organisations=organisations)


@bp.route("/organisaties/<code>")
@login_required
def detail(code: str) -> Any:
    organisation = get_organisation(current_user, code, Permission.ORGANISATION_READ)
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
@login_required
def two_factor_setting(code: str) -> Any:
    """The beheerder requires a second factor for every member of the organisation (or stops)."""
    organisation = get_organisation(current_user, code, Permission.ORGANISATION_MANAGE)
    form = TwoFactorSettingForm()
    if form.validate_on_submit():
        services.set_two_factor_required(current_user, organisation, bool(form.required.data))
        if organisation.two_factor_required:
            flash(_("Tweestapsverificatie is nu verplicht voor alle medewerkers van %(name)s.",
                    name=organisation.name), "success")
        else:
            flash(_("Tweestapsverificatie is niet langer verplicht voor alle medewerkers van %(name)s "
                    "(wel voor FG en functioneel beheerder).", name=organisation.name), "success")
    return redirect(url_for("organisations.detail", code=organisation.code))
