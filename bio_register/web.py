"""Wiring: blueprints, the transaction boundary, security headers, template helpers."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Request, Response, flash, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import format_decimal, get_locale
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from bio_register import observability
from bio_register.api.base import VALIDATION_PROBLEM, is_api_request, json_refusal, problem
from bio_register.breaches import labels as breach_labels
from bio_register.database import utcnow
from bio_register.errors import DomainError, NotFound, NotPermitted
from bio_register.extensions import api, csrf, db, login_manager
from bio_register.fields import FOLD_LABELS
from bio_register.i18n import (
    format_fixed,
    format_hours,
    format_local,
    format_percentage,
    format_period,
    gettext,
    lazy_gettext,
)
from bio_register.incident_reports import services as incident_reports
from bio_register.incidents import labels as incident_labels
from bio_register.measures import labels as measure_labels
from bio_register.notifications import services as notifications
from bio_register.people.labels import role_label
from bio_register.permissions import Permission, has_permission, permissions_of

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


#: answered without a browser session: the load balancer's and Prometheus's checks
SESSIONLESS_PATHS = frozenset({"/health", "/health/ready", "/metrics"})


def is_sessionless(req: Request) -> bool:
    """Requests that never use the browser session: the health checks, ``/metrics`` and API calls
    that carry a token (the API authenticates by token only; a cookie there is ignored)."""
    if req.path in SESSIONLESS_PATHS:
        return True
    return req.path.startswith("/api/") and req.headers.get("Authorization", "")[:7].lower() == "bearer "


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except for :func:`is_sessionless` requests: they get Flask's
    null session, so no cookie is read or written and Flask-Login never loads a user for them."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if is_sessionless(request):
            return None  # Flask substitutes its null session (empty, refuses writes)
        return super().open_session(app, request)


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in every URL, capped at the database's 32-bit integer: a larger id is a 404."""

    # Only numbers up to 2147483647 match at all. A larger one failing in ``to_python`` after its
    # URL matched would make werkzeug answer 405 (for the other methods on that URL) instead of 404.
    regex = (r"(?:0|[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}"
             r"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])")

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2_147_483_647)
        super().__init__(map, *args, **kwargs)


def register(app: Flask) -> None:
    from bio_register.accounts import api as accounts_api
    from bio_register.accounts import views as accounts_views
    from bio_register.api import docs
    from bio_register.attachments import api as attachments_api
    from bio_register.attachments import views as attachments_views
    from bio_register.breaches import api as breaches_api
    from bio_register.breaches import template_views as breach_template_views
    from bio_register.breaches import views as breaches_views
    from bio_register.cli import bio
    from bio_register.compliance import api as compliance_api
    from bio_register.compliance import views as compliance_views
    from bio_register.imports import views as imports_views
    from bio_register.incident_reports import api as incident_reports_api
    from bio_register.incident_reports import views as incident_reports_views
    from bio_register.incidents import api as incidents_api
    from bio_register.incidents import views as incidents_views
    from bio_register.main import views as main_views
    from bio_register.measures import api as measures_api
    from bio_register.measures import views as measures_views
    from bio_register.organisations import api as organisations_api
    from bio_register.organisations import views as organisations_views
    from bio_register.people import api as people_api
    from bio_register.people import views as people_views
    from bio_register.reporting import api as reporting_api
    from bio_register.reporting import views as reporting_views
    from bio_register.sso import views as sso_views

    for blueprint in (main_views.bp, accounts_views.bp, organisations_views.bp, incidents_views.bp,
                      breaches_views.bp, breach_template_views.bp, compliance_views.bp, measures_views.bp,
                      reporting_views.bp,
                      attachments_views.bp, sso_views.bp, imports_views.bp, people_views.bp,
                      incident_reports_views.bp, docs.bp):
        app.register_blueprint(blueprint)
    for api_blp in (accounts_api.blp, organisations_api.blp, incidents_api.blp, breaches_api.blp,
                    breaches_api.templates_blp,
                    compliance_api.catalogs_blp, compliance_api.compliance_blp, measures_api.blp,
                    reporting_api.blp, reporting_api.figures_blp, reporting_api.accountability_blp,
                    attachments_api.incident_blp, attachments_api.control_blp, people_api.blp,
                    incident_reports_api.blp):
        csrf.exempt(api_blp)
        api.register_blueprint(api_blp)
    # playbooks (draaiboeken) and their steps on incidents
    from bio_register.playbooks import api as playbooks_api
    from bio_register.playbooks import views as playbooks_views

    app.register_blueprint(playbooks_views.bp)
    for api_blp in (playbooks_api.blp, playbooks_api.tasks_blp):
        csrf.exempt(api_blp)
        api.register_blueprint(api_blp)
    # the audit log's page and API
    from bio_register.audit import api as audit_api
    from bio_register.audit import views as audit_views

    app.register_blueprint(audit_views.bp)
    # the verwerkingsregister and the verwerkers; findings (bevindingen)
    from bio_register.findings import api as findings_api
    from bio_register.findings import views as findings_views
    from bio_register.processing import api as processing_api
    from bio_register.processing import import_views as processing_import_views
    from bio_register.processing import views as processing_views

    app.register_blueprint(processing_views.bp)
    app.register_blueprint(processing_import_views.bp)
    csrf.exempt(processing_api.blp)
    api.register_blueprint(processing_api.blp)
    app.register_blueprint(findings_views.bp)
    csrf.exempt(findings_api.blp)
    api.register_blueprint(findings_api.blp)
    from bio_register.webhooks import api as webhooks_api
    from bio_register.webhooks import views as webhooks_views

    app.register_blueprint(webhooks_views.bp)
    csrf.exempt(webhooks_api.blp)
    api.register_blueprint(webhooks_api.blp)
    csrf.exempt(audit_api.blp)
    api.register_blueprint(audit_api.blp)
    app.cli.add_command(bio)
    api.on_server_error = db.session.rollback
    _register_development_pages(app)

    app.session_interface = SessionInterface()
    _configure_login()
    _register_session_timeouts(app)
    _register_input_guard(app)
    _register_headers(app)
    _register_errors(app)
    _register_template_helpers(app)
    observability.register(app)  # request ids, metrics, JSON logs, /health/ready, /metrics


