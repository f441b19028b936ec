"""The audit-log page for the functioneel beheerder, and its CSV export (streamed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user

from bio_register.audit import browse, labels
from bio_register.audit import export as exporter
from bio_register.audit import services as audit_services
from bio_register.audit.forms import AuditFilterForm
from bio_register.errors import ValidationFailed
from bio_register.forms import SelectChoice
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.permissions import Permission, has_permission, scoped_organisations
from bio_register.pipeline import requires
from bio_register.timeutil import to_local, to_utc

bp = Blueprint("audit", __name__, template_folder="templates")

PER_PAGE = 50
FILTER_ARGS = ("organisation", "entity", "entity_id", "actor", "period_from", "period_until")


def _local_day(form: AuditFilterForm, name: str, *, end: bool = False) -> dt.datetime | None:
    field = getattr(form, name)
    if field.errors or not field.data:
        return None
    try:
        day = dt.date.fromisoformat(field.data)
    except ValueError:
        field.errors = [*list(field.errors), _("Geen geldige datum (jjjj-mm-dd).")]
        return None
    if not 1970 <= day.year < 2100:
        field.errors = [*list(field.errors), _("Kies een datum tussen 1970 en 2100.")]
        return None
    if end:
        day += dt.timedelta(days=1)
    return to_utc(dt.datetime(day.year, day.month, day.day), current_app.config["TIMEZONE"])


def _filter() -> tuple[AuditFilterForm, browse.AuditFilter | None]:
    """The form from the query string and the filter it asks for (None when a value is wrong: the
    form then carries the message)."""
    form = AuditFilterForm(request.args)
    orgs = scoped_organisations(current_user, Permission.AUDIT_READ)
    form.organisation.choices = [SelectChoice("", _l("alle")), *(SelectChoice(o.code, o.name) for o in orgs)]
    form.validate()
    by_code = {o.code: o.id for o in orgs}
    period_from = _local_day(form, "period_from")
    period_until = _local_day(form, "period_until", end=True)
    if any(getattr(form, name).errors for name in FILTER_ARGS):
        return form, None
    try:
        flt = browse.AuditFilter.build(
            organisation_id=by_code.get(form.organisation.data) if form.organisation.data else None,
            entity=form.entity.data, entity_id=form.entity_id.data, actor=form.actor.data,
            occurred_from=period_from, occurred_until=period_until)
    except ValidationFailed as error:
        field = {"from": "period_from", "until": "period_until"}.get(error.field or "", error.field or "entity")
        target = getattr(form, field, form.entity)
        target.errors = [*list(target.errors), error.message]
        return form, None
    return form, flt


@bp.route("/beheer/auditlog")
@requires(Permission.AUDIT_READ)
def index() -> Any:
    """Who did what, when, with the fields before and after: newest first, 50 at a time."""
    form, flt = _filter()
    args = {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}
    cursor = None
    cursor_error = None
    if request.args.get("cursor"):
        try:
            cursor = browse.Cursor.decode(request.args["cursor"])
        except ValidationFailed as error:
            cursor_error = error.message
    page = browse.list_events(current_user, flt, per_page=PER_PAGE, cursor=cursor) if flt else None
    next_url = None
    if page is not None and page.next_cursor is not None:
        next_url = url_for("audit.index") + "?" + urlencode({**args, "cursor": page.next_cursor.encode()})
    status = 422 if flt is None or cursor_error else 200
    return render_template(
        "audit/index.html", form=form, page=page, next_url=next_url, cursor_error=cursor_error,
        first_url=url_for("audit.index") + ("?" + urlencode(args) if args else ""), paged=cursor is not None,
        export_url=url_for("audit.export") + ("?" + urlencode(args) if args else ""),
        verification=browse.latest_verification(), chain_head=audit_services.chain_head(),
        entity_label=labels.entity_label,
        action_label=labels.action_label, show_value=_show), status


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items()) or "—"
    return str(value)


@bp.route("/beheer/auditlog/export.csv")
@requires(Permission.AUDIT_READ)
def export() -> Any:
    """The filtered log as CSV (Dutch Excel), streamed in keyset batches."""
    form, flt = _filter()
    if flt is None:
        errors = "; ".join(f"{getattr(form, name).label.text}: {' '.join(str(e) for e in getattr(form, name).errors)}"
                           for name in FILTER_ARGS if getattr(form, name).errors)
        return Response(_("Het filter is niet geldig: %(errors)s", errors=errors), status=422,
                        mimetype="text/plain")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy's own method

    def within(read: Callable[[], list[browse.EventRow]]) -> list[browse.EventRow]:
        # Each batch in an application context of its own (its own session, read only): the
        # request's has been committed and may be gone by the time the client reads on.
        with app.app_context():
            return read()

    events = browse.iter_events(current_user, flt, within=within)  # the scope now; the rows while streaming
    stamp = to_local(dt.datetime.now(dt.UTC), app.config["TIMEZONE"]).strftime("%Y%m%d-%H%M")
    response = Response(exporter.csv_chunks(events, app.config["TIMEZONE"]), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="auditlog-{stamp}.csv"'
    return response


@bp.app_template_global()
def audit_history_url(entity: str, entity_id: Any, organisation_id: int | None) -> str | None:
    """The audit-log page filtered on one object, for a caller who may read the log there; else None."""
    if not has_permission(current_user, Permission.AUDIT_READ, organisation_id):
        return None
    return url_for("audit.index", entity=entity, entity_id=str(entity_id))
