"""The webhooks' receivers of the register's signals, and where their links point.

The services build payloads but know no URLs (:class:`~bio_register.webhooks.services.Links`):
here the application's URL map and its ``BASE_URL`` make them, without a request, for the
receivers connected in :mod:`bio_register.wiring` (they run wherever the event happens: a page,
the API, the scheduler) and for the scheduler's job.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app

from bio_register.accounts.models import User
from bio_register.breaches.models import ApDecision, ApNotification
from bio_register.incidents.models import Incident
from bio_register.webhooks import services


def for_app(app: Flask) -> services.Links:
    """Absolute links: ``BASE_URL`` before the paths of the application's URL map."""
    adapter = app.url_map.bind("localhost")  # only paths are built: the host is never used
    base = app.config["BASE_URL"]

    def build(endpoint: str, **values: int) -> str:
        return f"{base}{adapter.build(endpoint, values)}"

    return services.Links(
        incident_page=lambda i: build("incidents.detail", incident_id=i),
        incident_api=lambda i: build("incidents_api.get_incident", incident_id=i),
        measure_page=lambda i: build("measures.detail", measure_id=i),
        measure_api=lambda i: build("measures_api.get_measure", measure_id=i),
    )


def incident_logged(incident: Incident, *, actor: User | None) -> None:
    services.incident_logged(incident, for_app(current_app))


def datalek_logged(incident: Incident, *, actor: User | None) -> None:
    services.datalek_logged(incident, for_app(current_app))


def fg_decided(incident: Incident, *, decision: ApDecision, actor: User | None) -> None:
    services.fg_decided(incident, decision, for_app(current_app))


def ap_notified(incident: Incident, *, notification: ApNotification, actor: User | None) -> None:
    services.ap_notified(incident, notification, for_app(current_app))


def deadline_warned(incident: Incident, *, clock: str, threshold: str, deadline: dt.datetime) -> None:
    services.deadline_warned(incident, clock, threshold, deadline, for_app(current_app))
