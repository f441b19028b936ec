from __future__ import annotations

import functools
import logging
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from bio_register.accounts import links, services, two_factor
from bio_register.accounts.forms import (
    ConfirmForm,
    DigestForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    SetPasswordForm,
    TokenForm,
    TotpCodeForm,
    TotpLoginForm,
)
from bio_register.accounts.login import (
    begin_session,
    clear_pending,
    complete_login,
    end_session,
    pending_user,
    safe_next,
)
from bio_register.accounts.models import ApiToken, User
from bio_register.errors import DomainError, NotFound
from bio_register.extensions import db, limiter
from bio_register.forms import apply_errors
from bio_register.i18n import gettext as _
from bio_register.loaders import MANAGED_USER, OWN_API_TOKEN
from bio_register.notifications import delivery
from bio_register.permissions import Permission
from bio_register.pipeline import Rejected, actor, flash_committed, public, requires, signed_in, signed_in_with
from bio_register.unit_of_work import after_commit

bp = Blueprint("accounts", __name__, template_folder="templates")
log = logging.getLogger(__name__)

#: Brute force: failed logins per client address, and per account (the same answer for every account).
LOGIN_LIMIT_PER_ADDRESS = "30 per 10 minutes"
LOGIN_LIMIT_PER_ACCOUNT = "5 per 10 minutes"


#: Wrong second-factor codes per user, counted together on the code page and the account pages.
TOTP_LIMIT_PER_USER = "5 per 10 minutes"


# The limit messages are callables, so they are translated per request into the user's language.
# Flask-Limiter documents error_message as "string (or callable that returns one)" and calls it, but
# annotates it `str | None`: hence the `type: ignore[arg-type]` where they are passed.
def TOTP_LIMIT_MESSAGE() -> str:  # noqa: N802
    return _("Te veel onjuiste codes. Wacht tien minuten en probeer het opnieuw.")


def LOGIN_LIMIT_MESSAGE() -> str:  # noqa: N802 (used like the constants above)
    return _("Te veel mislukte inlogpogingen. Wacht tien minuten en probeer het opnieuw.")


def _login_account_key() -> str:
    """Failed logins are counted per submitted account too, whether or not it exists."""
    return "login-account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _failed_login(response: Any) -> bool:
    """Only attempts that did not log in count (a success redirects)."""
    return response.status_code != 302


# The login pages answer a failed attempt (wrong password, wrong code) with the page again and
# 200, not with ``Rejected``: the attempt's audit event is the work of the request and must be
# committed. Flask-Limiter's decorators stand above the pipeline's: the limit is checked before
# the view runs and a failure is counted (``deduct_when``) on the response the pipeline returned.
# None of these views commits half-way: the new session lives in the cookie, which leaves with
# the response, after the pipeline committed.


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_ADDRESS, methods=["POST"], deduct_when=_failed_login,
               error_message=LOGIN_LIMIT_MESSAGE)  # type: ignore[arg-type]  # see above
@limiter.limit(LOGIN_LIMIT_PER_ACCOUNT, key_func=_login_account_key, methods=["POST"], deduct_when=_failed_login,
               error_message=LOGIN_LIMIT_MESSAGE)  # type: ignore[arg-type]  # see above
@public
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
            return begin_session(user, safe_next(request.args.get("next")))
        # 200 and committed: the failed attempt stays in the audit log; the limiter counts it.
        form.form_errors.append(_("Deze combinatie van e-mailadres en wachtwoord is onbekend."))
        form.password.data = ""
        return render_template("accounts/login.html", form=form)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form), status


def _totp_user_key() -> str:
    """Wrong codes are counted per user: the one half-way through a login, or the logged-in one."""
    if current_user.is_authenticated:
        return f"totp-user:{current_user.id}"
    pending = session.get("mfa_pending")
    user_id = pending.get("user_id") if isinstance(pending, dict) else None
    return f"totp-user:{user_id}"


