"""Playbooks (draaiboeken) per category of incident and their steps on incidents (issue 22, item 2):
``playbooks`` (an organisation's own copy of a playbook; the shipped defaults are not stored) and
``incident_tasks`` (the steps applied to an incident, with their state).

Revision ID: 0029_playbooks
Revises: 0028_cbw_in_full
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_playbooks"
down_revision = "0028_cbw_in_full"
branch_labels = None
depends_on = None

CATEGORIES = ('email_verkeerde_ontvanger', 'post_verkeerde_ontvanger', 'apparaat_verloren_gestolen', 'papier_verloren_gestolen', 'per_ongeluk_gepubliceerd', 'te_ruime_toegang', 'phishing', 'malware_ransomware', 'onbeschikbaarheid', 'abusive-content', 'malicious-code', 'information-gathering', 'intrusion-attempts', 'intrusions', 'availability', 'information-content-security', 'fraud', 'vulnerable', 'other', 'test')


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "playbooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(_in("category", CATEGORIES), name=op.f("ck_playbooks_category")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE",
                                name=op.f("fk_playbooks_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_playbooks_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbooks")),
        sa.UniqueConstraint("organisation_id", "category", name=op.f("uq_playbooks_organisation_id_category")),
    )
    op.create_table(
        "incident_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("playbook_category", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("playbook_category", CATEGORIES), name=op.f("ck_incident_tasks_playbook_category")),
        sa.CheckConstraint("state IN ('open', 'gedaan', 'niet_van_toepassing')",
                           name=op.f("ck_incident_tasks_task_state")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE",
                                name=op.f("fk_incident_tasks_incident_id_incidents")),
        sa.ForeignKeyConstraint(["changed_by_id"], ["users.id"], name=op.f("fk_incident_tasks_changed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_tasks")),
        sa.UniqueConstraint("incident_id", "position", name=op.f("uq_incident_tasks_incident_id_position")),
    )
    op.create_index(op.f("ix_incident_tasks_state_incident_id"), "incident_tasks", ["state", "incident_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_tasks_state_incident_id"), table_name="incident_tasks")
    op.drop_table("incident_tasks")
    op.drop_table("playbooks")
