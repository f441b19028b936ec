"""The reporting point: every employee reports a suspected incident, and follows its own reports.

A report is one short form: what happened, when (optional), in which of the reporter's
organisations, whether personal data may be involved (ja / nee / weet ik niet) and how to reach
the reporter (optional). It becomes an incident of that organisation at once:

* status ``nieuw``, for the verbindingsofficieren to triage; they get an in-app notice and an
  e-mail (sent after the commit);
* ``discovered_at`` is the moment of reporting: the moment the organisation heard of it, from
  which the AP's 72 hours run (``breaches.services.awareness`` falls back to it until the FG
  records another moment);
* personal data ``ja`` or ``weet_niet`` log it as a (possible) datalek — "bij twijfel: ja", as the
  register's own form says — so the FG hears of it at once (``signals.datalek_logged``) and its AP
  clock shows from the report; a verbindingsofficier can unmark it in triage until the FG has
  assessed it. ``nee`` logs a plain security incident.

The reporter sees their own reports only: reference, status and what they sent, nothing of the
handling. Never commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bio_register.accounts.models import Membership, User
from bio_register.audit import services as audit
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.i18n import format_local
from bio_register.i18n import gettext as _
from bio_register.incident_reports.models import IncidentReport, PersonalData
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Incident, Status
from bio_register.notifications import services as notifications
from bio_register.organisations.models import Organisation
from bio_register.paging import Page
from bio_register.permissions import Permission, Role, has_permission
from bio_register.validation import Errors

MAX_DESCRIPTION = 5_000
MAX_CONTACT = 200
#: the incident's title, made from the start of the description (the verbindingsofficier refines it)
TITLE_LENGTH = 80
CLOCK_SKEW = incidents.CLOCK_SKEW


@dataclass(frozen=True)
class Links:
    """Where a notice about a reported incident points, supplied by the boundary (see
    :mod:`bio_register.incident_reports.links`): the incident's page for the verbindingsofficier."""

    base_url: str
    path: Callable[[Incident], str]

    def url(self, incident: Incident) -> str:
        return f"{self.base_url}{self.path(incident)}"


@dataclass(frozen=True)
class ReportView:
    """A report as its reporter sees it: what they sent, the reference and the status, nothing
    else of the incident."""

    id: int
    reference: str
    organisation: str
    organisation_name: str
    reported_at: dt.datetime
    status: Status
    description: str
    occurred_at: dt.datetime | None
    personal_data: PersonalData
    contact: str | None


def view_of(report: IncidentReport) -> ReportView:
    incident = report.incident
    return ReportView(id=report.id, reference=incident.reference, organisation=incident.organisation.code,
                      organisation_name=incident.organisation.name, reported_at=report.reported_at,
                      status=incident.status, description=report.description, occurred_at=report.occurred_at,
                      personal_data=report.personal_data, contact=report.contact)


# --- reporting ---------------------------------------------------------------------------------------

def title_from(description: str) -> str:
    """A short title from the start of the description, cut at a word."""
    text = " ".join(description.split())
    if len(text) <= TITLE_LENGTH:
        return text
    cut = text[:TITLE_LENGTH - 1]
    if " " in cut[TITLE_LENGTH // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def _clean(data: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    errors = Errors()
    description = errors.text("description", data.get("description"), max_length=MAX_DESCRIPTION)
    if description is None and "description" not in errors.errors:
        errors.add("description", _("Beschrijf kort wat er is gebeurd."))
    contact = errors.text("contact", data.get("contact"), max_length=MAX_CONTACT, single_line=True)
    personal_data = None
    try:
        personal_data = PersonalData(str(data.get("personal_data") or ""))
    except ValueError:
        errors.add("personal_data", _("Kies ja, nee of weet ik niet."))
    occurred_at = data.get("occurred_at")
    if occurred_at is not None:
        if not isinstance(occurred_at, dt.datetime) or occurred_at.tzinfo is None:
            errors.add("occurred_at", _("Geef een tijdstip met tijdzone."))
            occurred_at = None
        elif occurred_at > now + CLOCK_SKEW:
            errors.add("occurred_at", _("Dit tijdstip ligt in de toekomst."))
        else:
            occurred_at = min(occurred_at.astimezone(dt.UTC), now)
    errors.raise_if_any()
    return {"description": description, "contact": contact, "personal_data": personal_data,
            "occurred_at": occurred_at}


def report(actor: User, organisation: Organisation, data: Mapping[str, Any], *, links: Links,
           now: dt.datetime | None = None) -> IncidentReport:
    """Report a suspected incident in ``organisation`` (the caller checked that ``actor`` may
    report there). Returns the report; its incident has the reference."""
    now = now or utcnow()
    values = _clean(data, now)
    personal_data: PersonalData = values["personal_data"]
    incident = incidents.create_incident(actor, organisation, {
        "title": title_from(values["description"]),
        "description": values["description"],
        "discovered_at": now,
        "occurred_at": values["occurred_at"],
        "is_datalek": personal_data != PersonalData.NEE,
        "reporter": actor.name[:incidents.MAX_REPORTER],
    }, now=now)
    item = IncidentReport(incident=incident, reporter_id=actor.id, reported_at=now,
                          description=values["description"], occurred_at=values["occurred_at"],
                          personal_data=personal_data, contact=values["contact"])
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "incident_report", item.id, "create",
                 audit.created({"incident": incident.reference, "reported_at": now,
                                "personal_data": personal_data, "contact": values["contact"]}),
                 organisation_id=organisation.id)
    _notify_triage(item, links)
    return item


