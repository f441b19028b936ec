"""Which import an uploaded file waits for (issue 20, item 3): ``pending_imports.kind``, ``incidents``
(the register import; every upload stored before this migration is one) or ``verwerkingen``.

Revision ID: 0021_pending_import_kind
Revises: 0020_sla
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_pending_import_kind"
down_revision = "0020_sla"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pending_imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="incidents"))


def downgrade() -> None:
    with op.batch_alter_table("pending_imports", schema=None) as batch_op:
        batch_op.drop_column("kind")