def _register_development_pages(app: Flask) -> None:
    """The development server without SMTP prints e-mail on the console and shows it on
    *Verzonden e-mail (ontwikkeling)*; in production that page does not exist (404)."""
    from bio_register.config import mail_transport

    app.config["DEV_OUTBOX"] = bool(app.config.get("DEVELOPMENT")) and mail_transport(app.config) == "console"
    if app.config["DEV_OUTBOX"]:
        from bio_register.notifications import views as dev_mail_views

        app.register_blueprint(dev_mail_views.bp)


def _configure_login() -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Log in om deze pagina te zien.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str) -> Any:
        from bio_register.accounts.login import SESSION_KEY
        from bio_register.accounts.models import User
        from bio_register.accounts.services import session_user

        user_id, _, version = session_id.partition(":")
        key = session.get(SESSION_KEY)
        if not user_id.isdigit() or not version.isdigit() or not isinstance(key, str):
            return None
        # A session the server ended (logout) opens nothing, even from a copied cookie.
        user: User | None = session_user(int(user_id), key)
        # A changed auth_version (password change, deactivation) ends old sessions.
        if user is None or not user.active or user.auth_version != int(version):
            return None
        return user


def _register_session_timeouts(app: Flask) -> None:
    """End a browser session after a quiet spell (idle) and after a fixed time (absolute)."""

    @app.before_request
    def _expire_session() -> Any:
        if request.path.startswith("/api/") or request.endpoint == "static" or is_sessionless(request):
            return None
        if not session.get("_user_id"):
            return None
        now = time.time()
        started = session.setdefault("started_at", now)
        last = session.get("seen_at", now)
        idle = app.config["SESSION_IDLE_MINUTES"] * 60
        absolute = app.config["SESSION_ABSOLUTE_HOURS"] * 3600
        if now - last > idle or now - started > absolute:
            logout_user()
            session.clear()
            flash(gettext("Uw sessie is verlopen. Log opnieuw in."), "info")
            return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))
        # Written at most once a minute, so a busy page does not rewrite the cookie on every request.
        if now - last > 60 or "seen_at" not in session:
            session["seen_at"] = now
        return None


