"""BIO-register: incident register and BIO compliance for Dutch government organisations."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

__version__ = "0.2.0"

PACKAGE_DIR = Path(__file__).resolve().parent
#: Alembic's scripts, inside the package so that a non-editable install can migrate too.
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The application factory. ``config`` overrides settings from the environment."""
    from bio_register import web, wiring
    from bio_register.config import load_settings
    from bio_register.database import check_liveness, read_without_transaction
    from bio_register.extensions import api, babel, csrf, db, limiter, login_manager, migrate
    from bio_register.i18n import select_locale

    config = dict(config or {})
    settings = load_settings(overrides=config)
    instance = str(config.get("INSTANCE_PATH") or settings["INSTANCE_PATH"])
    app = Flask(__name__, instance_path=instance, instance_relative_config=False)
    app.url_map.converters["int"] = web.BoundedIntConverter
    app.config.update(settings)
    app.config.update(config)

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            check_liveness(engine)
            read_without_transaction(engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    limiter.init_app(app)
    # The limits stand on the views they protect (login, the second factor, a forgotten password)
    # and check there. The extension's own before_request check would look up limits for every
    # request — /health and each API call too — and find none (≈12 % of /health's time).
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    api.init_app(app)

    _import_models()
    wiring.connect()
    web.register(app)
    if app.config.get("PROXIES"):
        # Behind a TLS proxy: the client's address (for the login limits) and scheme come from it.
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = int(app.config["PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    return app


def _import_models() -> None:
    """Import every area's models so that SQLAlchemy and Alembic know all tables."""
    from bio_register.accounts import models as _accounts  # noqa: F401
    from bio_register.attachments import models as _attachments  # noqa: F401
    from bio_register.audit import models as _audit  # noqa: F401
    from bio_register.breaches import models as _breaches  # noqa: F401
    from bio_register.compliance import models as _compliance  # noqa: F401
    from bio_register.findings import models as _findings  # noqa: F401
    from bio_register.imports import models as _imports  # noqa: F401
    from bio_register.incident_reports import models as _incident_reports  # noqa: F401
    from bio_register.incidents import models as _incidents  # noqa: F401
    from bio_register.measures import models as _measures  # noqa: F401
    from bio_register.notifications import models as _notifications  # noqa: F401
    from bio_register.observability import models as _observability  # noqa: F401
    from bio_register.organisations import models as _organisations  # noqa: F401
    from bio_register.playbooks import models as _playbooks  # noqa: F401
    from bio_register.processing import models as _processing  # noqa: F401
    from bio_register.reporting import models as _reporting  # noqa: F401
    from bio_register.webhooks import models as _webhooks  # noqa: F401
