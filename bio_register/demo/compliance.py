"""Demo assessments: a statement of applicability partly filled in, as a municipality would have
it a year into BIO2 (and its BIO 1.04 assessments for Diemen, to try the proposal).

The assessments have a history: made in rounds over the past year, each measure first assessed in
one round and improved in later ones, so the demo's quarterly reports (which count the assessments
as they stood at the end of their quarter) have a BIO section and show progress. Made only "now",
they would all lie after the end of every finished quarter, and each report would say "geen
BIO-beoordeling vastgelegd" while the app shows Diemen at 70 %."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from bio_register.accounts.models import User
from bio_register.compliance import services
from bio_register.compliance.models import ControlCatalog, ControlKind
from bio_register.demo.clock import as_of
from bio_register.organisations.models import Organisation

OWNERS = ("Teamleider ICT Duo+", "Informatiebeveiliger", "Privacy officer", "Facilitair beheer", "HR-adviseur")
NOT_APPLICABLE = "Niet van toepassing: de gemeente heeft geen eigen datacenter of ontwikkelafdeling."
#: the assessment rounds, in days before now (oldest first): about one a quarter over the past year
ROUNDS = (350, 260, 170, 80, 20)
#: how likely a measure is first assessed in each round (most of the work is done early)
FIRST_ROUND_WEIGHTS = (0.45, 0.25, 0.15, 0.1, 0.05)
#: Diemen's BIO 1.04 assessments date from before it moved to BIO2
OLD_CATALOG_DAYS = 420
STEPS = ("niet", "gedeeltelijk", "volledig")


def create_demo_assessments(organisations: Sequence[Organisation], ciso: User, *, now: dt.datetime,
                            seed: int = 2026) -> int:
    """Assess about two thirds of the BIO2 overheidsmaatregelen of each organisation that has no
    assessments yet, in rounds over the year before ``now``; returns how many assessments were
    recorded. Never commits."""
    catalog = next((c for c in services.catalogs() if c.key.startswith("BIO2")), None)
    old = next((c for c in services.catalogs() if c.key.startswith("BIO-1")), None)
    if catalog is None:
        return 0
    count = 0
    for organisation in organisations:
        rng = random.Random(f"{seed}:{organisation.code}")  # noqa: S311  # nosec B311 # demo data, not security
        if services.current_assessments(organisation, catalog):
            continue
        count += _assess_measures(rng, organisation, catalog, ciso, now)
        if old is not None and organisation.code == "DIE":
            count += _assess_old_controls(rng, organisation, old, ciso, now)
    return count


def _assess_measures(rng: random.Random, organisation: Organisation, catalog: ControlCatalog, ciso: User,
                     now: dt.datetime) -> int:
    count = 0
    # opzet, bestaan and werking from a generator of their own, so the rest of the demo stays as it was
    judged = random.Random(f"obw:{rng.random()}")  # noqa: S311  # nosec B311 # demo data, not security
    for measure in services.controls_of(catalog, kind=ControlKind.MEASURE):
        if measure.status != "active" or rng.random() > 0.66:
            continue
        rounds = history(rng, _measure_assessment(rng))
        for index, (days_before, data) in enumerate(rounds):
            if index == len(rounds) - 1:
                data = {**data, **_opzet_bestaan_werking(judged, data)}
            assessed = now - dt.timedelta(days=days_before)
            with as_of(assessed):
                services.assess(ciso, organisation, measure, data, now=assessed)
            count += 1
    return count


def _opzet_bestaan_werking(rng: random.Random, data: dict[str, Any]) -> dict[str, Any]:
    """In the last round, a judgement of opzet, bestaan and werking for most measures put in place:
    werking "voldoet" only with evidence, and not for every one (werking takes a period to show)."""
    if not data.get("applicable") or data.get("status") == "niet" or rng.random() < 0.3:
        return {}
    if data["status"] == "gedeeltelijk":
        return {"opzet": {"status": "voldoet"}, "bestaan": {"status": "voldoet_gedeeltelijk"}}
    werking = rng.choice([
        {"status": "voldoet", "evidence": "Steekproef van het afgelopen kwartaal: werkt zoals beschreven.",
         "assessed_by": "Informatiebeveiliger"},
        {"status": "voldoet_gedeeltelijk", "evidence": "Steekproef: enkele afwijkingen, opgevolgd."},
        {"status": "niet_beoordeeld"}])
    return {"opzet": {"status": "voldoet"}, "bestaan": {"status": "voldoet"}, "werking": werking}


def history(rng: random.Random, final: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The assessments that lead to ``final``, each with its round (days before now), oldest first:
    first assessed in one round, perhaps weaker, one step better in a later round until ``final``."""
    first = rng.choices(range(len(ROUNDS)), weights=FIRST_ROUND_WEIGHTS)[0]
    if not final.get("applicable") or final.get("status") not in STEPS:
        return [(ROUNDS[first], final)]
    target = STEPS.index(final["status"])
    step = rng.randint(0, target) if first < len(ROUNDS) - 1 else target
    out = [(ROUNDS[first], {**final, "status": STEPS[step]})]
    for index in range(first + 1, len(ROUNDS)):
        if step == target:
            break
        rounds_left = len(ROUNDS) - index
        if rng.random() < 0.6 or target - step >= rounds_left:
            step += 1
            out.append((ROUNDS[index], {**final, "status": STEPS[step]}))
    if step != target:   # not reached in the rounds: the last round brings it there
        out.append((ROUNDS[-1], final))
    return out


def _measure_assessment(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.05:
        return {"applicable": False, "justification": NOT_APPLICABLE}
    status = "volledig" if roll < 0.55 else "gedeeltelijk" if roll < 0.85 else "niet"
    return {"applicable": True, "status": status, "owner": rng.choice(OWNERS)}


def _assess_old_controls(rng: random.Random, organisation: Organisation, old: ControlCatalog, ciso: User,
                         now: dt.datetime) -> int:
    """Diemen's BIO 1.04 assessments of the first 40 controls, to try the proposal from them."""
    if services.current_assessments(organisation, old):
        return 0
    controls = services.controls_of(old, kind=ControlKind.CONTROL)[:40]
    assessed = now - dt.timedelta(days=OLD_CATALOG_DAYS)
    with as_of(assessed):
        for control in controls:
            services.assess(ciso, organisation, control, {
                "applicable": True, "status": rng.choice(["volledig", "volledig", "gedeeltelijk", "niet"]),
                "owner": rng.choice(OWNERS)}, now=assessed)
    return len(controls)
