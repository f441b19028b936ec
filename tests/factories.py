"""Factories: build what a test needs in one line (committed to the test's savepoint)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from bio_register.accounts import services as accounts
from bio_register.accounts import two_factor
from bio_register.accounts.models import User
from bio_register.extensions import db
from bio_register.organisations import services as organisations
from bio_register.organisations.models import Organisation
from bio_register.permissions import Role

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)

NAMES = {"DUO": "Duo+", "DIE": "Gemeente Diemen", "OA": "Gemeente Ouder-Amstel",
         "UIT": "Gemeente Uithoorn"}
#: as in the demo (and in production): the municipalities sit below Duo+, so a role held in DUO
#: covers them (a role covers its organisation and every organisation below it)
PARENTS = {"DIE": "DUO", "OA": "DUO", "UIT": "DUO"}


def organisation(code: str | None = None, name: str | None = None, *, parent: str | None = None) -> Organisation:
    """The organisation with ``code``, created when absent: below ``parent`` (default: DIE, OA and
    UIT below DUO, any other at the top)."""
    code = code or f"ORG{next(_counter)}"
    existing = organisations.find_by_code(code)
    if existing is not None:
        return existing
    parent_code = parent or PARENTS.get(code)
    org = organisations.create_organisation(None, code, name or NAMES.get(code, f"Organisatie {code}"),
                                            parent=organisation(parent_code) if parent_code else None,
                                            actor_label="test")
    db.session.commit()
    return org


def user(roles: Iterable[tuple[Role | str, str]] = (), *, email: str | None = None,
         name: str = "Test Gebruiker", password: str = PASSWORD, totp: bool | None = None) -> User:
    """A user with roles. ``totp``: TOTP switched on (default: when a role requires it, like fg)."""
    email = email or f"user{next(_counter)}@example.nl"
    if password == PASSWORD:  # known to pass (tests/accounts); the strength estimate costs ~5 ms a user
        from unittest import mock

        with mock.patch.object(accounts, "check_password_strength", lambda *a, **k: None):
            u = accounts.create_user(None, email, name, password, actor_label="test")
    else:
        u = accounts.create_user(None, email, name, password, actor_label="test")
    roles = list(roles)
    for role, code in roles:
        accounts.grant_role(None, u, organisation(code), role, actor_label="test")
    if totp if totp is not None else any(Role(role) in two_factor.REQUIRED_ROLES for role, _code in roles):
        enable_totp(u)
    db.session.commit()
    return u


def enable_totp(u: User) -> list[str]:
    """Switch TOTP on directly (as if enrolled); returns the recovery codes."""
    import pyotp

    from bio_register.database import utcnow

    u.totp_secret = pyotp.random_base32()
    u.totp_enabled_at = utcnow()
    codes = two_factor.generate_recovery_codes(u)
    db.session.commit()
    return codes


def weak_password_user(email: str, name: str, password: str) -> User:
    """A user whose password skips the strength check, explicitly (old accounts, imports)."""
    from unittest import mock

    with mock.patch.object(accounts, "check_password_strength", lambda *a, **k: None):
        return user(email=email, name=name, password=password)


def token(u: User, name: str = "script", days: int = 30) -> str:
    issued = accounts.create_token(None, u, name, days, actor_label="test")
    db.session.commit()
    return issued.secret


def tied_incidents(n: int = 13, *, vo_of_diemen: User | None = None) -> None:
    """``n`` incidents in Diemen and Uithoorn with ties in every sort of the incident lists (four at
    the same moment, titles and severities repeating, three statuses), for the paging tests of the
    web list and the API; Diemen's logged by ``vo_of_diemen`` when given."""
    import datetime as dt

    from bio_register.database import utcnow

    same_time = utcnow() - dt.timedelta(days=3)
    severities = ("laag", "midden", "hoog", None)
    statuses = (None, "in_behandeling", "afgehandeld")
    for i in range(n):
        extra: dict = {"status": statuses[i % 3]} if statuses[i % 3] else {}
        if severities[i % 4]:
            extra["severity"] = severities[i % 4]
        incident("DIE" if i % 2 else "UIT", actor=vo_of_diemen if i % 2 else None, title=f"Incident {i % 5}",
                 discovered_at=same_time if i < 4 else utcnow() - dt.timedelta(hours=i), **extra)


