"""A few realistic verwerkingen of Diemen and two verwerkers, through the processing services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select

from bio_register.accounts.models import User
from bio_register.extensions import db
from bio_register.organisations.models import Organisation
from bio_register.processing import services as processing
from bio_register.processing.models import ProcessingActivity

MUNICIPALITY = "DIE"


def create_demo_processing(organisations: Sequence[Organisation], fg: User | None, *,
                           now: dt.datetime) -> int | None:
    """Diemen's verwerkingen and verwerkers when it has none yet: the number created, or None."""
    diemen = next((o for o in organisations if o.code == MUNICIPALITY), None)
    if diemen is None or db.session.scalar(select(ProcessingActivity.id).where(
            ProcessingActivity.organisation_id == diemen.id).limit(1)) is not None:
        return None
    today = processing.local_today(now)
    centric = processing.create_processor(fg, diemen, {
        "name": "Centric Netherlands B.V.", "contact": "privacy@centric.example", "country": "Nederland",
        "inside_eea": True, "agreement_signed": True, "agreement_signed_on": today - dt.timedelta(days=900),
        "agreement_expires_on": today + dt.timedelta(days=400), "agreement_review_on": today + dt.timedelta(days=60),
    }, now=now)
    parking = processing.create_processor(fg, diemen, {
        "name": "ParkeerDienst B.V.", "contact": "servicedesk@parkeerdienst.example", "country": "Nederland",
        "inside_eea": True, "agreement_signed": True, "agreement_signed_on": today - dt.timedelta(days=1200),
        "agreement_expires_on": today - dt.timedelta(days=20),
    }, now=now)
    activities = [
        {"name": "Basisregistratie Personen (BRP)", "status": "actief",
         "purpose": "Bijhouden van de persoonsgegevens van inwoners van Diemen, zoals de Wet BRP voorschrijft.",
         "legal_basis": "wettelijke_verplichting", "subject_categories": ["inwoners", "kinderen"],
         "data_categories": ["naw", "geslacht_geboorte", "contact"], "bsn": True,
         "recipients": "Afnemers met een autorisatie van de RvIG; andere overheidsorganen via de BRP-verstrekkingen.",
         "processors": [centric.id], "retention": "Zolang de persoon ingeschreven is, daarna volgens de Wet BRP",
         "security_measures": "Toegang per rol, logging van raadplegingen, jaarlijkse ENSIA-audit.",
         "dpia_required": False, "owner": "Teamleider Burgerzaken"},
        {"name": "Jeugdhulp", "status": "actief",
         "purpose": "Beoordelen van hulpvragen en toekennen en betalen van jeugdhulp (Jeugdwet).",
         "legal_basis": "wettelijke_verplichting", "subject_categories": ["kinderen", "clienten_sociaal_domein"],
         "data_categories": ["naw", "contact", "geslacht_geboorte"], "special_categories": ["gezondheid"],
         "art9_ground": "zorg", "bsn": True, "recipients": "Jeugdhulpaanbieders; Gecertificeerde instellingen.",
         "processors": [centric.id], "retention": "15 jaar na het einde van de hulp (Jeugdwet art. 7.3.8)",
         "dpia_required": True, "dpia_done": True, "dpia_date": today - dt.timedelta(days=300),
         "dpia_link": "https://dms.diemen.example/privacy/dpia-jeugdhulp", "owner": "Manager Sociaal Domein"},
        {"name": "Parkeervergunningen", "status": "actief",
         "purpose": "Verlenen van parkeervergunningen aan bewoners en bedrijven en handhaven van het parkeren.",
         "legal_basis": "algemeen_belang", "subject_categories": ["inwoners", "ondernemers"],
         "data_categories": ["naw", "contact", "financieel", "locatie"], "bsn": False,
         "processors": [parking.id], "retention": "2 jaar na afloop van de vergunning",
         "dpia_required": False, "owner": "Teamleider Parkeren"},
    ]
    for data in activities:
        processing.create_activity(fg, diemen, data, now=now)
    return len(activities)
