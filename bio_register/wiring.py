"""The connections between areas, made in one place (called by the application factory).

Each area that reacts to another's events is connected here to the signal in
:mod:`bio_register.signals`; nothing is connected as a side effect of an import.
"""

from __future__ import annotations

from bio_register import permissions, signals
from bio_register.attachments import services as attachments
from bio_register.breaches import links as breach_links
from bio_register.breaches import services as breaches
from bio_register.incident_reports import services as incident_reports
from bio_register.webhooks import links as webhooks


def connect() -> None:
    """Connect every receiver (idempotent: connecting one twice keeps one connection)."""
    signals.incident_closing.connect(breaches.close_check, weak=False)
    signals.incident_updating.connect(breaches.update_check, weak=False)
    signals.datalek_logged.connect(breach_links.notify_fg, weak=False)
    signals.incident_history.connect(attachments.timeline_items, weak=False)
    permissions.invalidate_tree_on_change()
    signals.incident_history.connect(incident_reports.timeline_items, weak=False)
    # outgoing webhooks (queued in the outbox, sent by the scheduler)
    signals.incident_logged.connect(webhooks.incident_logged, weak=False)
    signals.datalek_logged.connect(webhooks.datalek_logged, weak=False)
    signals.fg_decided.connect(webhooks.fg_decided, weak=False)
    signals.ap_notified.connect(webhooks.ap_notified, weak=False)
    signals.deadline_warned.connect(webhooks.deadline_warned, weak=False)
