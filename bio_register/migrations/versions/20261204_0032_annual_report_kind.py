"""The annual accountability in the report archive (issue 21, item 6): report kind ``annual``.

Revision ID: 0032_annual_report_kind
Revises: 0031_evidence_life
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0032_annual_report_kind"
down_revision = "0031_evidence_life"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('quarterly', 'monthly')"
NEW_KINDS = "kind IN ('quarterly', 'monthly', 'annual')"


def _kind_check(check: str) -> None:
    # The name goes through the naming convention, as it did when 0005 made the constraint (which is
    # therefore called ck_reports_ck_reports_report_kind in existing databases).
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint("ck_reports_report_kind", type_="check")
        batch_op.create_check_constraint("ck_reports_report_kind", sa.text(check))


def upgrade() -> None:
    _kind_check(NEW_KINDS)


def downgrade() -> None:
    # an annual report cannot be kept under the old constraint: the archive loses them on a downgrade
    op.execute("DELETE FROM reports WHERE kind = 'annual'")
    _kind_check(OLD_KINDS)
