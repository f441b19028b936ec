"""WSGI entry point: ``gunicorn wsgi:app``."""

import gc

from bio_register import create_app

app = create_app()
# Everything made so far (models, schemas, the API spec, extensions) lives as long as the worker:
# freeze it out of the garbage collector's way, so a full collection during a request does not
# walk it all (it cost ~90 ms on the FG's overview of 500 datalekken; see benchmarks/README.md).
gc.freeze()
