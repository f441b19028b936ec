from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_login import current_user

from bio_register.attachments import evidence as evidence_life
from bio_register.attachments import services as attachments
from bio_register.attachments.models import EvidenceItem
from bio_register.compliance import services, updates
from bio_register.compliance.forms import (
    ASPECT_HINTS,
    ASPECT_LABELS,
    ASPECT_STATUS_LABELS,
    STATUS_LABELS,
    AssessmentForm,
    EvidenceItemForm,
)
from bio_register.compliance.models import ASPECTS, Control, ControlAssessment, ControlCatalog, ControlKind
from bio_register.database import utcnow
from bio_register.errors import DomainError, NotFound
from bio_register.findings import labels as finding_labels
from bio_register.findings import services as findings
from bio_register.forms import apply_errors
from bio_register.i18n import format_percentage, ngettext
from bio_register.i18n import gettext as _
from bio_register.loaders import (
    CONTROL_EVIDENCE,
    ORGANISATION_CATALOG,
    ORGANISATION_CONTROL,
    OrganisationCatalog,
    OrganisationControl,
)
from bio_register.main import charts, trends
from bio_register.measures import services as measures
from bio_register.measures.forms import LinkControlForm
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, get_organisation, has_permission, scoped_organisations
from bio_register.pipeline import Rejected, flash_committed, requires
from bio_register.timeutil import to_local
from reports.charts import ImplementationBar
from reports.data import Count

bp = Blueprint("compliance", __name__, template_folder="templates")


def _load(code: str, key: str) -> tuple[Organisation, ControlCatalog]:
    """TRANSITIONAL, for attachments.views until it declares ``loaders.ORGANISATION_CONTROL``."""
    organisation = get_organisation(current_user, code, Permission.COMPLIANCE_READ)
    catalog = services.get_catalog(key)
    if catalog is None:
        raise NotFound()
    return organisation, catalog


def _control(catalog: ControlCatalog, control_code: str) -> Control:
    """TRANSITIONAL, for attachments.views until it declares ``loaders.ORGANISATION_CONTROL``."""
    control = services.find_control(catalog, control_code)
    if control is None:
        raise NotFound()
    return control


def default_catalog(all_catalogs: list[ControlCatalog] | None = None) -> ControlCatalog | None:
    """The newest BIO2 catalog, else any (of ``all_catalogs`` when the caller has them already)."""
    all_catalogs = services.catalogs() if all_catalogs is None else all_catalogs
    bio2 = [c for c in all_catalogs if c.key.startswith("BIO2")]
    candidates = bio2 or all_catalogs
    return candidates[-1] if candidates else None


def _source_catalog() -> ControlCatalog | None:
    """The BIO 1.04 catalog that BIO2 assessments can be proposed from."""
    return next((c for c in services.catalogs() if c.key.startswith("BIO-1")), None)


@bp.route("/compliance")
@requires(Permission.COMPLIANCE_READ)
def index() -> Any:
    """All the user's organisations side by side (concern control sees every one)."""
    organisations = scoped_organisations(current_user, Permission.COMPLIANCE_READ)
    catalogs = services.catalogs()
    key = request.args.get("catalogus")
    catalog = next((c for c in catalogs if c.key == key), None) or default_catalog(catalogs)
    rows: list[tuple[Organisation, services.OrganisationSummary]] = []
    kind = services.overview_kind(catalog) if catalog else ControlKind.CONTROL
    if catalog:
        # counted in SQL (GROUP BY): hundreds of organisations without loading their assessments
        by_org = services.summaries([o.id for o in organisations], catalog, kind=kind)
        rows = [(organisation, by_org[organisation.id]) for organisation in organisations]
    bands = distribution([summary for _org, summary in rows])
    counted = kind.value
    return render_template("compliance/index.html", rows=rows, catalog=catalog, catalogs=catalogs, bands=bands,
                           counted=counted,
                           chart=charts.distribution_chart(bands) if len(rows) > 1 else None)


