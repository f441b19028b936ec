"""Demo data: Duo+, its three municipalities, a user per role, a year of incidents and datalekken
and a statement of applicability partly filled in.

Outside the application's areas on purpose: the demo uses the areas' public services only, like
any other caller, and no area depends on it. Nothing here commits: the caller is the boundary
(``bio demo`` and ``bio serve --demo`` run :func:`create_demo_data` inside
:func:`bio_register.unit_of_work.boundary`).

- :mod:`~bio_register.demo.people`: the organisations and users;
- :mod:`~bio_register.demo.scenarios`: the kinds of incident, as data;
- :mod:`~bio_register.demo.plan`: which incidents a year holds and when each step happens (pure);
- :mod:`~bio_register.demo.incidents`: records the plan through the incident and breach services;
- :mod:`~bio_register.demo.compliance`: the BIO assessments;
- :mod:`~bio_register.demo.processing`: Diemen's verwerkingen and verwerkers;
- :mod:`~bio_register.demo.findings`: Diemen's findings (bevindingen).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from bio_register.compliance.catalogs import import_all
from bio_register.demo import people
from bio_register.demo.compliance import create_demo_assessments
from bio_register.demo.findings import create_demo_findings
from bio_register.demo.incidents import create_demo_incidents
from bio_register.demo.people import DEMO_ORGANISATIONS, DEMO_USERS
from bio_register.demo.processing import create_demo_processing
from bio_register.extensions import db
from bio_register.incidents.models import Incident
from bio_register.notifications import services as notifications
from bio_register.organisations.models import Organisation

__all__ = ["DEMO_ORGANISATIONS", "DEMO_USERS", "DemoData", "create_demo_data"]

LABEL = "demo"


@dataclass(frozen=True)
class DemoData:
    """What :func:`create_demo_data` did."""

    credentials: list[tuple[str, str, str]]   # (e-mail, password, roles) per demo user
    assessments: int | None                   # created; None: no demo CISO to assess with
    incidents: int | None                     # created; None: every municipality had some already

    def summary(self) -> list[str]:
        """The lines the CLI prints about the assessments and incidents."""
        lines = []
        if self.assessments is not None:
            lines.append(f"Demo-beoordelingen (BIO): {self.assessments} aangemaakt" if self.assessments
                         else "Demo-beoordelingen (BIO): al aanwezig")
        lines.append(f"Demo-incidenten: {self.incidents} aangemaakt" if self.incidents is not None
                     else "Demo-incidenten: al aanwezig")
        return lines


def create_demo_data(*, now: dt.datetime) -> DemoData:
    """The BIO catalogs, the demo organisations and users (with fresh passwords), and for each
    municipality without them a year of incidents (before ``now``) and its assessments.

    Idempotent apart from the passwords and second factors. Never commits.
    """
    import_all(actor_label=LABEL)
    people.ensure_organisations(LABEL)
    credentials = people.ensure_users(LABEL)
    users = people.users()
    municipalities = people.municipalities()
    empty = [org for org in municipalities if not _has_incidents(org)]
    ciso = users.get(people.CISO)
    assessed = create_demo_assessments(municipalities, ciso, now=now) if ciso is not None else None
    created = None
    if empty:
        with notifications.suppressed():  # a year of back-dated datalekken must not mail the FG
            created = create_demo_incidents(empty, users, now=now)
    create_demo_processing(municipalities, users.get(people.FG), now=now)
    create_demo_findings(municipalities, ciso, now=now)
    return DemoData(credentials, assessed, created)


def _has_incidents(organisation: Organisation) -> bool:
    return db.session.scalar(select(Incident.id).where(Incident.organisation_id == organisation.id).limit(1)) \
        is not None
