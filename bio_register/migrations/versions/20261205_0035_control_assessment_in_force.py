"""``control_assessments.in_force``: the newest row per (organisation, control), the assessment in
force now, marked on the row and kept by ``compliance.services`` (a new assessment or a confirmed
proposal takes it over; a rejected proposal hands it back to the row before it). A unique partial
index allows one per organisation and control, so two concurrent assessments of one control cannot
both be in force. The compliance overview of all organisations counts these rows in one aggregate
instead of first finding the newest row of every history (see benchmarks/README.md). Filled from
the rows already stored (the highest id per organisation and control).

Revision ID: 0035_control_assessment_in_force
Revises: 0034_ap_clock
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0035_control_assessment_in_force"
down_revision = "0034_ap_clock"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("control_assessments") as batch:
        batch.add_column(sa.Column("in_force", sa.Boolean(), server_default=sa.text("true"), nullable=False))
    op.execute("UPDATE control_assessments SET in_force = false WHERE id NOT IN"
               " (SELECT max(id) FROM control_assessments GROUP BY organisation_id, control_id)")
    op.create_index("uq_control_assessments_in_force", "control_assessments", ["organisation_id", "control_id"],
                    unique=True, postgresql_where=sa.text("in_force"), sqlite_where=sa.text("in_force"))


def downgrade() -> None:
    op.drop_index("uq_control_assessments_in_force", table_name="control_assessments")
    with op.batch_alter_table("control_assessments") as batch:
        batch.drop_column("in_force")
