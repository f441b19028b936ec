"""Spreadsheet import of existing registers: the original number of an imported incident, the
saved mapping per organisation, and uploaded files waiting between the steps of an import.

Revision ID: 0010_register_import
Revises: 0009_oidc
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_register_import"
down_revision = "0009_oidc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_reference", sa.String(60), nullable=True))
        batch_op.create_unique_constraint("uq_incidents_organisation_id_original_reference",
                                          ["organisation_id", "original_reference"])
    op.create_table(
        "import_mappings",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE",
                                name="fk_import_mappings_organisation_id_organisations"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], ondelete="SET NULL",
                                name="fk_import_mappings_updated_by_id_users"),
        sa.PrimaryKeyConstraint("organisation_id", name="pk_import_mappings"),
    )
    op.create_table(
        "pending_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE",
                                name="fk_pending_imports_organisation_id_organisations"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_pending_imports_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_pending_imports"),
    )
    op.create_index("ix_pending_imports_organisation_id", "pending_imports", ["organisation_id"])
    op.create_index("ix_pending_imports_user_id", "pending_imports", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_pending_imports_user_id", table_name="pending_imports")
    op.drop_index("ix_pending_imports_organisation_id", table_name="pending_imports")
    op.drop_table("pending_imports")
    op.drop_table("import_mappings")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_constraint("uq_incidents_organisation_id_original_reference", type_="unique")
        batch_op.drop_column("original_reference")