def _wrong_code(response: Any) -> bool:
    """On the account pages a success may answer 200 too: count only the attempts marked wrong."""
    return bool(g.get("totp_wrong_code"))


def _pending_expired() -> Any:
    clear_pending()
    flash(_("Uw inlogpoging is verlopen. Log opnieuw in."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/login/totp", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_ADDRESS, methods=["POST"], deduct_when=_failed_login,
               error_message=TOTP_LIMIT_MESSAGE)  # type: ignore[arg-type]  # see above
@limiter.shared_limit(TOTP_LIMIT_PER_USER, scope="totp-code", key_func=_totp_user_key, methods=["POST"],
                      deduct_when=_wrong_code, error_message=TOTP_LIMIT_MESSAGE)  # type: ignore[arg-type]  # see above
@public
def login_totp() -> Any:
    """The second step of a login: a code from the app or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    pending = pending_user()
    if pending is None:
        return _pending_expired()
    user, next_url = pending
    if not user.totp_enabled:
        return redirect(url_for("accounts.login_enrol"))
    form = TotpLoginForm()
    if form.validate_on_submit():
        if two_factor.verify_login(user, form.code.data or ""):
            left = two_factor.unused_recovery_codes(user)
            complete_login(user, mfa=True)
            if left <= 3:
                flash_committed(_("U heeft nog %(n)d ongebruikte herstelcodes. Maak nieuwe aan onder Mijn "
                                  "account.", n=left), "warning")
            return redirect(next_url)
        # 200 and committed: the failed attempt stays in the audit log; it counts for the limit.
        g.totp_wrong_code = True
        form.code.errors = [*form.code.errors, _("Deze code klopt niet.")]
        form.code.data = ""
        return render_template("accounts/login_totp.html", form=form)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/login_totp.html", form=form), status


@bp.route("/login/totp/instellen", methods=["GET", "POST"])
@public
def login_enrol() -> Any:
    """Enrolment right after the password, for a user who must use TOTP and has not set it up."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    pending = pending_user()
    if pending is None:
        return _pending_expired()
    user, next_url = pending
    if user.totp_enabled:
        return redirect(url_for("accounts.login_totp"))
    form = TotpCodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(user, form.code.data or "")
        except DomainError as error:
            apply_errors(form, error)
            return _render_enrol(user, form, forced=True)  # 200 and committed: the failed attempt stays audited
        complete_login(user, mfa=True)
        return render_template("accounts/recovery_codes.html", codes=codes, next_url=next_url, first=True)
    return _render_enrol(user, form, forced=True, status=422 if form.is_submitted() else 200)


def _render_enrol(user: User, form: TotpCodeForm, *, forced: bool, status: int = 200) -> Any:
    secret = two_factor.pending_secret(user)
    uri = two_factor.provisioning_uri(user, secret)
    response = make_response(render_template("accounts/enrol.html", form=form, forced=forced,
                                             qr=two_factor.qr_svg(uri), secret=two_factor.format_secret(secret),
                                             user=user), status)
    response.headers["Cache-Control"] = "no-store"  # the secret, also for a user not yet logged in
    return response


@bp.route("/logout", methods=["POST"])
@public  # also without a session (an expired one): the answer is the same, "U bent uitgelogd."
def logout() -> Any:
    ConfirmForm()  # CSRF is checked by CSRFProtect before we get here
    logout_user()
    end_session()
    flash_committed(_("U bent uitgelogd."), "info")
    return redirect(url_for("accounts.login"))


# --- "Wachtwoord vergeten?" and the one-time links -------------------------------------------------------

#: Reset links asked for per client address, and per account (counted whether or not it exists).
FORGOT_LIMIT_PER_ADDRESS = "10 per hour"
FORGOT_LIMIT_PER_ACCOUNT = "3 per hour"
#: where the token of a one-time link waits between opening the link and saving the password
LINK_KEY = "account_link"


def FORGOT_LIMIT_MESSAGE() -> str:  # noqa: N802 (used like the constants above)
    return _("U hebt te vaak om een nieuw wachtwoord gevraagd. Wacht een uur en probeer het opnieuw.")


def _forgot_account_key() -> str:
    return "forgot-account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _send_after_response(app: Flask, message_id: int) -> None:
    """Send one outbox message in a context of its own; on failure the scheduler's outbox run retries."""
    with app.app_context():
        try:
            delivery.deliver(app.config, [message_id])
        except Exception:  # after the response there is nobody to tell; the message stays in the outbox
            log.exception("sending e-mail %s after the response failed; the outbox keeps it", message_id)


def _local_login_only() -> None:
    if not current_app.config.get("LOCAL_LOGIN", True):
        raise NotFound()  # single sign-on only: there are no passwords to forget or choose


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(FORGOT_LIMIT_PER_ADDRESS, methods=["POST"],
               error_message=FORGOT_LIMIT_MESSAGE)  # type: ignore[arg-type]  # see above
@limiter.limit(FORGOT_LIMIT_PER_ACCOUNT, key_func=_forgot_account_key, methods=["POST"],
               error_message=FORGOT_LIMIT_MESSAGE)  # type: ignore[arg-type]  # see above
@public
def forgot_password() -> Any:
    """A one-time link (1 hour) by e-mail; the same answer whether or not the address has an account."""
    _local_login_only()
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        message_id = services.request_password_reset(form.email.data or "", links.for_app(current_app))
        response = make_response(render_template("accounts/forgot_password.html", form=form, sent=True))
        if message_id is not None:
            # Sent once the answer has gone out (the pipeline has committed by then): waiting for the
            # mail server would make the answer slower for an address that has an account.
            app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy's own method
            response.call_on_close(functools.partial(_send_after_response, app, message_id))
        return response
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/forgot_password.html", form=form, sent=False), status


@bp.route("/wachtwoord-instellen/<token>")
@public
def set_password_link(token: str) -> Any:
    """The link in the e-mail. The token leaves the address bar at once (no Referer, no history, no
    later log line of the form page carries it): it waits in the session for the form."""
    _local_login_only()
    session[LINK_KEY] = token[:100]
    return redirect(url_for("accounts.set_password"))


def _render_set_password(form: SetPasswordForm, status: int = 200) -> Any:
    token = session.get(LINK_KEY)
    link = services.find_link(token) if isinstance(token, str) else None
    if link is None:
        return render_template("accounts/set_password.html", unusable=services.link_unusable_message()), 410
    return render_template("accounts/set_password.html", form=form, user=link.user, unusable=None,
                           min_length=services.MIN_PASSWORD_LENGTH), status


@bp.route("/wachtwoord-instellen", methods=["GET", "POST"])
@public
def set_password() -> Any:
    """Choose a password through an invitation or reset link; an expired or used link changes nothing."""
    _local_login_only()
    form = SetPasswordForm()
    token = session.get(LINK_KEY)
    if not isinstance(token, str) or services.find_link(token) is None:
        return _render_set_password(form)
    if form.validate_on_submit():
        try:
            services.use_link(token, form.password.data or "", form.repeat.data or "")
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: _render_set_password(form), error.status_code)
        logout_user()  # whoever was logged in in this browser: the new password's owner logs in afresh
        end_session()
        flash_committed(_("Uw wachtwoord is opgeslagen. Log nu in."))
        return redirect(url_for("accounts.login"))
    return _render_set_password(form, 422 if form.is_submitted() else 200)


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account() -> Any:
    user = actor()
    form = ProfileForm(obj=user)
    if request.method == "GET":
        form.locale.data = user.locale or "nl"
    if form.validate_on_submit():
        try:
            services.update_profile(user, name=form.name.data, locale=form.locale.data)
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: render_template("accounts/account.html", form=form,
                                                    digest_form=_digest_form(user)), error.status_code)
        session.pop("lang", None)
        flash_committed(_("Uw gegevens zijn opgeslagen."))
        return redirect(url_for("accounts.account"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/account.html", form=form, digest_form=_digest_form(user)), status


def _digest_form(user: Any) -> DigestForm:
    return DigestForm(formdata=None, wanted=not user.digest_opt_out)


@bp.route("/account/weekoverzicht", methods=["POST"])
@signed_in
def weekly_digest() -> Any:
    """Switch one's own weekly digest on or off (the legal deadline warnings always come)."""
    form = DigestForm()
    if form.validate_on_submit():
        services.set_weekly_digest(actor(), bool(form.wanted.data))
        flash_committed(_("U ontvangt het weekoverzicht.") if form.wanted.data
                        else _("U ontvangt het weekoverzicht niet meer. Waarschuwingen voor de wettelijke "
                               "termijnen blijft u ontvangen."))
    return redirect(url_for("accounts.account"))


def _render_password(form: PasswordChangeForm, status: int = 200) -> Any:
    return render_template("accounts/password.html", form=form, min_length=services.MIN_PASSWORD_LENGTH,
                           forced=actor().password_must_change), status


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password() -> Any:
    user = actor()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data or "",
                                     form.password.data or "", form.repeat.data or "")
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: _render_password(form), error.status_code)
        # Keep this session under the new auth_version (the others end), once that version is stored.
        after_commit(db.session, lambda: login_user(user))
        flash_committed(_("Uw wachtwoord is gewijzigd. Andere sessies zijn beëindigd."))
        return redirect(url_for("accounts.account"))
    return _render_password(form, 422 if form.is_submitted() else 200)


