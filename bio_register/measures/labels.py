"""Dutch labels (translatable) for measures, and the template helpers that use them."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from bio_register.i18n import lazy_gettext as _l
from bio_register.measures.models import Measure, MeasureStatus
from bio_register.measures.rules import is_overdue, local_today

STATUS = {
    MeasureStatus.GEPLAND: _l("gepland"),
    MeasureStatus.IN_UITVOERING: _l("in uitvoering"),
    MeasureStatus.GEREED: _l("gereed"),
    MeasureStatus.VERVALLEN: _l("vervallen"),
}

#: the verb on the button that moves a measure to a status
STATUS_ACTION = {
    MeasureStatus.IN_UITVOERING: _l("Starten (in uitvoering)"),
    MeasureStatus.GEREED: _l("Gereed melden"),
    MeasureStatus.VERVALLEN: _l("Laten vervallen"),
}
REOPEN = _l("Heropenen")
OVERDUE = _l("achterstallig")

HISTORY_KIND = {
    "create": _l("aangemaakt"),
    "update": _l("gewijzigd"),
    "status": _l("status gewijzigd"),
    "reopen": _l("heropend"),
    "link": _l("gekoppeld"),
    "unlink": _l("ontkoppeld"),
}

FIELD = {
    "title": _l("Titel"),
    "description": _l("Omschrijving"),
    "owner": _l("Eigenaar"),
    "due_date": _l("Uiterlijk gereed op"),
    "status": _l("Status"),
    "incidents": _l("Incidenten"),
    "controls": _l("Beheersmaatregelen en overheidsmaatregelen"),
    "completed_at": _l("Gereed gemeld op"),
    "organisation": _l("Organisatie"),
    "reason": _l("Toelichting"),
}


def status_label(value: MeasureStatus | str) -> str:
    return str(STATUS[MeasureStatus(value)])


def transition_label(current: MeasureStatus, target: MeasureStatus) -> str:
    if current == MeasureStatus.GEREED:
        return str(REOPEN)
    return str(STATUS_ACTION[target])


def history_label(kind: str) -> str:
    return str(HISTORY_KIND.get(kind, kind))


def field_label(name: str) -> str:
    return str(FIELD.get(name, name))


def format_date(value: dt.date | None) -> str:
    """``24-12-2026``; a date is a calendar day, no time zone."""
    return value.strftime("%d-%m-%Y") if value else ""


def display(value: object) -> str:
    """A stored or audited value as a person reads it: labels, dates, lists."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return format_date(value)
    if isinstance(value, str):
        if value in {s.value for s in MeasureStatus}:
            return status_label(value)
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return format_date(dt.date.fromisoformat(value))
            except ValueError:
                return value
    from bio_register.incidents.labels import display as incident_display

    return incident_display(value)


def overdue(measure: Measure) -> bool:
    """Whether the measure is overdue today (Amsterdam, or the configured time zone)."""
    return is_overdue(measure, local_today(tz=current_app.config["TIMEZONE"]))


TEMPLATE_HELPERS = {
    "measure_status_label": status_label, "measure_transition_label": transition_label,
    "measure_history_label": history_label, "measure_field_label": field_label,
    "measure_display": display, "measure_date": format_date, "measure_overdue": overdue,
    "measure_overdue_label": OVERDUE,
}
