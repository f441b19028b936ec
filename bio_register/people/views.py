"""The beheerder's pages for people: the users in scope, invitations, roles, deactivation and resets."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from bio_register.accounts import links, two_factor
from bio_register.accounts.forms import ConfirmForm
from bio_register.accounts.models import User
from bio_register.errors import DomainError
from bio_register.forms import apply_errors, choices, page_arg
from bio_register.i18n import gettext as _
from bio_register.loaders import MANAGED_USER
from bio_register.people import services
from bio_register.people.forms import InviteForm, NameForm, RoleForm, SearchForm
from bio_register.people.labels import role_label
from bio_register.permissions import Permission, Role, scoped_organisations
from bio_register.pipeline import Rejected, actor, flash_committed, requires

bp = Blueprint("people", __name__, template_folder="templates")

PER_PAGE = 50


def _mail() -> services.Mail:
    return services.Mail(links.for_app(current_app), local_login=current_app.config.get("LOCAL_LOGIN", True))


def _with_organisations(form: RoleForm) -> RoleForm:
    form.organisation.choices = choices(
        (o.code, f"{o.name} ({o.code})") for o in scoped_organisations(current_user, Permission.USER_MANAGE))
    return form


@bp.route("/gebruikers")
@requires(Permission.USER_MANAGE)
def index() -> Any:
    form = SearchForm(request.args)
    query = (form.q.data or "").strip() if form.validate() else ""
    page = services.list_users(current_user, query, page_arg(request.args.get("page", 1)), PER_PAGE)

    def page_url(n: int) -> str:
        return url_for("people.index") + "?" + urlencode({**({"q": query} if query else {}), "page": n})

    return render_template("people/index.html", form=form, page=page, page_url=page_url)


def _render_invite(form: InviteForm, status: int = 200) -> Any:
    return render_template("people/invite.html", form=form, local_login=_mail().local_login), status


@bp.route("/gebruikers/uitnodigen", methods=["GET", "POST"])
@requires(Permission.USER_MANAGE)
def invite() -> Any:
    form = _with_organisations(InviteForm())
    if form.validate_on_submit():
        try:
            invited = services.invite(actor(), form.email.data or "", form.name.data or "",
                                      [(form.organisation.data or "", form.role.data or "")], _mail())
        except DomainError as error:
            if error.field and error.field.startswith("memberships"):
                error.errors = {"role": error.errors.get(error.field, [error.message])}
            apply_errors(form, error)
            return Rejected(lambda: _render_invite(form), error.status_code)
        user = invited.user
        if invited.created and invited.link_sent:
            flash_committed(_("%(name)s is uitgenodigd. De uitnodiging met een link om een wachtwoord te kiezen "
                              "is verstuurd naar %(email)s; de link is zeven dagen geldig.",
                              name=user.name, email=user.email))
        elif invited.created:
            flash_committed(_("%(name)s is uitgenodigd en logt in met single sign-on. Er is een e-mail verstuurd "
                              "naar %(email)s.", name=user.name, email=user.email))
        else:
            message = _("Er bestond al een account voor %(email)s. De rol is toegevoegd: %(roles)s.",
                        email=user.email, roles=", ".join(services.role_text(m) for m in invited.added))
            if not user.active:
                message += " " + _("Het account is gedeactiveerd; activeer het om toegang te geven.")
            flash_committed(message, "info")
        return redirect(url_for("people.detail", user_id=user.id))
    return _render_invite(form, 422 if form.is_submitted() else 200)


def _render_detail(user: User, *, name_form: NameForm | None = None, role_form: RoleForm | None = None,
                   status: int = 200) -> Any:
    row = services.row(current_user, user)
    return render_template(
        "people/detail.html", row=row, user=user,
        name_form=name_form or NameForm(formdata=None, name=user.name),
        role_form=role_form or _with_organisations(RoleForm(formdata=None)),
        confirm=ConfirmForm(), two_factor_required=two_factor.required_for(user),
        local_login=_mail().local_login,
    ), status


@bp.route("/gebruikers/<int:user_id>", methods=["GET", "POST"])
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def detail(user: User) -> Any:
    if request.method == "GET":
        return _render_detail(user)
    form = NameForm()
    if form.validate_on_submit():
        try:
            services.rename(actor(), user, form.name.data or "")
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: _render_detail(user, name_form=form), error.status_code)
        flash_committed(_("De naam is opgeslagen."))
        return redirect(url_for("people.detail", user_id=user.id))
    return _render_detail(user, name_form=form, status=422)


@bp.route("/gebruikers/<int:user_id>/rollen", methods=["POST"])
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def grant(user: User) -> Any:
    form = _with_organisations(RoleForm())
    if form.validate_on_submit():
        try:
            membership = services.grant(actor(), user, form.organisation.data or "", form.role.data or "")
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: _render_detail(user, role_form=form), error.status_code)
        message = _("%(name)s is nu %(role)s.", name=user.name, role=services.role_text(membership))
        if Role(membership.role) in two_factor.REQUIRED_ROLES and not user.totp_enabled:
            message += " " + _("Bij de volgende keer inloggen stelt %(name)s tweestapsverificatie in.", name=user.name)
        flash_committed(message)
        return redirect(url_for("people.detail", user_id=user.id))
    return _render_detail(user, role_form=form, status=422)


@bp.route("/gebruikers/<int:user_id>/rollen/<code>/<role>/intrekken", methods=["POST"])
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def revoke(user: User, code: str, role: str) -> Any:
    ConfirmForm()
    try:
        services.revoke(actor(), user, code, role)
    except DomainError as error:
        if error.status_code == 404:
            raise  # a role or organisation outside the scope: the error page, as for any unknown object
        return _refused(user, error)
    flash_committed(_("De rol %(role)s in %(code)s is ingetrokken.", role=role_label(role), code=code.upper()))
    if services.find_user(current_user, user.id) is None:  # no role left in the beheerder's scope
        return redirect(url_for("people.index"))
    return redirect(url_for("people.detail", user_id=user.id))


def _refused(user: User, error: DomainError) -> Rejected:
    """The detail page again with the service's reason (the last beheerder, …), nothing changed."""
    def render() -> Any:
        form = _with_organisations(RoleForm(formdata=None))
        form.form_errors.append(error.message)
        return _render_detail(user, role_form=form)
    return Rejected(render, error.status_code)