def distribution(rows: list[services.OrganisationSummary]) -> list[Count]:
    """How many organisations fall in each fifth of implementation, and how many have nothing
    applicable assessed yet."""
    edges = (0, 20, 40, 60, 80, 100)
    counts = [0] * (len(edges) - 1)
    unassessed = 0
    for summary in rows:
        value = summary.total.percentage
        if value is None:
            unassessed += 1
        else:
            counts[min(int(value // 20), len(counts) - 1)] += 1
    labels = [_("%(low)s tot %(high)s", low=format_decimal(low), high=format_percentage(high, 0))
              for low, high in itertools.pairwise(edges[:-1])]
    labels.append(_("%(low)s tot en met %(high)s", low=format_decimal(edges[-2]), high=format_percentage(100, 0)))
    return [*(Count(label, n) for label, n in zip(labels, counts, strict=True)),
            Count(_("nog niets beoordeeld"), unassessed)]


@bp.route("/compliance/<code>/<key>")
@requires(Permission.COMPLIANCE_READ, load=ORGANISATION_CATALOG)
def overview(scope: OrganisationCatalog) -> Any:
    organisation, catalog = scope
    kind = services.overview_kind(catalog)  # asked once for the figures, the history and the wording
    result = services.compliance(organisation, catalog, kind=kind)
    source = _source_catalog()
    can_propose = (source is not None and catalog.key.startswith("BIO2")
                   and has_permission(current_user, Permission.COMPLIANCE_WRITE, organisation.id))
    newer, older = updates.later_versions(catalog), updates.earlier_versions(catalog)
    # the implementation at the end of each of the last eight quarters; the current one: now
    periods = trends.last_quarters(utcnow(), trends.QUARTERS, current_app.config["TIMEZONE"])
    moments: list[dt.datetime | None] = [p.end for p in periods[:-1]] + [None]
    history = list(zip([p.label for p in periods],
                       services.implementation_history(organisation, catalog, moments, kind=kind), strict=True))
    name = _("implementatie")
    return render_template(
        "compliance/overview.html", organisation=organisation, catalog=catalog, result=result,
        counted=kind.value,
        can_propose=can_propose, source=source, history=history, newer=newer, older=older,
        ensia_years=list(range(to_local(utcnow(), current_app.config["TIMEZONE"]).year, 2000, -1))[:ENSIA_YEARS],
        chart=charts.implementation_chart(bars(result)),
        history_chart=charts.percentage_trend_chart([(label, s.percentage) for label, s in history], name))


#: how many years the compliance page offers an ENSIA werkbestand for (older ones: ?jaar= or the API)
ENSIA_YEARS = 5


def bars(result: services.Compliance) -> list[ImplementationBar]:
    return [ImplementationBar(f"{g.code} {g.title}", g.volledig, g.gedeeltelijk, g.niet,
                              g.assessed - g.applicable, g.total - g.assessed) for g in result.groups]


@bp.route("/compliance/<code>/<key>/chart.svg")
@requires(Permission.COMPLIANCE_READ, load=ORGANISATION_CATALOG)
def chart(scope: OrganisationCatalog) -> Any:
    """The per-theme chart on its own (the page has it inline): the same SVG."""
    result = services.compliance(*scope)
    return Response(str(charts.implementation_chart(bars(result))), mimetype="image/svg+xml")


@bp.route("/compliance/<code>/<key>/vvt")
@requires(Permission.COMPLIANCE_READ, load=ORGANISATION_CATALOG)
def soa(scope: OrganisationCatalog) -> Any:
    """The statement of applicability (Verklaring van Toepasselijkheid)."""
    organisation, catalog = scope
    flt = soa_filter()
    return render_template("compliance/soa.html", organisation=organisation, catalog=catalog, flt=flt,
                           soa=services.filtered_statement(organisation, catalog, flt, today=_today()),
                           status_labels=STATUS_LABELS, aspects=ASPECTS, aspect_labels=ASPECT_LABELS,
                           aspect_status_labels=ASPECT_STATUS_LABELS)


def soa_filter() -> services.SoaFilter:
    """The statement's filter from the query string (the vvt page and a control page reached from it)."""
    args = request.args
    return services.SoaFilter.build(theme=args.get("thema"), applicability=args.get("toepassing"),
                                    status=args.get("implementatie"), owner=args.get("eigenaar"), q=args.get("q"),
                                    opzet=args.get("opzet"), bestaan=args.get("bestaan"),
                                    werking=args.get("werking"), contradiction=args.get("tegenstrijdig"),
                                    expired=args.get("bewijs"))


@bp.route("/compliance/<code>/<key>/vvt.<any(xlsx, pdf):fmt>")
@requires(Permission.COMPLIANCE_READ, load=ORGANISATION_CATALOG)
def soa_export(scope: OrganisationCatalog, fmt: str) -> Any:
    from bio_register.compliance import export

    organisation, catalog = scope
    # the rows on screen: the page's filter, when one is given, narrows the export too
    rows = services.filtered_statement(organisation, catalog, soa_filter()).rows
    if fmt == "xlsx":
        files = services.evidence_file_names(organisation, [r.control.id for r in rows if r.assessment is not None])
        body = export.soa_xlsx(organisation, catalog, rows, files)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mimetype = export.soa_pdf(organisation, catalog, rows), "application/pdf"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="vvt-{organisation.code}-{catalog.key}.{fmt}"'
    return response


@bp.route("/compliance/<code>/<key>/ensia.xlsx")
@requires(Permission.COMPLIANCE_READ, load=ORGANISATION_CATALOG)
def ensia_export(scope: OrganisationCatalog) -> Any:
    """The ENSIA werkbestand of a year (``?jaar=2026``; default the current year) as XLSX."""
    from bio_register.reporting import ensia

    organisation, catalog = scope
    tz = current_app.config["TIMEZONE"]
    raw = request.args.get("jaar", "").strip()
    try:
        year = ensia.year_of(int(raw) if raw.isdigit() and len(raw) <= 6 else raw or to_local(utcnow(), tz).year,
                             tz=tz)
    except DomainError as error:
        message = error.message
        return Rejected(lambda: render_template("errors/error.html", code=422, message=message), 422)
    book = ensia.werkbestand(organisation, catalog, year)
    response = Response(ensia.xlsx(book), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="{ensia.file_name(book)}"'
    return response


@bp.route("/compliance/<code>/<key>/<control_code>")
@requires(Permission.COMPLIANCE_READ, load=ORGANISATION_CONTROL)
def control(scope: OrganisationControl) -> Any:
    return render_control(*scope)


@bp.route("/compliance/<code>/<key>/<control_code>", methods=["POST"])
@requires(Permission.COMPLIANCE_WRITE, load=ORGANISATION_CONTROL)
def assess(scope: OrganisationControl) -> Any:
    """Record the organisation's assessment of the control (the form on the control page)."""
    organisation, catalog, item = scope
    form = AssessmentForm()
    _attachment_choices(form, attachments.for_control(organisation, item))
    if not form.validate_on_submit():
        return render_control(organisation, catalog, item, form=form, code=422)
    data: dict[str, Any] = {
        "applicable": {"ja": True, "nee": False}.get(form.applicable.data),
        "status": form.status.data or None, "justification": form.justification.data,
        "evidence": form.evidence.data, "evidence_links": form.evidence_links.data or "",
        "owner": form.owner.data}
    for name in ASPECTS:
        data[name] = {"status": form[f"{name}_status"].data or None,
                      "assessed_on": form[f"{name}_assessed_on"].data,
                      "assessed_by": form[f"{name}_assessed_by"].data,
                      "evidence": form[f"{name}_evidence"].data,
                      "attachments": list(form[f"{name}_attachments"].data or [])}
    try:
        services.assess(current_user, organisation, item, data,
                        today=to_local(utcnow(), current_app.config["TIMEZONE"]).date())
    except DomainError as error:
        # the service names an aspect's field "werking.evidence"; the form's is "werking_evidence"
        error.errors = {name.replace(".", "_"): messages for name, messages in (error.errors or {}).items()}
        apply_errors(form, error)
        return Rejected(lambda: render_control(organisation, catalog, item, form=form), error.status_code)
    flash_committed(_("De beoordeling van %(c)s is opgeslagen.", c=item.code))
    carried = urlencode(soa_filter().args())
    return redirect(url_for("compliance.control", code=organisation.code, key=catalog.key, control_code=item.code)
                    + (f"?{carried}" if carried else ""))


def _today() -> dt.date:
    return evidence_life.local_today(utcnow(), current_app.config["TIMEZONE"])


def render_control(organisation: Organisation, catalog: ControlCatalog, item: Control, *,
                   form: AssessmentForm | None = None, code: int = 200,
                   attachment_errors: dict[Any, list[str]] | None = None,
                   evidence_form: tuple[int, EvidenceItemForm] | None = None) -> Any:
    """The control page: the assessment in force and its form, the history, the evidence files,
    and the life of each piece of evidence (owner, date, review date; expired ones marked)."""
    history = services.assessment_history(organisation, item)
    current = history[0] if history else None
    evidence_files = attachments.for_control(organisation, item)
    today = _today()
    items = evidence_life.for_control(organisation, item)
    can_write = has_permission(current_user, Permission.COMPLIANCE_WRITE, organisation.id)
    evidence_forms: dict[int, EvidenceItemForm] = {}
    if can_write:
        owners = [("", _("— geen medewerker —"))] + [(str(u.id), u.name) for u in
                                                      evidence_life.owner_choices(organisation)]
        for piece in items:
            if evidence_form is not None and evidence_form[0] == piece.id:
                piece_form = evidence_form[1]
            else:
                piece_form = EvidenceItemForm(formdata=None, prefix=f"bewijs-{piece.id}", data={
                    "owner_id": str(piece.owner_id or ""), "owner_name": piece.owner_name,
                    "evidence_date": piece.evidence_date, "review_date": piece.review_date})
            piece_form.owner_id.choices = owners
            evidence_forms[piece.id] = piece_form
    invalid = {a.id for a in evidence_files
               if a.removed or (a.evidence_item is not None and a.evidence_item.expired_on(today))}
    werking_expired = bool(current is not None and current.applicable
                           and current.werking_status.value == "voldoet"
                           and not evidence_life.werking_shown(current.werking_attachment_ids or [], invalid))
    if form is None:
        form = AssessmentForm(formdata=None)
        _fill(form, current)
    _attachment_choices(form, evidence_files)
    flt = soa_filter()
    can_link = has_permission(current_user, Permission.MEASURE_WRITE, organisation.id)
    today = findings.local_today(tz=current_app.config["TIMEZONE"])
    link_query = " ".join(request.args.get("maatregel", "").split())[:100]
    return render_template("compliance/control.html", organisation=organisation, catalog=catalog, control=item,
                           history=history, current=current, form=form, flt=flt,
                           neighbours=services.neighbours(organisation, catalog, item, flt),
                           measures=(measures.for_control(current_user, organisation, item)
                                     if has_permission(current_user, Permission.MEASURE_READ, organisation.id)
                                     else None),
                           findings=(findings.for_control(current_user, organisation, item)
                                     if has_permission(current_user, Permission.FINDING_READ, organisation.id)
                                     else None),
                           finding_labels=finding_labels, finding_overdue=lambda f: findings.is_overdue(f, today),
                           can_record_finding=has_permission(current_user, Permission.FINDING_WRITE, organisation.id),
                           status_labels=STATUS_LABELS, can_link=can_link, link_query=link_query,
                           to_link=(measures.to_link_to_control(current_user, organisation, item, link_query)
                                    if can_link and link_query else []),
                           link_form=LinkControlForm(formdata=None),
                           can_write=can_write,
                           attachments=evidence_files, files_by_id={a.id: a for a in evidence_files},
                           evidence_items=items, evidence_forms=evidence_forms, today=today,
                           expired_items=[p for p in items if p.expired_on(today)], werking_expired=werking_expired,
                           describe_evidence=evidence_life.describe,
                           contradictions=services.contradictions(current), aspects=ASPECTS,
                           aspect_labels=ASPECT_LABELS, aspect_hints=ASPECT_HINTS,
                           aspect_status_labels=ASPECT_STATUS_LABELS,
                           attachment_errors=attachment_errors or {}), code


def _fill(form: AssessmentForm, current: ControlAssessment | None) -> None:
    if current is None:
        return
    form.applicable.data = "ja" if current.applicable else "nee"
    form.status.data = current.status.value if current.status else ""
    form.justification.data = current.justification
    form.evidence.data = current.evidence
    form.evidence_links.data = "\n".join(current.evidence_links or [])
    form.owner.data = current.owner
    for aspect in current.aspects:
        form[f"{aspect.name}_status"].data = aspect.status.value
        form[f"{aspect.name}_assessed_on"].data = aspect.assessed_on
        form[f"{aspect.name}_assessed_by"].data = aspect.assessed_by
        form[f"{aspect.name}_evidence"].data = aspect.evidence
        form[f"{aspect.name}_attachments"].data = aspect.attachment_ids


def _attachment_choices(form: AssessmentForm, files: list[Any]) -> None:
    """The evidence files that opzet, bestaan and werking may refer to: those not removed."""
    options = [(a.id, a.filename) for a in files if not a.removed]
    for name in ASPECTS:
        form[f"{name}_attachments"].choices = options


@bp.route("/compliance/<code>/<key>/<control_code>/bewijs/<int:item_id>", methods=["POST"])
@requires(Permission.COMPLIANCE_WRITE, load=CONTROL_EVIDENCE)
def evidence_update(item: EvidenceItem) -> Any:
    """The CISO sets the owner, date and review date of one piece of the control's evidence."""
    organisation, control = item.organisation, item.control
    catalog = control.catalog
    form = EvidenceItemForm(prefix=f"bewijs-{item.id}")
    form.owner_id.choices = [("", "")] + [(str(u.id), u.name) for u in evidence_life.owner_choices(organisation)]

    def page(code: int = 422) -> Any:
        return render_control(organisation, catalog, control, evidence_form=(item.id, form), code=code)

    if not form.validate_on_submit():
        return page()
    data: dict[str, Any] = {"owner_id": int(form.owner_id.data) if form.owner_id.data else None,
                            "owner_name": form.owner_name.data, "evidence_date": form.evidence_date.data}
    if form.review_date.data:
        data["review_date"] = form.review_date.data
    try:
        evidence_life.update_item(current_user, organisation, item, data, today=_today())
    except DomainError as error:
        apply_errors(form, error)
        return Rejected(page, error.status_code)
    flash_committed(_("De gegevens van het bewijs „%(what)s” zijn opgeslagen.", what=evidence_life.describe(item)))
    carried = urlencode(soa_filter().args())
    return redirect(url_for("compliance.control", code=organisation.code, key=catalog.key, control_code=control.code)
                    + (f"?{carried}" if carried else "") + "#bewijs")


@bp.route("/compliance/<code>/<key>/voorstel", methods=["POST"])
@requires(Permission.COMPLIANCE_WRITE, load=ORGANISATION_CATALOG)
def propose(scope: OrganisationCatalog) -> Any:
    """Proposed BIO2 assessments from the organisation's BIO 1.04 ones (to be confirmed)."""
    organisation, catalog = scope
    source = _source_catalog()
    if source is None:
        raise NotFound()
    try:
        created = services.propose_from_mapping(current_user, organisation, source, catalog)
    except DomainError as error:
        message = error.message

        def back() -> Any:
            flash(message, "error")
            return redirect(url_for("compliance.overview", code=organisation.code, key=catalog.key))

        return Rejected(back, 302)
    flash_committed(ngettext("%(num)d voorstel gemaakt uit %(s)s; bevestig het of wijs het af.",
                             "%(num)d voorstellen gemaakt uit %(s)s; bevestig ze één voor één.", len(created),
                             s=source.name))
    return redirect(url_for("compliance.soa", code=organisation.code, key=catalog.key, voorstel=1))


# --- catalog updates: what changed in a new version, and the assessments carried over ------------------

def _update_source(catalog: ControlCatalog, organisation: Organisation, key: str | None) -> ControlCatalog | None:
    """The earlier version to compare with: the one asked for (``?van=``), else the one the organisation uses."""
    if key:
        return next((c for c in updates.earlier_versions(catalog) if c.key == key[:40]), None)
    return updates.version_in_use(organisation, catalog)


def _render_update(organisation: Organisation, catalog: ControlCatalog, old: ControlCatalog | None, *,
                   error: str | None = None, code: int = 200) -> Any:
    word = request.args.get("soort", "")
    kind = updates.KIND_BY_WORD.get(word)
    changes = updates.diff(old, catalog) if old is not None else None
    in_new = services.current_assessments(organisation, catalog)
    in_old = services.current_assessments(organisation, old) if old is not None else {}
    carried = sum(1 for a in in_new.values() if a.proposed)
    return render_template(
        "compliance/update.html", organisation=organisation, catalog=catalog, old=old, diff=changes,
        rows=changes.of_kind(kind) if changes else [], kind=kind, kinds=updates.KINDS,
        kind_text=updates.KIND_TEXT, word_by_kind=updates.WORD_BY_KIND, field_text=updates.FIELD_TEXT,
        earlier=updates.earlier_versions(catalog), proposed=carried, error=error, in_old=in_old, in_new=in_new,
        status_labels=STATUS_LABELS,
        can_write=has_permission(current_user, Permission.COMPLIANCE_WRITE, organisation.id)), code


@bp.route("/compliance/<code>/<key>/bijwerken")
@requires(Permission.COMPLIANCE_READ, load=ORGANISATION_CATALOG)
def update(scope: OrganisationCatalog) -> Any:
    """"Catalogus bijwerken": what changed from the version the organisation uses to this one."""
    organisation, catalog = scope
    old = _update_source(catalog, organisation, request.args.get("van"))
    if old is None and request.args.get("van"):
        raise NotFound(_("Geen eerdere versie %(k)s van deze catalogus.", k=request.args.get("van", "")[:40]))
    return _render_update(organisation, catalog, old)


@bp.route("/compliance/<code>/<key>/bijwerken", methods=["POST"])
@requires(Permission.COMPLIANCE_WRITE, load=ORGANISATION_CATALOG)
def carry_over(scope: OrganisationCatalog) -> Any:
    """Carry the organisation's assessments over from an earlier version, as proposals to confirm."""
    organisation, catalog = scope
    key = request.form.get("van", "")
    old = _update_source(catalog, organisation, key) if key else None
    if old is None:
        message = _("Kies de eerdere versie waaruit de beoordelingen worden overgenomen.")
        return Rejected(lambda: _render_update(organisation, catalog, updates.version_in_use(organisation, catalog),
                                               error=message), 422)
    try:
        result = updates.carry_over(current_user, organisation, old, catalog,
                                    today=to_local(utcnow(), current_app.config["TIMEZONE"]).date())
    except DomainError as error:
        message = error.message
        return Rejected(lambda: _render_update(organisation, catalog, old, error=message), error.status_code)
    flash_committed(ngettext("%(num)d beoordeling overgenomen uit %(s)s als voorstel; bevestig het of wijs het af.",
                             "%(num)d beoordelingen overgenomen uit %(s)s als voorstel; "
                             "bevestig of wijs ze één voor één af.",
                             len(result.created), s=old.name))
    if result.skipped:
        skipped = "; ".join(f"{code_}: {reason}" for code_, reason in result.skipped[:10])
        flash_committed(_("Niet overgenomen (%(n)d): %(list)s", n=len(result.skipped), list=skipped), "warning")
    return redirect(url_for("compliance.soa", code=organisation.code, key=catalog.key, toepassing="voorstel"))


@bp.route("/compliance/<code>/<key>/<control_code>/voorstel/<any(bevestigen, afwijzen):decision>", methods=["POST"])
@requires(Permission.COMPLIANCE_WRITE, load=ORGANISATION_CONTROL)
def decide_proposal(scope: OrganisationControl, decision: str) -> Any:
    """The CISO confirms or rejects the proposal in force for one control."""
    organisation, catalog, item = scope
    back = url_for("compliance.control", code=organisation.code, key=catalog.key, control_code=item.code)
    try:
        if decision == "bevestigen":
            services.confirm_proposal(current_user, organisation, item)
        else:
            services.reject_proposal(current_user, organisation, item)
    except DomainError as error:
        message = error.message

        def refused() -> Any:
            flash(message, "error")
            return redirect(back)

        return Rejected(refused, 302)
    flash_committed(_("Het voorstel bij %(c)s is bevestigd.", c=item.code) if decision == "bevestigen"
                    else _("Het voorstel bij %(c)s is afgewezen.", c=item.code))
    return redirect(back)
