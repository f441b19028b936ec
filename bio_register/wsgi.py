"""The production WSGI entry point: ``gunicorn bio_register.wsgi:app``.

Part of the package, so gunicorn finds it in a non-editable install from any working directory
(``wsgi:app`` in the checkout's root is the same application). Production: e-mail must go out over
SMTP or be switched off explicitly (``BIO_REGISTER_MAIL=off``); otherwise the workers do not boot.
"""

import gc

from bio_register import create_app
from bio_register.config import require_mail

app = create_app()
require_mail(app.config)
# Everything made so far (models, schemas, the API spec, extensions) lives as long as the worker:
# freeze it out of the garbage collector's way, so a full collection during a request does not
# walk it all (it cost ~90 ms on the FG's overview of 500 datalekken; see benchmarks/README.md).
gc.freeze()
