"""Findings (bevindingen) of auditors, tests and evaluations (issue 21, item 3): ``findings``,
``finding_controls`` and ``finding_measures``.

Revision ID: 0026_findings
Revises: 0025_ap_file_open
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_findings"
down_revision = "0025_ap_file_open"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=True),
        sa.Column("retest_on", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("source IN ('ensia_digid', 'ensia_suwinet', 'it_audit', 'interne_audit', 'pentest', "
                           "'incidentevaluatie')", name=op.f("ck_findings_finding_source")),
        sa.CheckConstraint("severity IN ('laag', 'midden', 'hoog', 'kritiek')",
                           name=op.f("ck_findings_finding_severity")),
        sa.CheckConstraint("status IN ('open', 'in_behandeling', 'opgelost', 'geaccepteerd')",
                           name=op.f("ck_findings_finding_status")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_findings_created_by_id_users")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_findings_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    op.create_index("ix_findings_organisation_status", "findings", ["organisation_id", "status"])
    op.create_index("ix_findings_retest_on_status", "findings", ["retest_on", "status"])
    op.create_table(
        "finding_controls",
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("control_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"], ondelete="CASCADE",
                                name=op.f("fk_finding_controls_finding_id_findings")),
        sa.ForeignKeyConstraint(["control_id"], ["controls.id"], ondelete="CASCADE",
                                name=op.f("fk_finding_controls_control_id_controls")),
        sa.PrimaryKeyConstraint("finding_id", "control_id", name=op.f("pk_finding_controls")),
    )
    op.create_index(op.f("ix_finding_controls_control_id"), "finding_controls", ["control_id"])
    op.create_table(
        "finding_measures",
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"], ondelete="CASCADE",
                                name=op.f("fk_finding_measures_finding_id_findings")),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], ondelete="CASCADE",
                                name=op.f("fk_finding_measures_measure_id_measures")),
        sa.PrimaryKeyConstraint("finding_id", "measure_id", name=op.f("pk_finding_measures")),
    )
    op.create_index(op.f("ix_finding_measures_measure_id"), "finding_measures", ["measure_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_finding_measures_measure_id"), table_name="finding_measures")
    op.drop_table("finding_measures")
    op.drop_index(op.f("ix_finding_controls_control_id"), table_name="finding_controls")
    op.drop_table("finding_controls")
    op.drop_index("ix_findings_retest_on_status", table_name="findings")
    op.drop_index("ix_findings_organisation_status", table_name="findings")
    op.drop_table("findings")
