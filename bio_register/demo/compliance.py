"""Demo assessments: a statement of applicability partly filled in, as a municipality would have
it a year into BIO2 (and its BIO 1.04 assessments for Diemen, to try the proposal)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from bio_register.accounts.models import User
from bio_register.compliance import services
from bio_register.compliance.models import ControlCatalog, ControlKind
from bio_register.organisations.models import Organisation

OWNERS = ("Teamleider ICT Duo+", "Informatiebeveiliger", "Privacy officer", "Facilitair beheer", "HR-adviseur")
NOT_APPLICABLE = "Niet van toepassing: de gemeente heeft geen eigen datacenter of ontwikkelafdeling."


def create_demo_assessments(organisations: Sequence[Organisation], ciso: User, *, seed: int = 2026) -> int:
    """Assess about two thirds of the BIO2 overheidsmaatregelen of each organisation that has no
    assessments yet; returns how many. Never commits."""
    catalog = next((c for c in services.catalogs() if c.key.startswith("BIO2")), None)
    old = next((c for c in services.catalogs() if c.key.startswith("BIO-1")), None)
    if catalog is None:
        return 0
    count = 0
    for organisation in organisations:
        rng = random.Random(f"{seed}:{organisation.code}")  # noqa: S311  # nosec B311 # demo data, not security
        if services.current_assessments(organisation, catalog):
            continue
        count += _assess_measures(rng, organisation, catalog, ciso)
        if old is not None and organisation.code == "DIE":
            count += _assess_old_controls(rng, organisation, old, ciso)
    return count


def _assess_measures(rng: random.Random, organisation: Organisation, catalog: ControlCatalog, ciso: User) -> int:
    count = 0
    for measure in services.controls_of(catalog, kind=ControlKind.MEASURE):
        if measure.status != "active" or rng.random() > 0.66:
            continue
        services.assess(ciso, organisation, measure, _measure_assessment(rng))
        count += 1
    return count


def _measure_assessment(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.05:
        return {"applicable": False, "justification": NOT_APPLICABLE}
    status = "volledig" if roll < 0.55 else "gedeeltelijk" if roll < 0.85 else "niet"
    return {"applicable": True, "status": status, "owner": rng.choice(OWNERS)}


def _assess_old_controls(rng: random.Random, organisation: Organisation, old: ControlCatalog, ciso: User) -> int:
    """Diemen's BIO 1.04 assessments of the first 40 controls, to try the proposal from them."""
    if services.current_assessments(organisation, old):
        return 0
    controls = services.controls_of(old, kind=ControlKind.CONTROL)[:40]
    for control in controls:
        services.assess(ciso, organisation, control, {
            "applicable": True, "status": rng.choice(["volledig", "volledig", "gedeeltelijk", "niet"]),
            "owner": rng.choice(OWNERS)})
    return len(controls)
