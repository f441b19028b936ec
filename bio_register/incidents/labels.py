"""Dutch labels (translatable) for the incident enums."""

from __future__ import annotations

from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents.models import Category, EntryKind, Severity, Status

CATEGORY = {
    Category.WRONG_RECIPIENT_EMAIL: _l("E-mail aan verkeerde ontvanger"),
    Category.WRONG_RECIPIENT_POST: _l("Brief aan verkeerde ontvanger"),
    Category.LOST_STOLEN_DEVICE: _l("Apparaat verloren of gestolen"),
    Category.LOST_STOLEN_PAPER: _l("Papieren verloren of gestolen"),
    Category.PUBLISHED_BY_MISTAKE: _l("Per ongeluk gepubliceerd"),
    Category.EXCESSIVE_ACCESS: _l("Te ruime toegangsrechten"),
    Category.PHISHING: _l("Phishing"),
    Category.MALWARE_RANSOMWARE: _l("Malware of ransomware"),
    Category.UNAVAILABILITY: _l("Onbeschikbaarheid (storing, uitval)"),
    Category.ABUSIVE_CONTENT: _l("RSIT: schadelijke inhoud (spam, intimidatie)"),
    Category.MALICIOUS_CODE: _l("RSIT: kwaadaardige code"),
    Category.INFORMATION_GATHERING: _l("RSIT: informatie verzamelen (scannen, social engineering)"),
    Category.INTRUSION_ATTEMPTS: _l("RSIT: inbraakpoging"),
    Category.INTRUSIONS: _l("RSIT: inbraak (gecompromitteerd account of systeem, fysiek)"),
    Category.AVAILABILITY: _l("RSIT: beschikbaarheid (DoS, sabotage, storing)"),
    Category.INFORMATION_CONTENT_SECURITY: _l("RSIT: vertrouwelijkheid of integriteit van informatie"),
    Category.FRAUD: _l("RSIT: fraude"),
    Category.VULNERABLE: _l("RSIT: kwetsbaarheid"),
    Category.OTHER: _l("RSIT: overig"),
    Category.TEST: _l("RSIT: test"),
}

SEVERITY = {
    Severity.LAAG: _l("laag"),
    Severity.MIDDEN: _l("midden"),
    Severity.HOOG: _l("hoog"),
    Severity.KRITIEK: _l("kritiek"),
}

STATUS = {
    Status.NIEUW: _l("nieuw"),
    Status.IN_BEHANDELING: _l("in behandeling"),
    Status.AFGEHANDELD: _l("afgehandeld"),
    Status.INGETROKKEN: _l("ingetrokken"),
}

#: the verb on the button that moves an incident to a status
STATUS_ACTION = {
    Status.IN_BEHANDELING: _l("In behandeling nemen"),
    Status.AFGEHANDELD: _l("Afhandelen"),
    Status.INGETROKKEN: _l("Intrekken (geen incident)"),
}
REOPEN = _l("Heropenen")

ENTRY_KIND = {
    EntryKind.OBSERVATION: _l("waarneming"),
    EntryKind.ACTION: _l("actie"),
    EntryKind.DECISION: _l("besluit"),
    EntryKind.COMMUNICATION: _l("communicatie"),
}

HISTORY_KIND = {
    "create": _l("gemeld"),
    "update": _l("gewijzigd"),
    "status": _l("status gewijzigd"),
    "reopen": _l("heropend"),
    **{k.value: v for k, v in ENTRY_KIND.items()},
}

FIELD = {
    "title": _l("Titel"),
    "description": _l("Wat is er gebeurd?"),
    "category": _l("Categorie"),
    "severity": _l("Ernst"),
    "impact_confidentiality": _l("Vertrouwelijkheid geraakt"),
    "impact_integrity": _l("Integriteit geraakt"),
    "impact_availability": _l("Beschikbaarheid geraakt"),
    "occurred_at": _l("Opgetreden op"),
    "discovered_at": _l("Ontdekt op"),
    "reporter": _l("Melder"),
    "is_datalek": _l("Datalek"),
    "is_significant_cbw": _l("Significant incident (Cbw)"),
    "cause": _l("Oorzaak"),
    "lessons_learned": _l("Geleerde lessen"),
    "status": _l("Status"),
    "reason": _l("Reden"),
    "reference": _l("Referentie"),
}
