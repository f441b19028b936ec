"""Extension points between areas: named blinker signals.

An area that must react to, or may veto, something another area does connects a receiver to one
of these signals. The connections are made in one place, :func:`bio_register.wiring.connect`,
called by the application factory (and by anything else that builds the app), never as a side
effect of importing a module. ``tests/test_architecture.py`` checks every signal has its
receivers. The incident register sends them; it does not know who listens.

Receivers take the sender (the incident) and keyword arguments, and return a value where the
signal collects answers (see each signal's description).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from blinker import Namespace, Signal

_signals = Namespace()

incident_closing: Signal = _signals.signal("incident-closing", doc="""
Sent before an incident is closed (status ``afgehandeld``); sender: the incident.
A receiver returns a Dutch reason why it may not be closed yet, or None.""")

incident_updating: Signal = _signals.signal("incident-updating", doc="""
Sent before an incident's fields change; sender: the incident; ``actor``, ``changes`` (field →
new value). A receiver raises a DomainError to refuse the change; its return value is ignored.""")

datalek_logged: Signal = _signals.signal("datalek-logged", doc="""
Sent after an incident became a datalek (logged as one, or changed into one); sender: the
incident; ``actor``. Receivers act (the FG is told); return values are ignored.""")

incident_history: Signal = _signals.signal("incident-history", doc="""
Sent when an incident's timeline is built; sender: the incident. A receiver returns a sequence
of HistoryItem for its area's events on that incident (attachments, breach events, …).""")

incident_logged: Signal = _signals.signal("incident-logged", doc="""
Sent after an incident was logged (not imported); sender: the incident; ``actor``. Receivers act
(the webhooks are queued); return values are ignored.""")

fg_decided: Signal = _signals.signal("fg-decided", doc="""
Sent after the FG's decision on the AP-melding was recorded; sender: the incident; ``decision``
(the ApDecision), ``actor``. Receivers act; return values are ignored.""")

ap_notified: Signal = _signals.signal("ap-notified", doc="""
Sent after a notification to the AP was recorded; sender: the incident; ``notification`` (the
ApNotification), ``actor``. Receivers act; return values are ignored.""")

deadline_warned: Signal = _signals.signal("deadline-warned", doc="""
Sent after a warning for an AP or Cbw deadline was queued; sender: the incident; ``clock``,
``threshold``, ``deadline``. Receivers act; return values are ignored.""")

#: every extension point, for the check that each has its receivers
ALL: tuple[Signal, ...] = (incident_closing, incident_updating, datalek_logged, incident_history, incident_logged,
                           fg_decided, ap_notified, deadline_warned)


def answers(signal: Signal, sender: Any, **kwargs: Any) -> Iterable[Any]:
    """The return values of the signal's receivers, in the order they were connected."""
    return (value for _receiver, value in signal.send(sender, **kwargs))
