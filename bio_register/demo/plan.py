"""The demo's plan: which incidents a municipality has in its year, and when each step happens.

Pure: no database, no services. Everything is drawn from one seeded :class:`random.Random` per
municipality, in a fixed order, so the same seed always gives the same year.
:mod:`bio_register.demo.incidents` records what is planned here through the services.
Diemen registered 9 security incidents and 17 datalekken in 2021, so about 60–65 % of the demo
incidents are datalekken.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bio_register.demo.scenarios import SCENARIOS, Scenario
from bio_register.incidents.models import EntryKind, Status
from bio_register.timeutil import DEFAULT_TZ

#: incidents per municipality (inclusive)
PER_ORGANISATION = (25, 35)
#: the share of datalekken (Diemen 2021: 17 of 26)
DATALEK_SHARE = (0.60, 0.65)
#: the same scenario at most this often per municipality
MAX_REPEATS = 3

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

#: hours before now that an incident is discovered: the one recent datalek, and the others
RECENT = (3, 48)
#: the recent datalek of the first municipality: less than 24 of the AP clock's 72 hours are left,
#: so the demo's first deadline check mails the FG a warning whatever the time of day
RECENT_NEAR_DEADLINE = (50, 66)
_IN_THE_YEAR = (12, 360 * 24)

_OFFICE_HOURS = (8, 9, 9, 10, 10, 11, 11, 12, 13, 13, 14, 14, 15, 15, 16, 17)

#: per age of an incident (below): the chance of each status, as (cumulative roll below, status);
#: the last status of a band takes the rest
_STATUS_BY_AGE: tuple[tuple[dt.timedelta | None, tuple[tuple[float, Status], ...]], ...] = (
    (3 * DAY, ((0.5, Status.NIEUW), (1.0, Status.IN_BEHANDELING))),
    (14 * DAY, ((0.05, Status.NIEUW), (0.6, Status.IN_BEHANDELING), (0.65, Status.INGETROKKEN),
                (1.0, Status.AFGEHANDELD))),
    (45 * DAY, ((0.2, Status.IN_BEHANDELING), (0.25, Status.INGETROKKEN), (1.0, Status.AFGEHANDELD))),
    (None, ((0.02, Status.IN_BEHANDELING), (0.10, Status.INGETROKKEN), (1.0, Status.AFGEHANDELD))),
)

Step = tuple[EntryKind, str]


# --- the times -----------------------------------------------------------------------------------

def office_time(rng: random.Random, moment: dt.datetime, any_time: bool) -> dt.datetime:
    """``moment`` moved to office hours on a weekday (local time), unless ``any_time``."""
    zone = ZoneInfo(DEFAULT_TZ)
    local = moment.astimezone(zone)
    if any_time and rng.random() < 0.5:
        return moment
    day = local.date()
    if day.weekday() >= 5:  # a weekend day: a working day of the same week instead
        day -= dt.timedelta(days=day.weekday() - rng.randrange(5))
    hour = rng.choice(_OFFICE_HOURS)
    naive = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)))
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def _discovered(rng: random.Random, now: dt.datetime, scenario: Scenario, min_hours: float,
                max_hours: float) -> dt.datetime:
    raw = now - dt.timedelta(hours=rng.uniform(min_hours, max_hours))
    snapped = office_time(rng, raw, scenario.any_time)
    age = now - snapped
    # keep recent ones recent and nothing in the future or beyond the year
    if not dt.timedelta(hours=max(2, min_hours)) <= age <= dt.timedelta(hours=max_hours):
        return raw
    return snapped


def moment_between(rng: random.Random, start: dt.datetime, end: dt.datetime, any_time: bool,
                   bias: float = 1.0) -> dt.datetime:
    """A moment strictly between start and end (early ones likelier with ``bias`` > 1), moved to
    office hours where that still fits."""
    fraction = 0.05 + 0.9 * rng.random() ** bias
    moment = start + (end - start) * fraction
    snapped = office_time(rng, moment, any_time)
    return snapped if start < snapped < end else moment


# --- the year of one municipality ------------------------------------------------------------------

@dataclass
class Plan:
    """One incident of the year: its scenario, when it was discovered and where it stands now."""

    scenario: Scenario
    discovered_at: dt.datetime
    status: Status = Status.NIEUW


def _pick_scenarios(rng: random.Random, count: int, datalekken: int) -> list[Scenario]:
    picked: list[Scenario] = []
    for want_datalek, how_many in ((True, datalekken), (False, count - datalekken)):
        pool = [s for s in SCENARIOS if s.is_datalek is want_datalek]
        weights = [s.weight for s in pool]
        while how_many:
            scenario = rng.choices(pool, weights)[0]
            if picked.count(scenario) < MAX_REPEATS:
                picked.append(scenario)
                how_many -= 1
    return picked


def _status_for(rng: random.Random, age: dt.timedelta, scenario: Scenario) -> Status:
    roll = rng.random()
    chances = next(band for below, band in _STATUS_BY_AGE if below is None or age < below)
    status = next((s for limit, s in chances if roll < limit), chances[-1][1])
    if status is Status.INGETROKKEN and scenario.withdraw is None:
        status = Status.AFGEHANDELD
    return status


def plan_year(rng: random.Random, now: dt.datetime, recent_hours: tuple[float, float] = RECENT) -> list[Plan]:
    """The incidents of a municipality's year before ``now``, oldest first; its one recent, open
    datalek is discovered between ``recent_hours`` hours before ``now``."""
    count = rng.randint(*PER_ORGANISATION)
    datalekken = round(count * rng.uniform(*DATALEK_SHARE))
    scenarios = _pick_scenarios(rng, count, datalekken)
    rng.shuffle(scenarios)
    # one datalek discovered in the last 72 hours, still open: the AP clock is running
    first_datalek = next(i for i, s in enumerate(scenarios) if s.is_datalek)
    plans = [Plan(scenario, _discovered(rng, now, scenario,
                                        *(recent_hours if index == first_datalek else _IN_THE_YEAR)))
             for index, scenario in enumerate(scenarios)]
    for plan in plans:
        plan.status = _status_for(rng, now - plan.discovered_at, plan.scenario)
    recent = plans[first_datalek]
    recent.status = rng.choice((Status.NIEUW, Status.IN_BEHANDELING))
    plans.sort(key=lambda p: p.discovered_at)
    _each_status_once(rng, plans, recent, now)
    return plans


def _each_status_once(rng: random.Random, plans: list[Plan], recent: Plan, now: dt.datetime) -> None:
    """At least one of each status per municipality, so every view has something to show."""
    if _none_with(plans, Status.NIEUW):
        recent.status = Status.NIEUW
    if _none_with(plans, Status.INGETROKKEN):
        withdrawable = [p for p in plans if now - p.discovered_at > 30 * DAY and p.scenario.withdraw]
        if withdrawable:
            rng.choice(withdrawable).status = Status.INGETROKKEN
    if _none_with(plans, Status.IN_BEHANDELING):
        next(p for p in reversed(plans) if p.status is Status.AFGEHANDELD).status = Status.IN_BEHANDELING


def _none_with(plans: list[Plan], status: Status) -> bool:
    return all(p.status is not status for p in plans)


# --- the course of one incident --------------------------------------------------------------------

@dataclass(frozen=True)
class Timeline:
    """When the follow-up of an incident that was picked up happens."""

    started: dt.datetime                                  # status "in behandeling"
    closing: dt.datetime                                  # closed or withdrawn; the last moment otherwise
    decided: dt.datetime | None                           # the decision (FG or CISO), if it has one
    entries: tuple[tuple[Step, dt.datetime], ...]         # the follow-up entries (decision last) and when


@dataclass(frozen=True)
class Course:
    """One planned incident in full: its texts, its fields and its timeline (None while new)."""

    plan: Plan
    values: dict[str, str]
    fields: dict[str, Any]                                # for incidents.services.create_incident
    created: dt.datetime
    steps: tuple[Step, ...]                               # the scenario's steps, filled in
    timeline: Timeline | None


def fill_values(rng: random.Random, scenario: Scenario) -> dict[str, str]:
    values: dict[str, str] = {}
    for names, options in scenario.fill.items():
        # "a|b" fills two placeholders that belong together ("systeem|afdeling")
        values.update(zip(names.split("|"), rng.choice(options).split("|"), strict=True))
    values["n"] = str(rng.randint(*scenario.people))
    return values


def course_of(rng: random.Random, plan: Plan, now: dt.datetime) -> Course:
    """The texts and times of a planned incident (draws from ``rng`` in the demo's fixed order)."""
    scenario = plan.scenario
    values = fill_values(rng, scenario)
    discovered = plan.discovered_at
    occurred = None
    if scenario.occurred is not None:
        occurred = discovered - dt.timedelta(hours=rng.uniform(*scenario.occurred))
        occurred = occurred.replace(second=0, microsecond=0)
    limit = now - dt.timedelta(minutes=1)
    created = min(discovered + dt.timedelta(minutes=rng.uniform(5, 180)),
                  discovered + (limit - discovered) / 4)
    fields = _fields(rng, scenario, values, occurred, discovered)
    steps = tuple((kind, text.format(**values)) for kind, text in scenario.steps)
    timeline = None
    if plan.status is not Status.NIEUW:
        decision = (EntryKind.DECISION, scenario.decision.format(**values))
        timeline = _timeline(rng, plan, steps, decision, created, now)
    return Course(plan, values, fields, created, steps, timeline)


def _fields(rng: random.Random, scenario: Scenario, values: dict[str, str], occurred: dt.datetime | None,
            discovered: dt.datetime) -> dict[str, Any]:
    return {
        "title": scenario.title.format(**values),
        "description": scenario.description.format(**values),
        "category": scenario.category,
        "severity": rng.choice(scenario.severities),
        "impact_confidentiality": "C" in scenario.cia,
        "impact_integrity": "I" in scenario.cia,
        "impact_availability": "A" in scenario.cia,
        "occurred_at": occurred,
        "discovered_at": discovered,
        "reporter": rng.choice(scenario.reporters).format(**values),
        "is_datalek": scenario.is_datalek,
    }


def _follow_up(rng: random.Random, plan: Plan, steps: tuple[Step, ...], decision: Step, created: dt.datetime,
               now: dt.datetime) -> tuple[dt.datetime, list[Step]]:
    """Until when the incident is followed up, and which steps are recorded by then."""
    limit = now - dt.timedelta(minutes=1)
    if plan.status is Status.AFGEHANDELD:
        days = rng.uniform(*plan.scenario.days_to_close)
        end = min(created + dt.timedelta(days=days), created + (limit - created) * 0.9)
        return end, [*steps[1:rng.randint(1, len(steps) - 1)], decision]
    if plan.status is Status.INGETROKKEN:
        hours = rng.uniform(2, 72)
        end = min(created + dt.timedelta(hours=hours), created + (limit - created) * 0.9)
        return end, list(steps[1:2]) if rng.random() < 0.6 else []
    # in behandeling
    taken = rng.randint(0, min(2, len(steps) - 1))
    follow_up = list(steps[1:1 + taken])
    # an open datalek past its 72 hours usually has the FG's decision already
    if now - plan.discovered_at > 3 * DAY and rng.random() < (0.8 if plan.scenario.is_datalek else 0.3):
        follow_up.append(decision)
    return limit, follow_up


def _timeline(rng: random.Random, plan: Plan, steps: tuple[Step, ...], decision: Step, created: dt.datetime,
              now: dt.datetime) -> Timeline:
    """Picked up within a day; follow-up early on; the FG decides a datalek within about 72 hours."""
    end, follow_up = _follow_up(rng, plan, steps, decision, created, now)
    any_time = plan.scenario.any_time
    started = moment_between(rng, created, min(end, created + DAY), any_time)
    closing = _closing(rng, plan.status, started, end, now - dt.timedelta(minutes=1), any_time)
    decided = None
    if follow_up and follow_up[-1] is decision:
        decided = _decided(rng, plan, started, closing)
    last = closing if decided is None else decided
    times = sorted(moment_between(rng, started, last, any_time, bias=2.0)
                   for _ in range(len(follow_up) - (decided is not None)))
    if decided is not None:
        times.append(decided)
    return Timeline(started, closing, decided, tuple(zip(follow_up, times, strict=True)))


def _closing(rng: random.Random, status: Status, started: dt.datetime, end: dt.datetime, limit: dt.datetime,
             any_time: bool) -> dt.datetime:
    """The end of the follow-up, moved to office hours for a closed or withdrawn incident where it fits."""
    snapped = office_time(rng, end, any_time)
    if status in (Status.AFGEHANDELD, Status.INGETROKKEN) and started < snapped < limit:
        return snapped
    return end


def _decided(rng: random.Random, plan: Plan, started: dt.datetime, closing: dt.datetime) -> dt.datetime:
    """When the decision is taken: a datalek about 20–70 hours after discovery where that fits."""
    any_time = plan.scenario.any_time
    target = plan.discovered_at + dt.timedelta(hours=rng.uniform(20, 70))
    if plan.scenario.is_datalek and started < target < closing:
        return moment_between(rng, max(started, target - HOUR), min(closing, target + HOUR), any_time)
    return moment_between(rng, started + (closing - started) / 2, closing, any_time)
