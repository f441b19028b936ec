"""Alembic environment: the application's engine and metadata (Flask-Migrate)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from logging.config import fileConfig
from typing import TYPE_CHECKING

from alembic import context
from flask import current_app

if TYPE_CHECKING:
    from alembic.operations.ops import MigrationScript
    from alembic.runtime.migration import MigrationContext

config = context.config
if config.config_file_name is not None and not any(
        getattr(handler, "bio_register_json", False) for handler in logging.getLogger().handlers):
    # Keep the application's loggers: Alembic's default would disable them. With
    # BIO_REGISTER_LOG_FORMAT=json the application's JSON handler stays (fileConfig would replace it).
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
engine = migrate_ext.db.engine
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
target_metadata = migrate_ext.db.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context_: MigrationContext,
                                    revision: str | Iterable[str | None],
                                    directives: list[MigrationScript]) -> None:
        # An autogenerate that finds no change writes no empty migration.
        upgrade_ops = directives[0].upgrade_ops
        if (getattr(config.cmd_opts, "autogenerate", False) and upgrade_ops is not None
                and upgrade_ops.is_empty()):
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(migrate_ext.configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
