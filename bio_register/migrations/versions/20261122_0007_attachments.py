"""Attachments: evidence on incidents and on an organisation's assessment of a control.

The metadata in ``attachments``; the bytes in ``attachment_contents`` (one row per attachment that
still has them), so that listing never reads them and removing deletes only them.

Revision ID: 0007_attachments
Revises: 0006_two_factor
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_attachments"
down_revision = "0006_two_factor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("control_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("removal_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("(incident_id IS NULL) <> (control_id IS NULL)", name="ck_attachments_one_target"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name="fk_attachments_organisation_id_organisations"),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE",
                                name="fk_attachments_incident_id_incidents"),
        sa.ForeignKeyConstraint(["control_id"], ["controls.id"], name="fk_attachments_control_id_controls"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name="fk_attachments_uploaded_by_id_users"),
        sa.ForeignKeyConstraint(["removed_by_id"], ["users.id"], name="fk_attachments_removed_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
    )
    op.create_index("ix_attachments_incident_id", "attachments", ["incident_id"])
    op.create_index("ix_attachments_organisation_id_control_id", "attachments", ["organisation_id", "control_id"])
    op.create_table(
        "attachment_contents",
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachments.id"], ondelete="CASCADE",
                                name="fk_attachment_contents_attachment_id_attachments"),
        sa.PrimaryKeyConstraint("attachment_id", name="pk_attachment_contents"),
    )


def downgrade() -> None:
    op.drop_table("attachment_contents")
    op.drop_index("ix_attachments_organisation_id_control_id", table_name="attachments")
    op.drop_index("ix_attachments_incident_id", table_name="attachments")
    op.drop_table("attachments")
