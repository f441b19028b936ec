"""Indexes for a register at national scale: the list by date, per organisation and status, and
free-text search (PostgreSQL: pg_trgm GIN indexes), open datalekken, overdue maatregelen and AP meldingen per period.

pg_trgm is a *trusted* extension (PostgreSQL 13+): the owner of the database may create it
without being superuser. Where it cannot be created, the migration stops with PostgreSQL's
message; ask the DBA to run ``CREATE EXTENSION pg_trgm`` in the database once and run
``bio-register init`` again. SQLite has no trigram indexes: search works there without them.
The downgrade drops the indexes but leaves the extension (other objects may use it).

Revision ID: 0008_performance_indexes
Revises: 0007_attachments
Create Date: 2026-11-22
"""

from alembic import op

revision = "0008_performance_indexes"
down_revision = "0007_attachments"
branch_labels = None
depends_on = None

TRGM_COLUMNS = ("title", "description", "reference")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_index("ix_incidents_discovered_at_id", "incidents", ["discovered_at", "id"])
    op.create_index("ix_incidents_organisation_id_status_discovered_at", "incidents",
                    ["organisation_id", "status", "discovered_at"])
    op.create_index("ix_incidents_is_datalek_status_discovered_at", "incidents",
                    ["is_datalek", "status", "discovered_at"])
    op.create_index("ix_ap_notifications_submitted_at", "ap_notifications", ["submitted_at"])
    op.create_index("ix_measures_due_date_status", "measures", ["due_date", "status"])
    if _postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in TRGM_COLUMNS:
            op.create_index(f"ix_incidents_{column}_trgm", "incidents", [column], postgresql_using="gin",
                            postgresql_ops={column: "gin_trgm_ops"})


def downgrade() -> None:
    if _postgresql():
        for column in reversed(TRGM_COLUMNS):
            op.drop_index(f"ix_incidents_{column}_trgm", table_name="incidents")
    op.drop_index("ix_measures_due_date_status", table_name="measures")
    op.drop_index("ix_ap_notifications_submitted_at", table_name="ap_notifications")
    op.drop_index("ix_incidents_is_datalek_status_discovered_at", table_name="incidents")
    op.drop_index("ix_incidents_organisation_id_status_discovered_at", table_name="incidents")
    op.drop_index("ix_incidents_discovered_at_id", table_name="incidents")
