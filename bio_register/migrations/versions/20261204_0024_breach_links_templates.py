"""A datalek linked to the verwerkingen it affected, the legal context on its assessment, and
templates for recurring datalekken (issue 20, items 4 and 7): ``breach_processing_activities``,
``breach_assessments.legal_bases``/``art9_grounds``, ``breach_templates``,
``breach_template_activities`` and ``incidents.breach_template_id``.

Revision ID: 0024_breach_links
Revises: 0023_ap_meldformulier
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_breach_links"
down_revision = "0023_ap_meldformulier"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "breach_processing_activities",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE",
                                name=op.f("fk_breach_processing_activities_incident_id_incidents")),
        sa.ForeignKeyConstraint(["activity_id"], ["processing_activities.id"], ondelete="CASCADE",
                                name=op.f("fk_breach_processing_activities_activity_id_processing_activities")),
        sa.PrimaryKeyConstraint("incident_id", "activity_id", name=op.f("pk_breach_processing_activities")),
    )
    op.create_index(op.f("ix_breach_processing_activities_activity_id"), "breach_processing_activities",
                    ["activity_id"])
    with op.batch_alter_table("breach_assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_bases", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("art9_grounds", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "breach_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("severity", sa.String(10), nullable=True),
        sa.Column("data_categories", sa.JSON(), nullable=False),
        sa.Column("special_categories", sa.JSON(), nullable=False),
        sa.Column("subject_categories", sa.JSON(), nullable=False),
        sa.Column("bsn", sa.Boolean(), nullable=False),
        sa.Column("criminal_data", sa.Boolean(), nullable=False),
        sa.Column("nature_confidentiality", sa.Boolean(), nullable=False),
        sa.Column("nature_integrity", sa.Boolean(), nullable=False),
        sa.Column("nature_availability", sa.Boolean(), nullable=False),
        sa.Column("processor_involved", sa.Boolean(), nullable=False),
        sa.Column("processor_name", sa.String(200), nullable=True),
        sa.Column("legal_bases", sa.JSON(), nullable=False),
        sa.Column("art9_grounds", sa.JSON(), nullable=False),
        sa.Column("likely_consequences", sa.Text(), nullable=True),
        sa.Column("measures_taken", sa.Text(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_breach_templates_created_by_id_users")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_breach_templates_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_templates")),
    )
    op.create_index(op.f("ix_breach_templates_organisation_id"), "breach_templates", ["organisation_id"])
    op.create_table(
        "breach_template_activities",
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["breach_templates.id"], ondelete="CASCADE",
                                name=op.f("fk_breach_template_activities_template_id_breach_templates")),
        sa.ForeignKeyConstraint(["activity_id"], ["processing_activities.id"], ondelete="CASCADE",
                                name=op.f("fk_breach_template_activities_activity_id_processing_activities")),
        sa.PrimaryKeyConstraint("template_id", "activity_id", name=op.f("pk_breach_template_activities")),
    )
    op.create_index(op.f("ix_breach_template_activities_activity_id"), "breach_template_activities",
                    ["activity_id"])
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("breach_template_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_incidents_breach_template_id"), ["breach_template_id"])
        batch_op.create_foreign_key(batch_op.f("fk_incidents_breach_template_id_breach_templates"),
                                    "breach_templates", ["breach_template_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_incidents_breach_template_id_breach_templates"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_incidents_breach_template_id"))
        batch_op.drop_column("breach_template_id")
    op.drop_index(op.f("ix_breach_template_activities_activity_id"), table_name="breach_template_activities")
    op.drop_table("breach_template_activities")
    op.drop_index(op.f("ix_breach_templates_organisation_id"), table_name="breach_templates")
    op.drop_table("breach_templates")
    with op.batch_alter_table("breach_assessments", schema=None) as batch_op:
        batch_op.drop_column("art9_grounds")
        batch_op.drop_column("legal_bases")
    op.drop_index(op.f("ix_breach_processing_activities_activity_id"), table_name="breach_processing_activities")
    op.drop_table("breach_processing_activities")
