"""The demo's clock: what the demo records as of a past moment is audited as of that moment.

The demo re-enacts a year through the services, passing each the ``now`` of its step; the audit
events those services record would otherwise carry the moment the demo ran, and a datalek of
May would show "today" between its May entries on the incident's timeline. Wrapping the calls in
:func:`as_of` gives the events the step's time as well. Only the demo does this
(:func:`bio_register.audit.services.recorded_as_of`): real use keeps the real time of recording.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager

from bio_register.audit.services import recorded_as_of


def as_of(now: dt.datetime) -> AbstractContextManager[None]:
    """Within it, audit events are stamped ``now``: pass the services the same ``now``."""
    return recorded_as_of(now)