def _has_bad_characters(value: Any) -> bool:
    """NUL (PostgreSQL refuses it) or a lone surrogate (not encodable as UTF-8) anywhere inside."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_bad_characters(k) or _has_bad_characters(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_bad_characters(v) for v in value)
    return False


def _register_input_guard(app: Flask) -> None:
    """Refuse input no field may hold, before any view or query sees it."""

    @app.before_request
    def _reject_bad_characters() -> Any:
        if request.is_json:  # whatever the method: a DELETE may carry a body (a reason) too
            refusal = json_refusal(request)  # too large, too deep, a huge number: never parsed
            if refusal is not None:
                return _refuse_json(refusal)
        bad = ["path"] if _has_bad_characters(request.path) else []
        fields: list[tuple[Any, Any]] = list(request.args.items(multi=True))
        if request.method in {"POST", "PUT", "PATCH"}:
            if request.is_json:
                body = request.get_json(silent=True)
                fields.extend(body.items() if isinstance(body, dict) else [("body", body)])
            else:
                fields.extend(request.form.items(multi=True))
        bad += [str(name) for name, value in fields if _has_bad_characters(name) or _has_bad_characters(value)]
        if not bad:
            return None
        message = gettext("De invoer bevat tekens die niet zijn toegestaan (zoals een NUL-teken).")
        if is_api_request():  # the message per field at fault, like any other validation error
            return problem(422, message, errors={name: [message] for name in dict.fromkeys(bad)})
        return render_template("errors/error.html", code=422, message=message), 422


def _refuse_json(message: str) -> Any:
    if is_api_request():
        return problem(422, message, errors={"body": [message]}, type_=VALIDATION_PROBLEM)
    return render_template("errors/error.html", code=422, message=message), 422


def _register_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/api/") or (not is_sessionless(request) and current_user.is_authenticated):
            headers.setdefault("Cache-Control", "no-store")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Any:
        if is_api_request():
            return problem(400, "CSRF-token ontbreekt of is verlopen.")
        message = gettext(
            "Het formulier is verlopen of niet via deze site verstuurd. Laad de pagina opnieuw "
            "en probeer het nog eens."
        )
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge) -> Any:
        # Raised while the body is read (CSRF check, form parsing), before any view ran.
        message = gettext("Het verzonden bestand is te groot: bijlagen mogen hoogstens %(mb)d MB zijn.",
                          mb=app.config["MAX_ATTACHMENT_MB"])
        if is_api_request():
            return problem(413, message)
        return render_template("errors/error.html", code=413, message=message), 413

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> Any:
        # The pipeline rolled the unit of work back before this runs.
        if is_api_request():
            return problem(error.status_code, error.message, errors=error.errors or None)
        if isinstance(error, NotFound | NotPermitted):
            message = error.message if isinstance(error, NotPermitted) else None
            return render_template("errors/error.html", code=error.status_code, message=message), error.status_code
        # Views normally return Rejected to re-render their form; this is the safety net.
        flash(error.message, "error")
        return redirect(request.referrer or url_for("main.home"))


def _register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["local"] = format_local
    app.jinja_env.filters["number"] = format_decimal  # 1.000 in Dutch, 1,000 in English
    app.jinja_env.filters["fixed"] = format_fixed      # 19,7 in Dutch, 19.7 in English
    app.jinja_env.filters["percentage"] = format_percentage  # 70,0 % in Dutch, 70.0% in English
    app.jinja_env.filters["hours"] = format_hours      # 19,7 uur; 5 dagen en 3 uur
    app.jinja_env.filters["period"] = format_period    # 2026-Q4 → 4e kwartaal 2026
    app.jinja_env.globals["Permission"] = Permission
    app.jinja_env.globals["field_attrs"] = field_attrs
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.filters["role_label"] = role_label
    app.jinja_env.globals["now"] = utcnow
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["fold_labels"] = FOLD_LABELS
    app.jinja_env.globals["personal_data_label"] = incident_reports.personal_data_label
    app.jinja_env.globals.update(incident_labels.TEMPLATE_HELPERS)
    app.jinja_env.globals.update(breach_labels.TEMPLATE_HELPERS)
    app.jinja_env.globals.update(measure_labels.TEMPLATE_HELPERS)

    @app.context_processor
    def _inject() -> dict[str, Any]:
        def can(permission: Permission, organisation_id: int | None = None) -> bool:
            return has_permission(current_user, permission, organisation_id)

        def unread_notices() -> int:
            return notifications.unread_count(current_user) if current_user.is_authenticated else 0

        return {"can": can, "user_permissions": permissions_of(current_user), "unread_notices": unread_notices}


def field_attrs(field: Any, hint: str | None = None) -> dict[str, str]:
    """ARIA attributes tying a form input to its hint and error messages."""
    described = []
    if field.description or hint:
        described.append(f"{field.id}-hint")
    if field.errors:
        described.append(f"{field.id}-error")
    attrs = {"aria-invalid": "true" if field.errors else "false"}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.flags.required:
        attrs["required"] = "required"
    return attrs