def _render_tokens(form: TokenForm, status: int = 200, new_secret: str | None = None) -> Any:
    token_list = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor().id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("accounts/tokens.html", form=form, tokens=token_list,
                           new_secret=new_secret, confirm=ConfirmForm()), status


@bp.route("/account/tokens", methods=["GET", "POST"])
@signed_in
def tokens() -> Any:
    user = actor()
    form = TokenForm()
    if form.validate_on_submit():
        try:
            issued = services.create_token(user, user, form.name.data or "",
                                           form.days.data or services.DEFAULT_TOKEN_DAYS)
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: _render_tokens(form), error.status_code)
        return _render_tokens(TokenForm(formdata=None), new_secret=issued.secret)  # the secret, shown once
    return _render_tokens(form, 422 if form.is_submitted() else 200)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@signed_in_with(OWN_API_TOKEN)
def revoke_token(token: ApiToken) -> Any:
    ConfirmForm()
    services.revoke_token(actor(), token)
    flash_committed(_("Het token „%(name)s” is ingetrokken.", name=token.name))
    return redirect(url_for("accounts.tokens"))


@bp.route("/account/tweestapsverificatie")
@signed_in
def two_factor_page() -> Any:
    user = actor()
    return render_template("accounts/two_factor.html", required=two_factor.required_for(user),
                           unused=two_factor.unused_recovery_codes(user), form=TotpCodeForm())


