"""The audit log gets a page and an API list: indexes for newest-first keyset pagination on
(occurred_at, id) across organisations, per organisation and per actor (the single-column index on
organisation_id is covered by the new one and goes), and a table recording each run of
``bio-register verify-audit`` so the page can show the chain's state.

No back-fill of ``audit_events.organisation_id``: the column is part of each event's hash, so
filling it in afterwards would break the chain. The events without one are installation-level
(logins, users, API tokens, catalogs) and are shown to a beheerder of a top-level organisation.

Revision ID: 0016_audit_log_indexes
Revises: 0011_covering_date_index
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_audit_log_indexes"
down_revision = "0015_incident_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_events_occurred_at_id", "audit_events", ["occurred_at", "id"])
    op.create_index("ix_audit_events_organisation_id_occurred_at_id", "audit_events",
                    ["organisation_id", "occurred_at", "id"])
    op.create_index("ix_audit_events_actor_label_occurred_at_id", "audit_events",
                    ["actor_label", "occurred_at", "id"])
    op.drop_index("ix_audit_events_organisation_id", table_name="audit_events")
    op.create_table(
        "audit_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("problem_seq", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_verifications"),
    )
    op.create_index("ix_audit_verifications_finished_at", "audit_verifications", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_verifications_finished_at", table_name="audit_verifications")
    op.drop_table("audit_verifications")
    op.create_index("ix_audit_events_organisation_id", "audit_events", ["organisation_id"])
    op.drop_index("ix_audit_events_actor_label_occurred_at_id", table_name="audit_events")
    op.drop_index("ix_audit_events_organisation_id_occurred_at_id", table_name="audit_events")
    op.drop_index("ix_audit_events_occurred_at_id", table_name="audit_events")
