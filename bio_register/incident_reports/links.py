"""Where the reporting point's notices point, as the boundaries supply it to the services: the
incident's page, built from the application's URL map and its ``BASE_URL`` (no request needed)."""

from __future__ import annotations

from flask import Flask

from bio_register.incident_reports import services
from bio_register.incidents.models import Incident

#: the page a notice's link opens: the incident, for the verbindingsofficier to triage
INCIDENT_PAGE = "incidents.detail"


def for_app(app: Flask) -> services.Links:
    adapter = app.url_map.bind("localhost")  # only paths are built: the host is never used

    def path(incident: Incident) -> str:
        return adapter.build(INCIDENT_PAGE, {"incident_id": incident.id})

    return services.Links(base_url=app.config["BASE_URL"], path=path)
