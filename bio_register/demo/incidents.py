"""Demo incidents: a realistic year of security incidents and datalekken per municipality.

Everything goes through the public services (incidents: create, status, update, timeline;
breaches: the FG's assessment, AP decision, AP notification and art. 34 decision), so each demo
record has a proper reference, audit trail and timeline; nothing is inserted directly. What
happens and when is planned in :mod:`bio_register.demo.plan` from the scenarios of
:mod:`bio_register.demo.scenarios`; this module only records it. It never commits.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bio_register.accounts.models import User
from bio_register.breaches import services as breaches
from bio_register.demo.clock import as_of
from bio_register.demo.plan import (
    HOUR,
    RECENT,
    RECENT_NEAR_DEADLINE,
    Course,
    Plan,
    Timeline,
    course_of,
    moment_between,
    plan_year,
)
from bio_register.demo.scenarios import Breach
from bio_register.incidents import services
from bio_register.incidents.models import EntryKind, Incident, Status
from bio_register.organisations.models import Organisation
from bio_register.permissions import Role

DIEMEN_CODE = "DIE"
DIEMEN_VERBINDINGSOFFICIER = "verbindingsofficier@demo.bio-register.nl"


# --- the people -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Cast:
    """Who records an organisation's incidents: the verbindingsofficier logs and follows them,
    the FG decides on a datalek and the CISO on a security incident."""

    actor: User
    fg: User
    ciso: User

    def decider(self, is_datalek: bool) -> User:
        return self.fg if is_datalek else self.ciso


def _with_role(users: Mapping[str, User], role: Role, code: str) -> User | None:
    for user in users.values():
        if any(m.role == role and m.organisation.code == code for m in user.memberships):
            return user
    return None


def _actor(users: Mapping[str, User], organisation: Organisation) -> User:
    """The demo verbindingsofficier of the organisation, else the Diemen one."""
    actor = (_with_role(users, Role.VERBINDINGSOFFICIER, organisation.code)
             or _with_role(users, Role.VERBINDINGSOFFICIER, DIEMEN_CODE)
             or users.get(DIEMEN_VERBINDINGSOFFICIER))
    if actor is None:
        raise ValueError("Geen demo-verbindingsofficier gevonden voor de demo-incidenten.")
    return actor


def _cast(users: Mapping[str, User], organisation: Organisation) -> _Cast:
    actor = _actor(users, organisation)
    fg = _with_role(users, Role.FG, organisation.code)
    if fg is None:  # only the organisation's FG may decide on a datalek before it is closed
        raise ValueError(f"Geen demo-FG gevonden voor {organisation.code}.")
    return _Cast(actor, fg, _with_role(users, Role.CISO, organisation.code) or actor)


# --- recording one incident ------------------------------------------------------------------------

def _create_one(rng: random.Random, organisation: Organisation, plan: Plan, cast: _Cast,
                now: dt.datetime) -> Incident:
    course = course_of(rng, plan, now)
    with as_of(course.created):
        incident = services.create_incident(cast.actor, organisation, course.fields, now=course.created)
        # the observation is recorded at once, dated the moment of discovery
        kind, text = course.steps[0]
        services.add_entry(cast.actor, incident, kind, text, plan.discovered_at, now=course.created)
    if course.timeline is not None:
        _follow(rng, incident, course, course.timeline, cast)
    return incident


def _follow(rng: random.Random, incident: Incident, course: Course, timeline: Timeline, cast: _Cast) -> None:
    """The follow-up of an incident that was picked up: status, assessment, entries, closing."""
    plan = course.plan
    scenario = plan.scenario
    if plan.status is Status.INGETROKKEN and not timeline.entries and rng.random() < 0.5:
        with as_of(timeline.started):
            services.change_status(cast.actor, incident, Status.INGETROKKEN, incident.version,
                                   reason=scenario.withdraw, now=timeline.started)
        return
    with as_of(timeline.started):
        services.change_status(cast.actor, incident, Status.IN_BEHANDELING, incident.version,
                               now=timeline.started)
    breach = scenario.breach if scenario.is_datalek else None
    if breach is not None and _assessing(rng, plan, timeline):
        _assess(cast.fg, incident, breach, course, now=timeline.started)
    _record_entries(rng, incident, course, timeline, breach, cast)
    if breach is not None and breach.notify and timeline.decided is not None:
        _notify_ap(rng, cast.fg, incident, timeline.decided, timeline.closing, scenario.any_time)
    _close(rng, incident, course, timeline, cast.actor)


def _assessing(rng: random.Random, plan: Plan, timeline: Timeline) -> bool:
    """Whether the FG has already started assessing an open datalek that has no decision yet."""
    return timeline.decided is None and plan.status is Status.IN_BEHANDELING and rng.random() < 0.5


def _record_entries(rng: random.Random, incident: Incident, course: Course, timeline: Timeline,
                    breach: Breach | None, cast: _Cast) -> None:
    """The follow-up entries; a datalek's decision is the FG's, after the assessment it rests on."""
    decider = cast.decider(course.plan.scenario.is_datalek)
    for (kind, text), at in timeline.entries:
        if breach is not None and kind is EntryKind.DECISION:
            assessed = max(timeline.started, at - dt.timedelta(minutes=rng.uniform(15, 120)))
            _assess(cast.fg, incident, breach, course, now=assessed)
            with as_of(at):
                breaches.decide(cast.fg, incident, breach.notify, text, now=at)
        author = decider if kind is EntryKind.DECISION else cast.actor
        with as_of(at):
            services.add_entry(author, incident, kind, text, at, now=at)


def _close(rng: random.Random, incident: Incident, course: Course, timeline: Timeline, actor: User) -> None:
    """Close (with cause and lessons learned) or withdraw the incident, as planned."""
    plan = course.plan
    if plan.status is Status.AFGEHANDELD:
        last_entry = timeline.entries[-1][1] if timeline.entries else timeline.started
        edited = max(timeline.closing - dt.timedelta(minutes=rng.uniform(1, 30)), last_entry)
        with as_of(edited):
            services.update_incident(actor, incident,
                                     {"cause": plan.scenario.cause, "lessons_learned": plan.scenario.lessons},
                                     incident.version, now=edited)
        with as_of(timeline.closing):
            services.change_status(actor, incident, Status.AFGEHANDELD, incident.version, now=timeline.closing)
    elif plan.status is Status.INGETROKKEN:
        with as_of(timeline.closing):
            services.change_status(actor, incident, Status.INGETROKKEN, incident.version,
                                   reason=plan.scenario.withdraw, now=timeline.closing)


def _assess(fg: User, incident: Incident, breach: Breach, course: Course, *, now: dt.datetime) -> None:
    """The FG's assessment: what the AP's meldformulier asks, and the ENISA inputs."""
    values = course.values
    measures = " ".join(text for kind, text in course.steps if kind is EntryKind.ACTION)
    with as_of(now):
        breaches.save_assessment(fg, incident, {
            "aware_at": incident.discovered_at,
            "data_categories": list(breach.data),
            "special_categories": list(breach.special),
            "subject_categories": list(breach.subjects),
            "bsn": breach.bsn,
            "criminal_data": breach.criminal,
            "subjects_count": int(values["n"]),
            "nature_confidentiality": incident.impact_confidentiality,
            "nature_integrity": incident.impact_integrity,
            "nature_availability": incident.impact_availability,
            "processor_involved": breach.processor is not None,
            "processor_name": breach.processor.format(**values) if breach.processor else None,
            "likely_consequences": breach.consequences.format(**values),
            "measures_taken": measures or None,
            "enisa_dpc": breach.dpc,
            "enisa_ei": breach.ei,
            "enisa_cb_confidentiality": breach.conf,
            "enisa_cb_integrity": breach.integ,
            "enisa_cb_availability": breach.avail,
            "enisa_cb_malicious": breach.malicious,
        }, now=now)


def _notify_ap(rng: random.Random, fg: User, incident: Incident, decided: dt.datetime, until: dt.datetime,
               any_time: bool) -> None:
    """The FG notifies the AP soon after deciding to, then the data subjects are informed (art. 34)."""
    submitted = moment_between(rng, decided, min(until, decided + 4 * HOUR), any_time)
    late = None
    if submitted > breaches.ap_deadline(incident, breaches.assessment_of(incident)):
        late = ("De aard en omvang van het datalek werden pas na onderzoek duidelijk; daarna is direct "
                "gemeld.")
    with as_of(submitted):
        breaches.record_notification(fg, incident, "initial", submitted, str(rng.randint(10**6, 10**7 - 1)),
                                     late, now=submitted)
    informed = moment_between(rng, submitted, until, any_time)
    with as_of(informed):
        breaches.decide_data_subjects(fg, incident, True, now=informed, notified_at=informed, channel="Brief",
                                      explanation="Hoog risico voor de betrokkenen (art. 34 AVG).")


def create_demo_incidents(organisations: Sequence[Organisation], users: Mapping[str, User], *,
                          now: dt.datetime, seed: int = 2026) -> int:
    """A year (before ``now``) of incidents and datalekken for each organisation; never commits.

    ``users`` maps e-mail to the demo users; the organisation's verbindingsofficier (else the
    one of Diemen) logs and follows the incidents, the FG and the CISO record decisions.
    Returns how many incidents were created.
    """
    created = 0
    for index, organisation in enumerate(organisations):
        rng = random.Random(f"{seed}:{organisation.code}")  # noqa: S311  # nosec B311 # demo data, not security
        cast = _cast(users, organisation)
        for plan in plan_year(rng, now, RECENT_NEAR_DEADLINE if index == 0 else RECENT):
            _create_one(rng, organisation, plan, cast, now)
            created += 1
    return created