def _covering(organisation: Organisation) -> list[int]:
    """The organisation and those above it, where a role may be held that covers it."""
    ids, seen = [], set()
    current: Organisation | None = organisation
    while current is not None and current.id not in seen:
        seen.add(current.id)
        ids.append(current.id)
        current = current.parent
    return ids


def triage_recipients(organisation: Organisation) -> list[User]:
    """Who triages a report in ``organisation``: its verbindingsofficieren (whoever logs incidents
    there); when it has none, its CISOs, so that a report is never left unseen."""
    for role, permission in ((Role.VERBINDINGSOFFICIER, Permission.INCIDENT_WRITE),
                             (Role.CISO, Permission.INCIDENT_READ)):
        candidates = db.session.scalars(
            select(User).join(Membership).where(Membership.organisation_id.in_(_covering(organisation)),
                                                Membership.role == role, User.active.is_(True))
            .order_by(User.id).distinct())
        # the permission table decides whether a role held above the organisation covers it
        found = [user for user in candidates if has_permission(user, permission, organisation.id)]
        if found:
            return found
    return []


def personal_data_label(value: PersonalData | str) -> str:
    labels = {PersonalData.JA: _("ja"), PersonalData.NEE: _("nee"), PersonalData.WEET_NIET: _("weet ik niet")}
    return str(labels[PersonalData(value)])


def _notify_triage(item: IncidentReport, links: Links) -> None:
    incident = item.incident
    subject = _("Nieuwe melding %(ref)s bij %(org)s: beoordeel het incident",
                ref=incident.reference, org=incident.organisation.name)
    lines = [
        _("Een medewerker heeft via het meldpunt een mogelijk incident gemeld bij %(org)s.",
          org=incident.organisation.name),
        "",
        _("Referentie: %(ref)s", ref=incident.reference),
        _("Gemeld op: %(t)s", t=format_local(item.reported_at, True)),
        _("Persoonsgegevens betrokken (volgens de melder): %(pd)s", pd=personal_data_label(item.personal_data)),
        "",
    ]
    if incident.is_datalek:
        lines += [_("Het is vastgelegd als mogelijk datalek en de FG is ingelicht. De AP-termijn van 72 uur "
                    "loopt voorlopig vanaf het moment van melden. Blijkt het geen datalek, pas dat dan aan."), ""]
    lines += [_("Beoordeel de melding: %(url)s", url=links.url(incident)), ""]
    notifications.notify_users(triage_recipients(incident.organisation), subject, "\n".join(lines),
                               links.path(incident))


# --- the reporter's own reports ---------------------------------------------------------------------------

def own_reports(user_id: int, page: int = 1, per_page: int = 25) -> Page[ReportView]:
    """The reports ``user_id`` made, newest first."""
    mine = IncidentReport.reporter_id == user_id
    total = db.session.scalar(select(func.count()).select_from(IncidentReport).where(mine)) or 0
    items = db.session.scalars(select(IncidentReport).where(mine)
                               .order_by(IncidentReport.reported_at.desc(), IncidentReport.id.desc())
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return Page([view_of(item) for item in items], page, per_page, total)


def recent_own(user_id: int, limit: int = 5) -> Sequence[ReportView]:
    return own_reports(user_id, 1, limit).items


def find_own(user_id: int, report_id: int) -> IncidentReport | None:
    """The report if ``user_id`` made it; anyone else's is as absent (None)."""
    item = db.session.get(IncidentReport, report_id)
    return item if item is not None and item.reporter_id == user_id else None


# --- for those who handle the incident -----------------------------------------------------------------

def report_of(incident: Incident) -> IncidentReport | None:
    """The report an incident came from (None: logged directly)."""
    return db.session.scalar(select(IncidentReport).where(IncidentReport.incident_id == incident.id))


def timeline_items(incident: Incident) -> Sequence[incidents.HistoryItem]:
    """The receiver of ``signals.incident_history``: the report, with the reporter's answers."""
    item = report_of(incident)
    if item is None:
        return []
    text = _("Gemeld via het meldpunt: het moment waarop de organisatie ervan hoorde. "
             "Persoonsgegevens betrokken (volgens de melder): %(pd)s.", pd=personal_data_label(item.personal_data))
    if item.contact:
        text += " " + _("Bereikbaar via: %(c)s.", c=item.contact)
    return [incidents.HistoryItem(at=item.reported_at, kind="report",
                                  actor=item.reporter.name, text=text)]
