"""The weekly digest (issue 22): per person, what is theirs and needs doing, by e-mail and as a notice.

What it holds, per person (only what their roles make theirs):

- incidents past their target handling time in the organisations where they handle incidents
  (``incident:write``: the verbindingsofficier);
- overdue maatregelen they own (the measure's owner is a name or an e-mail address: theirs when it
  is their name or address);
- running AP clocks where they decide on the melding (``breach:decide``: the FG) and running Cbw
  clocks where they report to the CSIRT (``cbw:report``: the CISO);
- open incidents with open steps of a playbook, where they handle them (the verbindingsofficier's
  incidents, the FG's datalekken: ``playbooks.services.open_steps_for``);
- open findings (bevindingen: open or in behandeling) in the organisations where they keep them
  (``finding:write``: the CISO), those past their re-test date first and marked;
- compliance evidence they own whose review date is within 30 days or has passed (evidence
  reviews due, ``attachments.evidence``).

Sent once per person per ISO week (Amsterdam time): the row in ``digests_sent`` is written in the
same transaction as the e-mail and the notice, and its key makes a second run — or a second
scheduler at the same moment — fail for that person instead of sending twice. Nothing is sent to
whoever switched the digest off (``User.digest_opt_out``); the legal deadline warnings
(``breaches.send_due_warnings``) do not look at that setting. Never commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from bio_register.accounts.models import User
from bio_register.attachments import evidence
from bio_register.attachments.models import EvidenceItem
from bio_register.breaches import services as breaches
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.findings import labels as finding_labels
from bio_register.findings.models import OPEN_FINDING_STATUSES, Finding
from bio_register.i18n import format_local, ngettext
from bio_register.i18n import gettext as _
from bio_register.incidents import sla
from bio_register.incidents.models import Incident
from bio_register.measures.models import OPEN_MEASURE_STATUSES, Measure
from bio_register.notifications import services as notifications
from bio_register.notifications.models import DigestSent, Notice
from bio_register.permissions import AllOrganisations, Permission, organisation_ids_with
from bio_register.playbooks import services as playbooks
from bio_register.timeutil import DEFAULT_TZ, to_local

#: at most this many lines per section (the rest: "and N more")
SECTION_LIMIT = 20


def iso_week(now: dt.datetime, tz: str = DEFAULT_TZ) -> str:
    """The ISO week of ``now`` in local time, e.g. ``2026-W49``."""
    year, week, _day = to_local(now, tz).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Digest:
    overdue_incidents: list[Incident] = field(default_factory=list)
    overdue_measures: list[Measure] = field(default_factory=list)
    #: (incident, clock label, deadline)
    clocks: list[tuple[Incident, str, dt.datetime]] = field(default_factory=list)
    #: (incident, number of open steps of its playbook)
    open_steps: list[tuple[Incident, int]] = field(default_factory=list)
    #: open findings, past their re-test date first; ``today`` tells which are past it
    open_findings: list[Finding] = field(default_factory=list)
    #: evidence they own to review within 30 days, or expired
    evidence_reviews: list[EvidenceItem] = field(default_factory=list)
    #: the local day the digest was made (expired: a review date before it)
    today: dt.date | None = None

    def __bool__(self) -> bool:
        return bool(self.overdue_incidents or self.overdue_measures or self.clocks or self.open_steps
                    or self.open_findings or self.evidence_reviews)

    def finding_overdue(self, finding: Finding) -> bool:
        return self.today is not None and finding.retest_on is not None and finding.retest_on < self.today


def _in(scope: set[int] | AllOrganisations, organisation_id: int) -> bool:
    return isinstance(scope, AllOrganisations) or organisation_id in scope


def digest_for(user: User, now: dt.datetime, today: dt.date,
               clocks: Iterable[tuple[Incident, str, dt.datetime]] = ()) -> Digest:
    """What is ``user``'s this week. ``clocks``: the running clocks (``breaches.pending_clocks``),
    read once for all users."""
    digest = Digest(today=today)
    compliance = organisation_ids_with(user, Permission.COMPLIANCE_READ)
    if compliance:
        digest.evidence_reviews = [item for item in evidence.reviews_due_for(user, today)
                                   if _in(compliance, item.organisation_id)]
    handles = organisation_ids_with(user, Permission.INCIDENT_WRITE)
    if handles:
        stmt = select(Incident).where(sla.overdue_clause(now)).order_by(Incident.discovered_at, Incident.id)
        if not isinstance(handles, AllOrganisations):
            stmt = stmt.where(Incident.organisation_id.in_(sorted(handles)))
        digest.overdue_incidents = list(db.session.scalars(stmt))
    names = [value.strip().lower() for value in (user.name, user.email) if value and value.strip()]
    readable = organisation_ids_with(user, Permission.MEASURE_READ)
    if names and readable:
        measures = select(Measure).where(func.lower(func.trim(Measure.owner)).in_(names),
                                     Measure.status.in_(OPEN_MEASURE_STATUSES), Measure.due_date.is_not(None),
                                     Measure.due_date < today).order_by(Measure.due_date, Measure.id)
        if not isinstance(readable, AllOrganisations):
            measures = measures.where(Measure.organisation_id.in_(sorted(readable)))
        digest.overdue_measures = list(db.session.scalars(measures))
    decides = organisation_ids_with(user, Permission.BREACH_DECIDE)
    reports = organisation_ids_with(user, Permission.CBW_REPORT)
    for incident, clock, deadline in clocks:
        scope = decides if clock == "ap" else reports
        if scope and _in(scope, incident.organisation_id):
            digest.clocks.append((incident, breaches.CLOCK_LABELS[clock], deadline))
    digest.clocks.sort(key=lambda row: row[2])
    digest.open_steps = playbooks.open_steps_for(user)
    keeps = organisation_ids_with(user, Permission.FINDING_WRITE)
    if keeps:
        found = select(Finding).where(Finding.status.in_(OPEN_FINDING_STATUSES)).order_by(
            Finding.retest_on.is_(None), Finding.retest_on, Finding.found_on, Finding.id)
        if not isinstance(keeps, AllOrganisations):
            found = found.where(Finding.organisation_id.in_(sorted(keeps)))
        digest.open_findings = list(db.session.scalars(found))
    return digest


def _section(title: str, lines: list[str]) -> str:
    shown = lines[:SECTION_LIMIT]
    more = len(lines) - len(shown)
    tail = [_("… en nog %(n)d.", n=more)] if more else []
    return "\n".join([title, *(f"- {line}" for line in shown), *tail, ""])


def text_of(digest: Digest, url: Callable[[Incident], str], base_url: str) -> tuple[str, str]:
    """The subject and body of the e-mail."""
    count = (len(digest.overdue_incidents) + len(digest.overdue_measures) + len(digest.clocks)
             + len(digest.open_steps) + len(digest.open_findings) + len(digest.evidence_reviews))
    subject = ngettext("Weekoverzicht BIO-register: %(num)d punt voor u",
                       "Weekoverzicht BIO-register: %(num)d punten voor u", count)
    parts = [_("Wat deze week op u wacht in BIO-register:"), ""]
    if digest.clocks:
        parts.append(_section(_("Lopende wettelijke termijnen"), [
            _("%(what)s — %(ref)s, uiterlijk %(deadline)s: %(url)s", what=label, ref=incident.reference,
              deadline=format_local(deadline, True), url=url(incident))
            for incident, label, deadline in digest.clocks]))
    if digest.overdue_incidents:
        parts.append(_section(_("Incidenten over de streeftijd"), [
            _("%(ref)s — %(title)s (%(org)s): %(url)s", ref=i.reference, title=i.title, org=i.organisation.code,
              url=url(i)) for i in digest.overdue_incidents]))
    if digest.overdue_measures:
        parts.append(_section(_("Uw maatregelen over de uiterste datum"), [
            _("%(title)s (%(org)s), uiterste datum %(due)s", title=m.title, org=m.organisation.code,
              due=m.due_date.strftime("%d-%m-%Y") if m.due_date else "—") for m in digest.overdue_measures]))
    if digest.open_steps:
        parts.append(_section(_("Open stappen uit draaiboeken"), [
            ngettext("%(ref)s — %(title)s (%(org)s): %(num)d open stap: %(url)s",
                     "%(ref)s — %(title)s (%(org)s): %(num)d open stappen: %(url)s", n, ref=i.reference,
                     title=i.title, org=i.organisation.code, url=url(i)) for i, n in digest.open_steps]))
    if digest.open_findings:
        lines = []
        for f in digest.open_findings:
            line = _("%(title)s (%(org)s), %(status)s", title=f.title, org=f.organisation.code,
                     status=finding_labels.STATUS[f.status])
            if f.retest_on is not None:
                line += ", " + (_("hertest verlopen sinds %(d)s", d=f.retest_on.strftime("%d-%m-%Y"))
                                if digest.finding_overdue(f) else
                                _("hertest %(d)s", d=f.retest_on.strftime("%d-%m-%Y")))
            lines.append(line)
        parts.append(_section(_("Open bevindingen (%(url)s/bevindingen)", url=base_url.rstrip("/")), lines))
    if digest.evidence_reviews:
        parts.append(_section(_("Uw bewijs om te herbeoordelen"), [
            (_("%(what)s bij %(code)s (%(org)s): verlopen, herbeoordelingsdatum %(date)s verstreken",
               what=evidence.describe(item),
               code=item.control.code, org=item.organisation.code, date=item.review_date.strftime("%d-%m-%Y"))
             if digest.today is not None and item.expired_on(digest.today) else
             _("%(what)s bij %(code)s (%(org)s): herbeoordelen uiterlijk %(date)s", what=evidence.describe(item),
               code=item.control.code, org=item.organisation.code, date=item.review_date.strftime("%d-%m-%Y")))
            for item in digest.evidence_reviews]))
    parts.append(_("U ontvangt dit overzicht elke maandag. U kunt het uitzetten op uw accountpagina: "
                   "%(url)s/account. Waarschuwingen voor de wettelijke termijnen (AP en Cbw) blijft u "
                   "altijd ontvangen.", url=base_url.rstrip("/")))
    return subject, "\n".join(parts) + "\n"


def recipients() -> list[User]:
    """Active users who did not switch the digest off."""
    return list(db.session.scalars(select(User).where(User.active.is_(True), User.digest_opt_out.is_(False))
                                   .order_by(User.id)))


def send_digest(user: User, now: dt.datetime, today: dt.date, *, url: Callable[[Incident], str], base_url: str,
                clocks: Iterable[tuple[Incident, str, dt.datetime]] = ()) -> bool:
    """Queue this week's digest for ``user`` (e-mail and notice) unless it was sent already.

    The ``digests_sent`` row is flushed first: a concurrent run that got there first makes this
    one fail on its key (IntegrityError, rolled back by the caller's transaction). Returns whether
    an e-mail was queued (nothing is queued when nothing is theirs; the week is marked all the same).
    """
    week = iso_week(now)
    if user.digest_opt_out or db.session.get(DigestSent, (user.id, week)) is not None:
        return False
    db.session.add(DigestSent(user_id=user.id, week=week, sent_at=now))
    db.session.flush()
    digest = digest_for(user, now, today, clocks)
    if not digest:
        return False
    subject, body = text_of(digest, url, base_url)
    notifications.queue_email(user.email, subject, body, send_at_commit=False)
    db.session.add(Notice(user_id=user.id, text=subject[:500], link="/"))
    db.session.flush()
    return True


def pending_clocks(now: dt.datetime | None = None, cbw_anchor: str = breaches.DEFAULT_CBW_ANCHOR,
                   ) -> list[tuple[Incident, str, dt.datetime]]:
    """The running AP and Cbw clocks (read once per run, for every user)."""
    return breaches.pending_clocks(now or utcnow(), cbw_anchor)
