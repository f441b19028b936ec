"""Dutch labels (translatable) for findings (bevindingen)."""

from __future__ import annotations

from bio_register.findings.models import FindingSource, FindingStatus
from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents.labels import SEVERITY

SOURCE = {
    FindingSource.ENSIA_DIGID: _l("ENSIA-assessment DigiD"),
    FindingSource.ENSIA_SUWINET: _l("ENSIA-assessment Suwinet"),
    FindingSource.IT_AUDIT: _l("IT-audit"),
    FindingSource.INTERNE_AUDIT: _l("Interne audit"),
    FindingSource.PENTEST: _l("Penetratietest"),
    FindingSource.INCIDENTEVALUATIE: _l("Evaluatie van een incident"),
}

STATUS = {
    FindingStatus.OPEN: _l("open"),
    FindingStatus.IN_BEHANDELING: _l("in behandeling"),
    FindingStatus.OPGELOST: _l("opgelost"),
    FindingStatus.GEACCEPTEERD: _l("geaccepteerd"),
}

OVERDUE = _l("hertest verlopen")

HISTORY_KIND = {
    "create": _l("aangemaakt"),
    "update": _l("gewijzigd"),
}

FIELD = {
    "source": _l("Bron"),
    "found_on": _l("Datum bevinding"),
    "title": _l("Titel"),
    "description": _l("Beschrijving"),
    "severity": _l("Ernst"),
    "status": _l("Status"),
    "motivation": _l("Motivering acceptatie"),
    "retest_on": _l("Hertest op"),
    "controls": _l("Beheersmaatregelen"),
    "measures": _l("Maatregelen die haar oplossen"),
    "organisation": _l("Organisatie"),
}

#: the values a history line may show by their label (the audit log keeps the codes)
VALUE = {
    **{k.value: v for k, v in SOURCE.items()},
    **{k.value: v for k, v in STATUS.items()},
    **{k.value: v for k, v in SEVERITY.items()},
}

__all__ = ["FIELD", "HISTORY_KIND", "OVERDUE", "SEVERITY", "SOURCE", "STATUS", "VALUE"]
