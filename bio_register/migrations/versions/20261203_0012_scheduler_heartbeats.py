"""The scheduler's heartbeat (one row per scheduler process, active or standby) and the last run of
each scheduled job: read by ``/health/ready`` and ``/metrics``.

Revision ID: 0012_scheduler_heartbeats
Revises: 0011_covering_date_index
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_scheduler_heartbeats"
down_revision = "0011_covering_date_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("id", sa.String(300), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('active', 'standby')", name="ck_scheduler_heartbeats_role"),
        sa.PrimaryKeyConstraint("id", name="pk_scheduler_heartbeats"),
    )
    op.create_table(
        "scheduler_job_runs",
        sa.Column("job_id", sa.String(191), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("job_id", name="pk_scheduler_job_runs"),
    )


def downgrade() -> None:
    op.drop_table("scheduler_job_runs")
    op.drop_table("scheduler_heartbeats")
