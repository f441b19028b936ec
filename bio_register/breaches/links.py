"""Where the breaches area's messages point, as the boundaries supply it to the services.

The services build e-mails and in-app notices about an incident but know no URLs
(:class:`~bio_register.breaches.services.Links`). Here the application's own URL map and its
``BASE_URL`` make them, without a request: for the scheduler's job, the CLI and the receiver of
``signals.datalek_logged`` (connected in :mod:`bio_register.wiring`), which runs wherever an
incident becomes a datalek (a page, the API, an import).
"""

from __future__ import annotations

from flask import Flask, current_app

from bio_register.accounts.models import User
from bio_register.breaches import services
from bio_register.incidents.models import Incident

#: the page an incident's link opens
INCIDENT_PAGE = "incidents.detail"


def for_app(app: Flask) -> services.Links:
    """The links of ``app``: its BASE_URL before the path of the incident's page in its URL map."""
    adapter = app.url_map.bind("localhost")  # only paths are built: the host is never used

    def path(incident: Incident) -> str:
        return adapter.build(INCIDENT_PAGE, {"incident_id": incident.id})

    return services.Links(base_url=app.config["BASE_URL"], path=path)


def notify_fg(incident: Incident, *, actor: User | None) -> None:
    """The receiver of ``signals.datalek_logged``: the FG hears of the new datalek, with links
    into the application that is running."""
    services.notify_fg(incident, actor=actor, links=for_app(current_app))
