"""The reporting point: the role ``medewerker`` and the table of employees' reports.

Each report is the employee's own account of a suspected incident, kept beside the incident it
became (which the verbindingsofficieren triage and edit): the reporter, the moment of reporting,
whether personal data may be involved, and how to reach the reporter.

Revision ID: 0015_incident_reports
Revises: 0011_covering_date_index
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_incident_reports"
down_revision = "0014_people"
branch_labels = None
depends_on = None

OLD_ROLES = ("verbindingsofficier", "fg", "ciso", "concern_control", "beheerder")
NEW_ROLES = ("medewerker", *OLD_ROLES)


def _roles(roles: tuple[str, ...]) -> None:
    # The name goes through the naming convention, as it did when 0001 made the constraint (which
    # is therefore called ck_memberships_ck_memberships_role in existing databases).
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_constraint("ck_memberships_role", type_="check")
        batch_op.create_check_constraint("ck_memberships_role", f"role IN {roles!r}")


def upgrade() -> None:
    _roles(NEW_ROLES)
    op.create_table(
        "incident_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("personal_data", sa.String(10), nullable=False),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.CheckConstraint("personal_data IN ('ja', 'nee', 'weet_niet')",
                           name=op.f("ck_incident_reports_personal_data")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE",
                                name="fk_incident_reports_incident_id_incidents"),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], name="fk_incident_reports_reporter_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_incident_reports"),
        sa.UniqueConstraint("incident_id", name="uq_incident_reports_incident_id"),
    )
    op.create_index("ix_incident_reports_reporter_id_reported_at", "incident_reports",
                    ["reporter_id", "reported_at"])


def downgrade() -> None:
    op.drop_index("ix_incident_reports_reporter_id_reported_at", table_name="incident_reports")
    op.drop_table("incident_reports")
    # a medewerker's role has no place in the old schema: those memberships go
    op.execute("DELETE FROM memberships WHERE role = 'medewerker'")
    _roles(OLD_ROLES)
