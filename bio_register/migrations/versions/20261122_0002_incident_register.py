"""The incident register: incidents, their timeline, and reference counters per year.

Revision ID: 0002_incident_register
Revises: 0001_foundation
Create Date: 2026-11-22
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002_incident_register"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

CATEGORIES = (
    "email_verkeerde_ontvanger", "post_verkeerde_ontvanger", "apparaat_verloren_gestolen",
    "papier_verloren_gestolen", "per_ongeluk_gepubliceerd", "te_ruime_toegang", "phishing",
    "malware_ransomware", "onbeschikbaarheid", "abusive-content", "malicious-code",
    "information-gathering", "intrusion-attempts", "intrusions", "availability",
    "information-content-security", "fraud", "vulnerable", "other", "test",
)
SEVERITIES = ("laag", "midden", "hoog", "kritiek")
STATUSES = ("nieuw", "in_behandeling", "afgehandeld", "ingetrokken")
ENTRY_KINDS = ("waarneming", "actie", "besluit", "communicatie")


def timestamp(name: str, nullable: bool = False) -> sa.Column[dt.datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(30), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("severity", sa.String(10), nullable=True),
        sa.Column("impact_confidentiality", sa.Boolean(), nullable=False),
        sa.Column("impact_integrity", sa.Boolean(), nullable=False),
        sa.Column("impact_availability", sa.Boolean(), nullable=False),
        timestamp("occurred_at", nullable=True),
        timestamp("discovered_at"),
        sa.Column("reporter", sa.String(200), nullable=True),
        sa.Column("is_datalek", sa.Boolean(), nullable=False),
        sa.Column("is_significant_cbw", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("lessons_learned", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        timestamp("created_at"),
        timestamp("updated_at"),
        timestamp("closed_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"category IN {CATEGORIES!r}", name="ck_incidents_category"),
        sa.CheckConstraint(f"severity IN {SEVERITIES!r}", name="ck_incidents_severity"),
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="ck_incidents_status"),
        sa.CheckConstraint("occurred_at IS NULL OR occurred_at <= discovered_at",
                           name="ck_incidents_occurred_before_discovered"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name="fk_incidents_created_by_id_users"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name="fk_incidents_organisation_id_organisations"),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
        sa.UniqueConstraint("organisation_id", "year", "number",
                            name="uq_incidents_organisation_id_year_number"),
        sa.UniqueConstraint("reference", name="uq_incidents_reference"),
    )
    op.create_index("ix_incidents_created_by_id", "incidents", ["created_by_id"])
    op.create_index("ix_incidents_organisation_id_discovered_at", "incidents",
                    ["organisation_id", "discovered_at"])
    op.create_index("ix_incidents_status_discovered_at", "incidents", ["status", "discovered_at"])

    op.create_table(
        "reference_counters",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name="fk_reference_counters_organisation_id_organisations"),
        sa.PrimaryKeyConstraint("organisation_id", "year", name="pk_reference_counters"),
    )

    op.create_table(
        "timeline_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        timestamp("occurred_at"),
        sa.Column("author_id", sa.Integer(), nullable=True),
        timestamp("created_at"),
        sa.CheckConstraint(f"kind IN {ENTRY_KINDS!r}", name="ck_timeline_entries_entry_kind"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_timeline_entries_author_id_users"),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE",
                                name="fk_timeline_entries_incident_id_incidents"),
        sa.PrimaryKeyConstraint("id", name="pk_timeline_entries"),
    )
    op.create_index("ix_timeline_entries_incident_id", "timeline_entries", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_timeline_entries_incident_id", table_name="timeline_entries")
    op.drop_table("timeline_entries")
    op.drop_table("reference_counters")
    op.drop_index("ix_incidents_status_discovered_at", table_name="incidents")
    op.drop_index("ix_incidents_organisation_id_discovered_at", table_name="incidents")
    op.drop_index("ix_incidents_created_by_id", table_name="incidents")
    op.drop_table("incidents")
