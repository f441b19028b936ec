"""The Cbw reports in full (issue 22, item 3): versioned significance criteria
(``cbw_criteria_sets``), the advice per incident (``cbw_significance``), the content prepared per
phase and the handling moment (``cbw_cases``), informative copies to the IBD (``cbw_ibd_copies``),
what a report held (``cbw_reports.content``) and the interim report (phase ``interim``).

Revision ID: 0028_cbw_in_full
Revises: 0027_webhooks
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_cbw_in_full"
down_revision = "0027_webhooks"
branch_labels = None
depends_on = None

OLD_PHASES = "phase IN ('early_warning', 'notification', 'final')"
NEW_PHASES = "phase IN ('early_warning', 'notification', 'interim', 'final')"


def _phase_check(check: str) -> None:
    with op.batch_alter_table("cbw_reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_cbw_reports_cbw_phase"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_cbw_reports_cbw_phase"), sa.text(check))


def upgrade() -> None:
    _phase_check(NEW_PHASES)
    with op.batch_alter_table("cbw_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", sa.JSON(), nullable=True))
    op.create_table(
        "cbw_criteria_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(60), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cbw_criteria_sets")),
        sa.UniqueConstraint("version", name=op.f("uq_cbw_criteria_sets_version")),
    )
    op.create_table(
        "cbw_significance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("criteria_set_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("significant", sa.Boolean(), nullable=False),
        sa.Column("reasoning", sa.JSON(), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=True),
        sa.Column("assessed_by_id", sa.Integer(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE",
                                name=op.f("fk_cbw_significance_incident_id_incidents")),
        sa.ForeignKeyConstraint(["criteria_set_id"], ["cbw_criteria_sets.id"],
                                name=op.f("fk_cbw_significance_criteria_set_id_cbw_criteria_sets")),
        sa.ForeignKeyConstraint(["assessed_by_id"], ["users.id"], name=op.f("fk_cbw_significance_assessed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cbw_significance")),
    )
    op.create_index(op.f("ix_cbw_significance_incident_id"), "cbw_significance", ["incident_id"])
    op.create_table(
        "cbw_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("contents", sa.JSON(), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE",
                                name=op.f("fk_cbw_cases_incident_id_incidents")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_cbw_cases_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cbw_cases")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_cbw_cases_incident_id")),
    )
    op.create_table(
        "cbw_ibd_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(20), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("phase IN ('early_warning', 'notification', 'interim', 'final')",
                           name=op.f("ck_cbw_ibd_copies_cbw_ibd_phase")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE",
                                name=op.f("fk_cbw_ibd_copies_incident_id_incidents")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_cbw_ibd_copies_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cbw_ibd_copies")),
    )
    op.create_index(op.f("ix_cbw_ibd_copies_incident_id"), "cbw_ibd_copies", ["incident_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_cbw_ibd_copies_incident_id"), table_name="cbw_ibd_copies")
    op.drop_table("cbw_ibd_copies")
    op.drop_table("cbw_cases")
    op.drop_index(op.f("ix_cbw_significance_incident_id"), table_name="cbw_significance")
    op.drop_table("cbw_significance")
    op.drop_table("cbw_criteria_sets")
    op.execute("DELETE FROM cbw_reports WHERE phase = 'interim'")
    with op.batch_alter_table("cbw_reports", schema=None) as batch_op:
        batch_op.drop_column("content")
    _phase_check(OLD_PHASES)
