"""The AP meldformulier on a datalek (the questions the assessment does not answer) and the
correspondence with the AP after the melding, with its attachments.

Revision ID: 0023_ap_meldformulier
Revises: 0022_obw
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_ap_meldformulier"
down_revision = "0022_obw"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "breach_ap_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("discovery", sa.Text(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("subjects_min", sa.Integer(), nullable=True),
        sa.Column("subjects_max", sa.Integer(), nullable=True),
        sa.Column("contact_name", sa.String(200), nullable=True),
        sa.Column("contact_function", sa.String(200), nullable=True),
        sa.Column("contact_phone", sa.String(50), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("own_severity", sa.String(20), nullable=True),
        sa.Column("own_severity_explanation", sa.Text(), nullable=True),
        sa.Column("other_organisations", sa.Text(), nullable=True),
        sa.Column("breach_kinds", sa.JSON(), nullable=False),
        sa.Column("breach_kind_other", sa.String(500), nullable=True),
        sa.Column("prior_measures", sa.Text(), nullable=True),
        sa.Column("subjects_message", sa.Text(), nullable=True),
        sa.Column("measures_planned", sa.Text(), nullable=True),
        sa.Column("other_authorities", sa.Text(), nullable=True),
        sa.Column("other_information", sa.Text(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("own_severity IN ('laag', 'gemiddeld', 'hoog', 'zeer_hoog')",
                           name=op.f("ck_breach_ap_forms_own_severity")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE",
                                name=op.f("fk_breach_ap_forms_incident_id_incidents")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_breach_ap_forms_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_ap_forms")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_breach_ap_forms_incident_id")),
    )
    op.create_table(
        "ap_correspondence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("ap_reference", sa.String(100), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('vraag_ap', 'antwoord_aan_ap', 'document', 'dossier_gesloten')",
                           name=op.f("ck_ap_correspondence_correspondence_kind")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_ap_correspondence_author_id_users")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE",
                                name=op.f("fk_ap_correspondence_incident_id_incidents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ap_correspondence")),
    )
    op.create_index(op.f("ix_ap_correspondence_incident_id"), "ap_correspondence", ["incident_id"])
    op.create_table(
        "ap_correspondence_attachments",
        sa.Column("correspondence_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachments.id"], ondelete="CASCADE",
                                name=op.f("fk_ap_correspondence_attachments_attachment_id_attachments")),
        sa.ForeignKeyConstraint(["correspondence_id"], ["ap_correspondence.id"], ondelete="CASCADE",
                                name=op.f("fk_ap_correspondence_attachments_correspondence_id_ap_correspondence")),
        sa.PrimaryKeyConstraint("correspondence_id", "attachment_id", name=op.f("pk_ap_correspondence_attachments")),
    )


def downgrade() -> None:
    op.drop_table("ap_correspondence_attachments")
    op.drop_index(op.f("ix_ap_correspondence_incident_id"), table_name="ap_correspondence")
    op.drop_table("ap_correspondence")
    op.drop_table("breach_ap_forms")
