"""gunicorn hooks for the metrics of several workers (prometheus_client's multiprocess mode). Kept
out of :mod:`bio_register.observability`, whose import would create metric files before the
directory is emptied.

    PROMETHEUS_MULTIPROC_DIR=/run/bio-register/metrics \\
        gunicorn -c python:bio_register.gunicorn_config --workers 4 --bind 127.0.0.1:8000 wsgi:app

With ``PROMETHEUS_MULTIPROC_DIR`` set, each worker writes its counters to files in that directory
and ``/metrics`` adds up all of them, whichever worker answers. Its files must go when
gunicorn starts (old ones would be counted again): :func:`on_starting` removes them, and
:func:`child_exit` drops the gauges of a worker that ended. Without the variable these hooks do
nothing. Other gunicorn settings can still be given on the command line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def on_starting(server: Any) -> None:
    directory = os.environ.get(MULTIPROCESS_ENV)
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # prometheus_client's files only, whatever else is there
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get(MULTIPROCESS_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # unannotated upstream
