"""The database refuses rewriting the audit log and the report archive (PostgreSQL only).

The audit chain finds a changed or deleted event afterwards; these triggers stop the change itself.
``UPDATE`` and ``DELETE`` of a row of ``audit_events`` or ``reports`` (the report archive: a new
version is a new row) and ``TRUNCATE`` of either table raise an error, whoever asks. Only a role
that may alter the tables (their owner, the role that runs the migrations) or a superuser can switch
the triggers off: the application connects as a role that is neither (README, *Production*).

No exception is made: nothing in the application updates or deletes these rows. The retention purge
(``bio-register purge-incidents``) deletes incidents and what hangs from them, never audit events
or reports, and records each removal in the audit chain.

SQLite (the trial instance) gets no triggers: whoever can write its file can change anything.

Revision ID: 0017_refuse_rewriting
Revises: 0016_audit_log_indexes
Create Date: 2026-12-04
"""

from alembic import op

revision = "0017_refuse_rewriting"
down_revision = "0016_audit_log_indexes"
branch_labels = None
depends_on = None

FUNCTION = "bio_register_refuse_rewriting"
TABLES = ("audit_events", "reports")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% on % refused: its rows are never changed or removed', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'BIO-register keeps the audit log and the report archive append-only '
                             '(migration 0017_refuse_rewriting).';
        END
        $$
    """)
    for table in TABLES:
        op.execute(f"CREATE TRIGGER {table}_refuse_update_delete BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()")
        op.execute(f"CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_truncate ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_update_delete ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