@bp.route("/gebruikers/<int:user_id>/deactiveren", methods=["POST"])
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def deactivate(user: User) -> Any:
    ConfirmForm()
    try:
        services.set_active(actor(), user, False)
    except DomainError as error:
        return _refused(user, error)
    flash_committed(_("%(name)s is gedeactiveerd. Alle sessies en API-tokens zijn beëindigd.", name=user.name))
    return redirect(url_for("people.detail", user_id=user.id))


@bp.route("/gebruikers/<int:user_id>/activeren", methods=["POST"])
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def reactivate(user: User) -> Any:
    ConfirmForm()
    services.set_active(actor(), user, True)
    flash_committed(_("%(name)s is weer actief.", name=user.name))
    return redirect(url_for("people.detail", user_id=user.id))


@bp.route("/gebruikers/<int:user_id>/wachtwoord-herstellen", methods=["POST"])
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def reset_password(user: User) -> Any:
    ConfirmForm()
    try:
        services.reset_password(actor(), user, _mail())
    except DomainError as error:
        return _refused(user, error)
    flash_committed(_("Het wachtwoord van %(name)s werkt niet meer; sessies en API-tokens zijn beëindigd. "
                      "%(name)s ontvangt een e-mail met een link (één uur geldig) om een nieuw wachtwoord te "
                      "kiezen.", name=user.name))
    return redirect(url_for("people.detail", user_id=user.id))


@bp.route("/gebruikers/<int:user_id>/uitnodiging", methods=["POST"])
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def resend_invitation(user: User) -> Any:
    ConfirmForm()
    try:
        services.resend_invitation(actor(), user, _mail())
    except DomainError as error:
        return _refused(user, error)
    flash_committed(_("Een nieuwe uitnodiging is verstuurd naar %(email)s; de vorige link werkt niet meer.",
                      email=user.email))
    return redirect(url_for("people.detail", user_id=user.id))
