"""Demo assessments: a statement of applicability partly filled in, as a municipality would have
it a year into BIO2 (and its BIO 1.04 assessments for Diemen, to try the proposal)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bio_register.accounts.models import User
from bio_register.compliance import services
from bio_register.compliance.models import ControlKind
from bio_register.organisations.models import Organisation

OWNERS = ("Teamleider ICT Duo+", "Informatiebeveiliger", "Privacy officer", "Facilitair beheer", "HR-adviseur")
NOT_APPLICABLE = "Niet van toepassing: de gemeente heeft geen eigen datacenter of ontwikkelafdeling."


def create_demo_assessments(organisations: Sequence[Organisation], ciso: User, *, seed: int = 2026) -> int:
    """Assess about two thirds of the BIO2 overheidsmaatregelen of each organisation; returns how many."""
    catalog = next((c for c in services.catalogs() if c.key.startswith("BIO2")), None)
    old = next((c for c in services.catalogs() if c.key.startswith("BIO-1")), None)
    if catalog is None:
        return 0
    count = 0
    for organisation in organisations:
        rng = random.Random(f"{seed}:{organisation.code}")  # noqa: S311  # nosec B311 # demo data, not security
        if services.current_assessments(organisation, catalog):
            continue
        for measure in services.controls_of(catalog, kind=ControlKind.MEASURE):
            if measure.status != "active" or rng.random() > 0.66:
                continue
            roll = rng.random()
            if roll < 0.05:
                data = {"applicable": False, "justification": NOT_APPLICABLE}
            else:
                status = "volledig" if roll < 0.55 else "gedeeltelijk" if roll < 0.85 else "niet"
                data = {"applicable": True, "status": status, "owner": rng.choice(OWNERS)}
            services.assess(ciso, organisation, measure, data)
            count += 1
        if old is not None and organisation.code == "DIE" and not services.current_assessments(organisation, old):
            for control in services.controls_of(old, kind=ControlKind.CONTROL)[:40]:
                services.assess(ciso, organisation, control, {
                    "applicable": True, "status": rng.choice(["volledig", "volledig", "gedeeltelijk", "niet"]),
                    "owner": rng.choice(OWNERS)})
                count += 1
    return count
