"""The verwerkingsregister (AVG art. 30) and the verwerkers with their verwerkersovereenkomst (art. 28).

Revision ID: 0019_verwerkingen
Revises: 0018_dutch_titles
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_verwerkingen"
down_revision = "0018_dutch_titles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(500), nullable=True),
        sa.Column("country", sa.String(100), nullable=True),
        sa.Column("inside_eea", sa.Boolean(), nullable=False),
        sa.Column("agreement_signed", sa.Boolean(), nullable=False),
        sa.Column("agreement_signed_on", sa.Date(), nullable=True),
        sa.Column("agreement_expires_on", sa.Date(), nullable=True),
        sa.Column("agreement_review_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_processors_created_by_id_users")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_processors_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processors")),
    )
    op.create_index(op.f("ix_processors_organisation_id"), "processors", ["organisation_id"])
    op.create_table(
        "processing_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.String(40), nullable=False),
        sa.Column("art9_ground", sa.String(40), nullable=True),
        sa.Column("subject_categories", sa.JSON(), nullable=False),
        sa.Column("data_categories", sa.JSON(), nullable=False),
        sa.Column("special_categories", sa.JSON(), nullable=False),
        sa.Column("bsn", sa.Boolean(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=True),
        sa.Column("outside_eea", sa.Boolean(), nullable=False),
        sa.Column("outside_eea_details", sa.Text(), nullable=True),
        sa.Column("retention", sa.String(500), nullable=True),
        sa.Column("security_measures", sa.Text(), nullable=True),
        sa.Column("dpia_required", sa.Boolean(), nullable=False),
        sa.Column("dpia_done", sa.Boolean(), nullable=False),
        sa.Column("dpia_date", sa.Date(), nullable=True),
        sa.Column("dpia_link", sa.String(500), nullable=True),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('concept', 'actief', 'beeindigd')",
                           name=op.f("ck_processing_activities_processing_status")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_processing_activities_created_by_id_users")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_processing_activities_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_activities")),
    )
    op.create_index(op.f("ix_processing_activities_organisation_id"), "processing_activities", ["organisation_id"])
    op.create_index(op.f("ix_processing_activities_status"), "processing_activities", ["status"])
    op.create_table(
        "processing_activity_processors",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("processor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["processing_activities.id"], ondelete="CASCADE",
                                name=op.f("fk_processing_activity_processors_activity_id_processing_activities")),
        sa.ForeignKeyConstraint(["processor_id"], ["processors.id"], ondelete="CASCADE",
                                name=op.f("fk_processing_activity_processors_processor_id_processors")),
        sa.PrimaryKeyConstraint("activity_id", "processor_id", name=op.f("pk_processing_activity_processors")),
    )
    op.create_index(op.f("ix_processing_activity_processors_processor_id"), "processing_activity_processors",
                    ["processor_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_processing_activity_processors_processor_id"), table_name="processing_activity_processors")
    op.drop_table("processing_activity_processors")
    op.drop_index(op.f("ix_processing_activities_status"), table_name="processing_activities")
    op.drop_index(op.f("ix_processing_activities_organisation_id"), table_name="processing_activities")
    op.drop_table("processing_activities")
    op.drop_index(op.f("ix_processors_organisation_id"), table_name="processors")
    op.drop_table("processors")
