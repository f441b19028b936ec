"""OpenID Connect: the provider account (issuer + subject) linked to a user.

Revision ID: 0009_oidc
Revises: 0008_performance_indexes
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_oidc"
down_revision = "0008_performance_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("oidc_issuer", sa.String(255), nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(255), nullable=True))
        batch.create_unique_constraint("uq_users_oidc_issuer_oidc_subject", ["oidc_issuer", "oidc_subject"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_oidc_issuer_oidc_subject", type_="unique")
        batch.drop_column("oidc_subject")
        batch.drop_column("oidc_issuer")
