"""The index on (discovered_at, id) also carries is_datalek, status and organisation_id (PostgreSQL
INCLUDE), so the start page's counts for a quarter across all organisations read the index alone
(35 ms → 5 ms at 1,000,000 incidents) instead of checking the table for every incident. SQLite keeps
the plain index (it has no INCLUDE).

Revision ID: 0011_covering_date_index
Revises: 0010_register_import
Create Date: 2026-12-02
"""

from alembic import op

revision = "0011_covering_date_index"
down_revision = "0010_register_import"
branch_labels = None
depends_on = None

INCLUDED = ["is_datalek", "status", "organisation_id"]


def upgrade() -> None:
    op.drop_index("ix_incidents_discovered_at_id", table_name="incidents")
    op.create_index("ix_incidents_discovered_at_id", "incidents", ["discovered_at", "id"],
                    postgresql_include=INCLUDED)


def downgrade() -> None:
    op.drop_index("ix_incidents_discovered_at_id", table_name="incidents")
    op.create_index("ix_incidents_discovered_at_id", "incidents", ["discovered_at", "id"])