def incident(org_code: str = "DIE", *, actor: User | None = None, **overrides):
    """An incident logged now (or at ``discovered_at``), committed."""
    import datetime as dt

    from bio_register.database import utcnow
    from bio_register.incidents import services as incidents

    data = {
        "title": "E-mail met burgerzaken-gegevens naar verkeerde ontvanger",
        "description": "Een medewerker stuurde een bijlage met NAW-gegevens naar een verkeerd adres.",
        "discovered_at": utcnow() - dt.timedelta(hours=1),
        "is_datalek": False,
    }
    status = overrides.pop("status", None)
    data.update(overrides)
    item = incidents.create_incident(actor, organisation(org_code), data, actor_label="test")
    if status is not None:
        from bio_register.incidents.models import Status

        path = {
            Status.IN_BEHANDELING: [Status.IN_BEHANDELING],
            Status.AFGEHANDELD: [Status.IN_BEHANDELING, Status.AFGEHANDELD],
            Status.INGETROKKEN: [Status.INGETROKKEN],
        }[Status(status)]
        if item.is_datalek and Status(status) == Status.AFGEHANDELD:
            decide_not_to_notify(item)
        for step in path:
            incidents.change_status(actor, item, step, item.version, reason="test")
    db.session.commit()
    return item


def fg_of(org_code: str) -> User:
    """The (first) FG of an organisation, created when there is none."""
    from bio_register.breaches.services import users_with_role
    from bio_register.permissions import Role

    org = organisation(org_code)
    existing = users_with_role(org.id, Role.FG)
    return existing[0] if existing else user([("fg", org_code)], name=f"FG {org_code}")


def assess(item, *, fg: User | None = None, **overrides):
    """A minimal FG assessment of a datalek (aware at discovery unless given)."""
    from bio_register.breaches import services as breaches

    fg = fg or fg_of(item.organisation.code)
    data = {"aware_at": item.discovered_at, **overrides}
    assessment = breaches.save_assessment(fg, item, data)
    db.session.commit()
    return assessment


def decide_not_to_notify(item, *, fg: User | None = None):
    from bio_register.breaches import services as breaches

    fg = fg or fg_of(item.organisation.code)
    if breaches.assessment_of(item) is None:
        assess(item, fg=fg)
    decision = breaches.decide(fg, item, False, "Geen risico voor betrokkenen (test).")
    db.session.commit()
    return decision


def measure(org_code: str = "DIE", *, actor: User | None = None, status=None, now=None, **overrides):
    """A maatregel created now (or at ``now``), walked to ``status`` when given, committed."""
    from bio_register.measures import services as measures
    from bio_register.measures.models import MeasureStatus

    data = {"title": "MFA op alle VPN-accounts", "owner": "Teamleider ICT", **overrides}
    item = measures.create_measure(actor, organisation(org_code), data, now=now, actor_label="test")
    if status is not None:
        path = {
            MeasureStatus.GEPLAND: [],
            MeasureStatus.IN_UITVOERING: [MeasureStatus.IN_UITVOERING],
            MeasureStatus.GEREED: [MeasureStatus.IN_UITVOERING, MeasureStatus.GEREED],
            MeasureStatus.VERVALLEN: [MeasureStatus.VERVALLEN],
        }[MeasureStatus(status)]
        for step in path:
            measures.change_status(actor, item, step, item.version, now=now)
    db.session.commit()
    return item


#: a small but well-formed PDF header: enough for the content check, which reads the first bytes
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def incident_attachment(item, *, filename: str = "bewijs.pdf", data: bytes = PDF_BYTES, actor: User | None = None):
    """Evidence on an incident, uploaded by a verbindingsofficier of its organisation, committed."""
    from bio_register.attachments import services as attachments

    actor = actor or user([("verbindingsofficier", item.organisation.code)])
    attachment = attachments.add_to_incident(actor, item, filename, data, max_bytes=20 * attachments.MIB)
    db.session.commit()
    return attachment


def control_attachment(org_code: str, control, *, filename: str = "beleid.pdf", data: bytes = PDF_BYTES,
                       actor: User | None = None):
    """Evidence for an organisation's assessment of a control, uploaded by its CISO, committed."""
    from bio_register.attachments import services as attachments

    actor = actor or user([("ciso", org_code)])
    attachment = attachments.add_to_control(actor, organisation(org_code), control, filename, data,
                                            max_bytes=20 * attachments.MIB)
    db.session.commit()
    return attachment


