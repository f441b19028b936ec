"""Target handling times per organisation and severity, and the weekly digest (issue 22, item 1):
``handling_targets``, ``digests_sent`` (one digest per user per ISO week) and the opt-out on users.

Revision ID: 0020_sla
Revises: 0019_verwerkingen
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_sla"
down_revision = "0019_verwerkingen"
branch_labels = None
depends_on = None

SEVERITIES = ("laag", "midden", "hoog", "kritiek")


def upgrade() -> None:
    op.create_table(
        "handling_targets",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.CheckConstraint("days BETWEEN 1 AND 365", name="ck_handling_targets_days_range"),
        sa.CheckConstraint(f"severity IN {SEVERITIES!r}", name="ck_handling_targets_severity"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE",
                                name="fk_handling_targets_organisation_id_organisations"),
        sa.PrimaryKeyConstraint("organisation_id", "severity", name="pk_handling_targets"),
    )
    op.create_table(
        "digests_sent",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE", name="fk_digests_sent_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", "week", name="pk_digests_sent"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("digest_opt_out")
    op.drop_table("digests_sent")
    op.drop_table("handling_targets")
