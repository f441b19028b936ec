from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from bio_register.accounts import services
from bio_register.accounts.forms import (
    ConfirmForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    TokenForm,
)
from bio_register.accounts.login import begin_session
from bio_register.accounts.models import ApiToken
from bio_register.errors import DomainError
from bio_register.extensions import db, limiter
from bio_register.i18n import gettext as _

bp = Blueprint("accounts", __name__, template_folder="templates")

#: Brute force: failed logins per client address, and per account (the same answer for every account).
LOGIN_LIMIT_PER_ADDRESS = "30 per 10 minutes"
LOGIN_LIMIT_PER_ACCOUNT = "5 per 10 minutes"


def LOGIN_LIMIT_MESSAGE() -> str:  # noqa: N802 (used like the constants above)
    return _("Te veel mislukte inlogpogingen. Wacht tien minuten en probeer het opnieuw.")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.home")


def _form_error(form: Any, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _login_account_key() -> str:
    """Failed logins are counted per submitted account too, whether or not it exists."""
    return "login-account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _failed_login(response: Any) -> bool:
    """Only attempts that did not log in count (a success redirects)."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_ADDRESS, methods=["POST"], deduct_when=_failed_login,
               error_message=LOGIN_LIMIT_MESSAGE)
@limiter.limit(LOGIN_LIMIT_PER_ACCOUNT, key_func=_login_account_key, methods=["POST"], deduct_when=_failed_login,
               error_message=LOGIN_LIMIT_MESSAGE)
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if not current_app.config.get("LOCAL_LOGIN", True) and request.method == "POST":
        # BIO_REGISTER_LOCAL_LOGIN=false: only single sign-on; the password is not even checked.
        form.form_errors.append(_("Inloggen met een wachtwoord is uitgeschakeld. Gebruik de knop hieronder."))
        return render_template("accounts/login.html", form=form), 403
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            return begin_session(user, _safe_next(request.args.get("next")))
        # Rendered with 200 so the failed attempt stays in the audit log (see web.py).
        form.form_errors.append(_("Deze combinatie van e-mailadres en wachtwoord is onbekend."))
        form.password.data = ""
        return render_template("accounts/login.html", form=form)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    ConfirmForm()  # CSRF is checked by CSRFProtect before we get here
    logout_user()
    session.clear()
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or "nl"
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, name=form.name.data, locale=form.locale.data)
        except DomainError as error:
            _form_error(form, error)
        else:
            session.pop("lang", None)
            flash(_("Uw gegevens zijn opgeslagen."), "success")
            return redirect(url_for("accounts.account"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/account.html", form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data or "",
                                     form.password.data or "", form.repeat.data or "")
        except DomainError as error:
            _form_error(form, error)
        else:
            login_user(current_user._get_current_object())  # keep this session; the others end (auth_version)
            flash(_("Uw wachtwoord is gewijzigd. Andere sessies zijn beëindigd."), "success")
            return redirect(url_for("accounts.account"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/password.html", form=form,
                           min_length=services.MIN_PASSWORD_LENGTH), status


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> Any:
    form = TokenForm()
    new_secret = None
    if form.validate_on_submit():
        try:
            issued = services.create_token(current_user, current_user, form.name.data or "",
                                           form.days.data or services.DEFAULT_TOKEN_DAYS)
        except DomainError as error:
            _form_error(form, error)
        else:
            new_secret = issued.secret
            form = TokenForm(formdata=None)
    status = 422 if form.is_submitted() and form.errors else 200
    token_list = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("accounts/tokens.html", form=form, tokens=token_list,
                           new_secret=new_secret, confirm=ConfirmForm()), status


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> Any:
    ConfirmForm()
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    services.revoke_token(current_user, token)
    flash(_("Het token „%(name)s” is ingetrokken.", name=token.name), "success")
    return redirect(url_for("accounts.tokens"))