def processor(org_code: str = "DIE", *, actor: User | None = None, **overrides):
    """A verwerker with a signed verwerkersovereenkomst, committed."""
    from bio_register.processing import services as processing

    data = {"name": "Centric", "contact": "privacy@centric.example", "country": "Nederland",
            "agreement_signed": True, **overrides}
    item = processing.create_processor(actor, organisation(org_code), data, actor_label="test")
    db.session.commit()
    return item


def processing_activity(org_code: str = "DIE", *, actor: User | None = None, **overrides):
    """A verwerking (Basisregistratie Personen), committed."""
    from bio_register.processing import services as processing

    data = {"name": "Basisregistratie Personen", "purpose": "Bijhouden van de persoonsgegevens van inwoners.",
            "legal_basis": "wettelijke_verplichting", "subject_categories": ["inwoners"],
            "data_categories": ["naw", "geslacht_geboorte"], "bsn": True, "owner": "Teamleider Burgerzaken",
            **overrides}
    item = processing.create_activity(actor, organisation(org_code), data, actor_label="test")
    db.session.commit()
    return item


def breach_template(org_code: str = "DIE", *, actor: User | None = None, **overrides):
    """A template for a recurring datalek (a letter to the wrong address), committed."""
    from bio_register.breaches import recurring

    data = {"name": "Brief naar verkeerd adres", "title": "Brief naar verkeerd adres verstuurd",
            "description": "Een brief met persoonsgegevens is naar een verkeerd adres gestuurd.",
            "category": "post_verkeerde_ontvanger", "severity": "laag", "data_categories": ["naw"],
            "subject_categories": ["inwoners"], "bsn": True, "nature_confidentiality": True,
            "measures_taken": "Ontvanger gevraagd de brief te vernietigen.", **overrides}
    item = recurring.create_template(actor, organisation(org_code), data, actor_label="test")
    db.session.commit()
    return item


def finding(org_code: str = "DIE", *, actor: User | None = None, now=None, **overrides):
    """A finding from an IT-audit (open, severity hoog), committed."""
    import datetime as dt

    from bio_register.findings import services as findings

    data = {"source": "it_audit", "found_on": dt.date(2026, 10, 1), "title": "Geen MFA op beheeraccounts",
            "description": "Beheerders loggen in met alleen een wachtwoord.", "severity": "hoog", **overrides}
    item = findings.create_finding(actor, organisation(org_code), data, now=now, actor_label="test")
    db.session.commit()
    return item


def webhook(org_code: str = "DIE", *, url: str = "https://hooks.example.nl/bio", events=None,
            personal_data_allowed: bool = False, active: bool = True):
    """A webhook endpoint, committed (made directly: its address is not looked up in DNS)."""
    from bio_register.webhooks import services as webhooks
    from bio_register.webhooks.models import WebhookEndpoint

    endpoint = WebhookEndpoint(organisation_id=organisation(org_code).id, url=url,
                               events=list(webhooks.EVENTS) if events is None else list(events),
                               secret=webhooks.new_secret(), personal_data_allowed=personal_data_allowed,
                               active=active)
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def cbw_content(phase: object) -> dict:
    """Every required item of a Cbw phase (NIS2 art. 23(4)) answered; {} for an unknown phase."""
    return {
        "early_warning": {"malicious_suspected": True, "cross_border_possible": False},
        "notification": {"severity_impact": "Fileserver versleuteld; twee afdelingen kunnen niet werken.",
                         "indicators": "IP 203.0.113.7; hash 9f86d081884c7d65"},
        "interim": {"progress": "Herstel uit back-up loopt; nog niet alle systemen terug."},
        "final": {"severity_impact": "Twee dagen uitval van twee afdelingen.", "root_cause": "Phishing met malware.",
                  "mitigation_applied": "Systemen hersteld, wachtwoorden gewijzigd.",
                  "mitigation_ongoing": "MFA wordt uitgerold.", "cross_border_impact": "Geen."},
    }.get(str(getattr(phase, "value", phase)), {})