@bp.route("/account/tweestapsverificatie/instellen", methods=["GET", "POST"])
@signed_in
def two_factor_enrol() -> Any:
    user = actor()
    if user.totp_enabled:
        return redirect(url_for("accounts.two_factor_page"))
    form = TotpCodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(user, form.code.data or "")
        except DomainError as error:
            apply_errors(form, error)
            return _render_enrol(user, form, forced=False)  # 200 and committed: the failed attempt stays audited
        session["mfa"] = True
        return render_template("accounts/recovery_codes.html", codes=codes,
                               next_url=url_for("accounts.two_factor_page"), first=True)
    return _render_enrol(user, form, forced=False, status=422 if form.is_submitted() else 200)


def _account_code_form_failed(form: TotpCodeForm, error: DomainError | None = None) -> Any:
    """The two-factor account page again: an incomplete form (422), or a wrong code (``error``)."""
    user = actor()
    status = 422
    if error is not None:
        apply_errors(form, error)
        g.totp_wrong_code = True
        status = 200  # committed: the failed attempt stays in the audit log; the limiter counts it
    return render_template("accounts/two_factor.html", required=two_factor.required_for(user),
                           unused=two_factor.unused_recovery_codes(user), form=form), status


@bp.route("/account/tweestapsverificatie/herstelcodes", methods=["POST"])
@limiter.shared_limit(TOTP_LIMIT_PER_USER, scope="totp-code", key_func=_totp_user_key,
                      deduct_when=_wrong_code, error_message=TOTP_LIMIT_MESSAGE)  # type: ignore[arg-type]  # see above
