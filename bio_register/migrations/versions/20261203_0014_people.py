"""People managed in the tool: one-time links (invitation, password reset), server-side sessions,
the last login and a password to be changed at first login; outbox messages blanked once sent.

Revision ID: 0014_people
Revises: 0011_covering_date_index
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_people"
down_revision = "0013_hierarchy_scope"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("password_must_change", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("scrub_after_send", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_user_sessions_user_id_users"),
                  nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("key_hash", name="uq_user_sessions_key_hash"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_account_links_user_id_users"),
                  nullable=False),
        sa.Column("purpose", sa.Enum("invitation", "password_reset", name="link_purpose", native_enum=False,
                                     create_constraint=True, length=20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", name="fk_account_links_created_by_id_users"), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_account_links_token_hash"),
    )
    op.create_index("ix_account_links_user_id", "account_links", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_account_links_user_id", table_name="account_links")
    op.drop_table("account_links")
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("scrub_after_send")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_must_change")
        batch.drop_column("last_login_at")
