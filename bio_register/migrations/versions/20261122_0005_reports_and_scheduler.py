"""The report archive (immutable, versioned PDFs) and APScheduler's job store table.

The job store table is APScheduler 3's own schema (SQLAlchemyJobStore); it is created here so
the scheduler never creates a table behind Alembic's back.

Revision ID: 0005_reports_and_scheduler
Revises: 0004_compliance
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_reports_and_scheduler"
down_revision = "0004_compliance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_by_id", sa.Integer(), nullable=True),
        sa.Column("generated_by_label", sa.String(254), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("kind IN ('quarterly', 'monthly')", name="ck_reports_report_kind"),
        sa.ForeignKeyConstraint(["generated_by_id"], ["users.id"], name="fk_reports_generated_by_id_users"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name="fk_reports_organisation_id_organisations"),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint("kind", "period", "scope", "version", name="uq_reports_kind_period_scope_version"),
    )
    op.create_index("ix_reports_organisation_id", "reports", ["organisation_id"])
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_apscheduler_jobs"),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_index("ix_apscheduler_jobs_next_run_time", table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
    op.drop_index("ix_reports_organisation_id", table_name="reports")
    op.drop_table("reports")
