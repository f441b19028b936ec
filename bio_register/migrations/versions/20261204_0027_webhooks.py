"""Outgoing webhooks (issue 22, item 4): ``webhook_endpoints``, and the outbox extended with a
kind (``email``/``webhook``) and what a webhook delivery needs (endpoint, back-off, HTTP status,
failure, one event once per endpoint).

Revision ID: 0027_webhooks
Revises: 0026_findings
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_webhooks"
down_revision = "0026_findings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(200), nullable=True),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("personal_data_allowed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_webhook_endpoints_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_webhook_endpoints_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index(op.f("ix_webhook_endpoints_organisation_id"), "webhook_endpoints", ["organisation_id"])
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(10), nullable=False, server_default="email"))
        batch_op.add_column(sa.Column("webhook_endpoint_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("http_status", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dedupe_key", sa.String(120), nullable=True))
        batch_op.create_foreign_key(op.f("fk_outbox_messages_webhook_endpoint_id_webhook_endpoints"),
                                    "webhook_endpoints", ["webhook_endpoint_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index("ix_outbox_messages_webhook_endpoint_id", ["webhook_endpoint_id", "id"])
        batch_op.create_unique_constraint("uq_outbox_messages_webhook_dedupe", ["webhook_endpoint_id", "dedupe_key"])


def downgrade() -> None:
    op.execute("DELETE FROM outbox_messages WHERE kind <> 'email'")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint("uq_outbox_messages_webhook_dedupe", type_="unique")
        batch_op.drop_index("ix_outbox_messages_webhook_endpoint_id")
        batch_op.drop_constraint(op.f("fk_outbox_messages_webhook_endpoint_id_webhook_endpoints"), type_="foreignkey")
        batch_op.drop_column("dedupe_key")
        batch_op.drop_column("failed_at")
        batch_op.drop_column("http_status")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("webhook_endpoint_id")
        batch_op.drop_column("kind")
    op.drop_index(op.f("ix_webhook_endpoints_organisation_id"), table_name="webhook_endpoints")
    op.drop_table("webhook_endpoints")
