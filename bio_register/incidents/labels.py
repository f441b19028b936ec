"""Dutch labels (translatable) for the incident enums."""

from __future__ import annotations

from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents.models import Category, EntryKind, Severity, Status, TaskState

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

#: the state of a step of a playbook applied to an incident
TASK_STATE = {
    TaskState.OPEN: _l("open"),
    TaskState.DONE: _l("gedaan"),
    TaskState.NOT_APPLICABLE: _l("niet van toepassing"),
}

HISTORY_KIND = {
    "create": _l("gemeld"),
    "update": _l("gewijzigd"),
    "status": _l("status gewijzigd"),
    "reopen": _l("heropend"),
    "attachment_upload": _l("bijlage toegevoegd"),
    "attachment_remove": _l("bijlage verwijderd"),
    "report": _l("gemeld via het meldpunt"),
    "playbook_apply": _l("draaiboek toegepast"),
    "task": _l("stap uit het draaiboek bijgewerkt"),
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


def status_label(value: Status | str) -> str:
    return str(STATUS[Status(value)])


def severity_label(value: Severity | str) -> str:
    return str(SEVERITY[Severity(value)])


def category_label(value: Category | str) -> str:
    return str(CATEGORY[Category(value)])


def task_state_label(value: TaskState | str) -> str:
    return str(TASK_STATE[TaskState(value)])


def history_label(kind: str) -> str:
    return str(HISTORY_KIND.get(kind, kind))


def field_label(name: str) -> str:
    return str(FIELD.get(name, name))


def transition_label(current: Status, target: Status) -> str:
    if current in (Status.AFGEHANDELD, Status.INGETROKKEN):
        return str(REOPEN)
    return str(STATUS_ACTION[target])


def cia(incident: object) -> str:
    parts = []
    if getattr(incident, "impact_confidentiality", False):
        parts.append(str(_l("vertrouwelijkheid")))
    if getattr(incident, "impact_integrity", False):
        parts.append(str(_l("integriteit")))
    if getattr(incident, "impact_availability", False):
        parts.append(str(_l("beschikbaarheid")))
    return ", ".join(parts)


_ENUM_LABELS: dict[str, object] = {
    **{k.value: v for k, v in CATEGORY.items()},
    **{k.value: v for k, v in SEVERITY.items()},
    **{k.value: v for k, v in STATUS.items()},
}


def display(value: object) -> str:
    """A stored or audited value as a person reads it (labels, ja/nee, Amsterdam time)."""
    import datetime as dt

    from bio_register.i18n import format_local

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("ja")) if value else str(_l("nee"))
    if isinstance(value, dt.datetime):
        return format_local(value)
    if isinstance(value, str):
        if value in _ENUM_LABELS:
            return str(_ENUM_LABELS[value])
        if len(value) >= 19 and value[4] == "-" and value[10] == "T":
            try:
                return format_local(dt.datetime.fromisoformat(value))
            except ValueError:
                pass
        return value
    if hasattr(value, "value") and str(getattr(value, "value", "")) in _ENUM_LABELS:
        return str(_ENUM_LABELS[str(value.value)])
    return str(value)


TEMPLATE_HELPERS = {
    "status_label": status_label, "severity_label": severity_label, "category_label": category_label,
    "history_label": history_label, "task_state_label": task_state_label, "field_label": field_label,
    "transition_label": transition_label,
    "cia": cia, "display": display,
}