@signed_in
def two_factor_recovery_codes() -> Any:
    """New recovery codes (the old ones stop working), confirmed with a code from the app."""
    user = actor()
    form = TotpCodeForm()
    if not form.validate_on_submit():
        return _account_code_form_failed(form)
    try:
        two_factor.verify_current(user, form.code.data or "")
    except DomainError as error:
        return _account_code_form_failed(form, error)
    codes = two_factor.generate_recovery_codes(user)
    return render_template("accounts/recovery_codes.html", codes=codes,
                           next_url=url_for("accounts.two_factor_page"), first=False)


@bp.route("/account/tweestapsverificatie/uitschakelen", methods=["POST"])
@limiter.shared_limit(TOTP_LIMIT_PER_USER, scope="totp-code", key_func=_totp_user_key,
                      deduct_when=_wrong_code, error_message=TOTP_LIMIT_MESSAGE)  # type: ignore[arg-type]  # see above
@signed_in
def two_factor_disable() -> Any:
    user = actor()
    form = TotpCodeForm()
    if not form.validate_on_submit():
        return _account_code_form_failed(form)
    try:
        two_factor.disable(user, form.code.data or "")
    except DomainError as error:
        return _account_code_form_failed(form, error)
    flash_committed(_("Tweestapsverificatie staat uit."))
    return redirect(url_for("accounts.two_factor_page"))


@bp.route("/gebruikers/<int:user_id>/tweestapsverificatie/herstellen", methods=["POST"])
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def reset_two_factor(user: User) -> Any:
    """A beheerder removes a user's second factor (lost phone); the user enrols again at next login."""
    ConfirmForm()
    two_factor.reset(actor(), user)
    flash_committed(_("De tweestapsverificatie van %(name)s is gewist. Bij de volgende keer inloggen stelt "
                      "%(name)s die opnieuw in.", name=user.name))
    return redirect(safe_next(request.form.get("next")))


_ENROL_ALLOWED = frozenset({"accounts.two_factor_enrol", "accounts.logout", "static", "main.health"})


@bp.before_app_request
def _require_enrolment() -> Any:
    """A logged-in user who must use TOTP but has not set it up can only enrol (or log out).

    Logins already go through enrolment (login.py); this catches sessions from before the
    requirement (a new role, the organisation switching it on).
    """
    if request.path.startswith("/api/") or request.endpoint in _ENROL_ALLOWED:
        return None
    if not current_user.is_authenticated or session.get("mfa"):
        return None
    user = current_user._get_current_object()
    if user.totp_enabled or not two_factor.required_for(user):
        return None
    return redirect(url_for("accounts.two_factor_enrol"))


_PASSWORD_CHANGE_ALLOWED = frozenset({"accounts.change_password", "accounts.logout", "accounts.two_factor_enrol",
                                      "static", "main.health"})


@bp.before_app_request
def _require_password_change() -> Any:
    """A user whose password someone else chose (``create-user``) chooses their own first."""
    if request.path.startswith("/api/") or request.endpoint in _PASSWORD_CHANGE_ALLOWED:
        return None
    if not current_user.is_authenticated or not current_user.password_must_change:
        return None
    return redirect(url_for("accounts.change_password"))
