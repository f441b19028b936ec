"""Dutch names of the audit log's objects and actions (what the page shows; the API keeps the codes)."""

from __future__ import annotations

from typing import Any

from bio_register.i18n import lazy_gettext as _l

ENTITY: dict[str, Any] = {
    "incident": _l("Incident"),
    "timeline_entry": _l("Tijdlijn"),
    "breach_assessment": _l("Datalekbeoordeling"),
    "ap_decision": _l("Besluit AP-melding"),
    "ap_notification": _l("AP-melding"),
    "data_subject_decision": _l("Besluit informeren betrokkenen"),
    "cbw_report": _l("Cbw-melding"),
    "measure": _l("Maatregel"),
    "processing_activity": _l("Verwerking"),
    "processor": _l("Verwerker"),
    "finding": _l("Bevinding"),
    "control_assessment": _l("Beoordeling beheersmaatregel"),
    "control_catalog": _l("Catalogus"),
    "control_mapping": _l("Catalogusmapping"),
    "attachment": _l("Bijlage"),
    "organisation": _l("Organisatie"),
    "user": _l("Gebruiker"),
    "membership": _l("Rol"),
    "api_token": _l("API-token"),
    "report": _l("Rapportage"),
    "import_mapping": _l("Importkoppeling"),
    "register_import": _l("Registerimport"),
    "pending_import": _l("Importbestand"),
    "webhook_endpoint": _l("Webhook"),
}

ACTION: dict[str, Any] = {
    "create": _l("aangemaakt"),
    "update": _l("gewijzigd"),
    "status": _l("status gewijzigd"),
    "reopen": _l("heropend"),
    "delete": _l("verwijderd"),
    "import": _l("geïmporteerd"),
    "login": _l("ingelogd"),
    "login_failed": _l("inloggen mislukt"),
    "generate": _l("gemaakt"),
    "upload": _l("geüpload"),
    "remove": _l("verwijderd"),
    "revoke": _l("ingetrokken"),
    "assess": _l("beoordeeld"),
    "propose": _l("voorgesteld"),
    "purge": _l("opgeschoond"),
    "measure_link": _l("maatregel gekoppeld"),
    "measure_unlink": _l("maatregel ontkoppeld"),
    "test": _l("test verstuurd"),
}


def entity_label(code: str) -> str:
    return str(ENTITY.get(code, code))


def action_label(code: str) -> str:
    return str(ACTION.get(code, code))
