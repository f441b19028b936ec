"""The webhooks pages, under the organisation's administration: the list with the form to register
one, an endpoint's settings with its delivery log and "test versturen". The functioneel beheerder
(``organisation:manage``) only; the secret is shown once, on the page that answers the registration."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from bio_register.errors import DomainError
from bio_register.forms import apply_errors, page_arg
from bio_register.i18n import gettext as _
from bio_register.loaders import WEBHOOK
from bio_register.loaders import organisation as organisation_loader
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission
from bio_register.pipeline import Rejected, actor, flash_committed, requires
from bio_register.webhooks import links, services
from bio_register.webhooks.forms import WebhookForm
from bio_register.webhooks.models import WebhookEndpoint

bp = Blueprint("webhooks", __name__, template_folder="templates")

#: the organisation named by ``code`` in the URL, for those who read it (managing it: 403 otherwise)
ORGANISATION = organisation_loader(Permission.ORGANISATION_READ)
PER_PAGE = 50


def _allow_loopback() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_LOOPBACK"))


def _data(form: WebhookForm, *, with_active: bool) -> dict[str, Any]:
    data = {"url": form.url.data, "description": form.description.data, "events": list(form.events.data or []),
            "personal_data_allowed": bool(form.personal_data_allowed.data)}
    if with_active:
        data["active"] = bool(form.active.data)
    return data


def _index(organisation: Organisation, form: WebhookForm, code: int = 200) -> Any:
    page = services.list_endpoints(organisation, page_arg(request.args.get("page", 1)), PER_PAGE)
    return render_template("webhooks/index.html", organisation=organisation, page=page, form=form,
                           event_label=services.event_label), code


@bp.route("/organisaties/<code>/webhooks")
@requires(Permission.ORGANISATION_MANAGE, load=ORGANISATION)
def index(organisation: Organisation) -> Any:
    """The organisation's webhooks, and the form to register one."""
    return _index(organisation, WebhookForm(formdata=None))


@bp.route("/organisaties/<code>/webhooks", methods=["POST"])
@requires(Permission.ORGANISATION_MANAGE, load=ORGANISATION)
def create(organisation: Organisation) -> Any:
    """Register an endpoint; the answer shows its secret, this once."""
    form = WebhookForm()
    if not form.validate_on_submit():
        return _index(organisation, form, 422)
    try:
        endpoint = services.create_endpoint(actor(), organisation, _data(form, with_active=False),
                                            allow_loopback=_allow_loopback())
    except DomainError as error:
        apply_errors(form, error)
        status = error.status_code
        return Rejected(lambda: _index(organisation, form, status), status)
    # The secret is shown on this page only (never stored in the session or flashed, never shown again).
    return render_template("webhooks/created.html", organisation=organisation, endpoint=endpoint,
                           event_label=services.event_label)


def _detail(endpoint: WebhookEndpoint, form: WebhookForm, code: int = 200) -> Any:
    page = services.deliveries(endpoint, page_arg(request.args.get("page", 1)), PER_PAGE)
    return render_template("webhooks/detail.html", organisation=endpoint.organisation, endpoint=endpoint, form=form,
                           page=page, status_of=services.delivery_status, event_label=services.event_label), code


@bp.route("/organisaties/<code>/webhooks/<int:webhook_id>", methods=["GET", "POST"])
@requires(Permission.ORGANISATION_MANAGE, load=WEBHOOK)
def detail(endpoint: WebhookEndpoint) -> Any:
    """An endpoint's settings (changed here) and its delivery log."""
    if request.method == "GET":
        form = WebhookForm(formdata=None, obj=endpoint)
        return _detail(endpoint, form)
    form = WebhookForm()
    if not form.validate_on_submit():
        return _detail(endpoint, form, 422)
    try:
        services.update_endpoint(actor(), endpoint, _data(form, with_active=True), allow_loopback=_allow_loopback())
    except DomainError as error:
        apply_errors(form, error)
        status = error.status_code
        return Rejected(lambda: _detail(endpoint, form, status), status)
    flash_committed(_("De webhook is opgeslagen."))
    return redirect(url_for("webhooks.detail", code=endpoint.organisation.code, webhook_id=endpoint.id))


@bp.route("/organisaties/<code>/webhooks/<int:webhook_id>/test", methods=["POST"])
@requires(Permission.ORGANISATION_MANAGE, load=WEBHOOK)
def send_test(endpoint: WebhookEndpoint) -> Any:
    """Queue a test message; the scheduler sends it within a minute (the log shows the outcome)."""
    # CSRF is checked by CSRFProtect before we get here
    try:
        services.send_test(actor(), endpoint, links.for_app(current_app))
    except DomainError as error:
        message, status = error.message, error.status_code
        return Rejected(lambda: _detail(endpoint, _with_error(WebhookForm(formdata=None, obj=endpoint), message),
                                        status), status)
    flash_committed(_("Het testbericht staat klaar en wordt binnen een minuut verstuurd. Vernieuw de pagina "
                      "voor de uitkomst."))
    return redirect(url_for("webhooks.detail", code=endpoint.organisation.code, webhook_id=endpoint.id))


def _with_error(form: WebhookForm, message: str) -> WebhookForm:
    form.form_errors.append(message)
    return form


@bp.route("/organisaties/<code>/webhooks/<int:webhook_id>/verwijderen", methods=["POST"])
@requires(Permission.ORGANISATION_MANAGE, load=WEBHOOK)
def remove(endpoint: WebhookEndpoint) -> Any:
    """Remove the endpoint and its delivery log."""
    organisation = endpoint.organisation  # CSRF is checked by CSRFProtect before we get here
    services.delete_endpoint(actor(), endpoint)
    flash_committed(_("De webhook is verwijderd."))
    return redirect(url_for("webhooks.index", code=organisation.code))
