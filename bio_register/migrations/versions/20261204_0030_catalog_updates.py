"""``controls.replaces`` and ``controls.revision``: what a new catalog version says about a control or
measure against the version before it — the number it had there (a move) and a note on what its text
revised — so that "Catalogus bijwerken" can show the differences. Existing rows: none (nothing invented).

Revision ID: 0030_catalog_updates
Revises: 0029_playbooks
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0030_catalog_updates"
down_revision = "0029_playbooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("controls") as batch:
        batch.add_column(sa.Column("replaces", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("revision", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("controls") as batch:
        batch.drop_column("revision")
        batch.drop_column("replaces")
