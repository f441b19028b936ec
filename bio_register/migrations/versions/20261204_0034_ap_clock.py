"""The AP clock of a datalek kept on the incident: ``ap_clock_running`` (no initial melding, and the
decision in force, if any, is to notify), ``ap_aware_at`` (the assessment's awareness) and
``ap_notified_at`` (the initial melding), derived and kept by the services like ``ap_file_open``
(``breaches.services.refresh_ap_state``), with a partial index per organisation in the FG's working
order of the open datalekken (running clocks first, by ``coalesce(ap_aware_at, discovered_at)``).
The FG's overview, its overdue datalekken and *Meldingen* then read an index range per organisation
instead of a subquery per open datalek and a sort of all of them (see benchmarks/README.md). Filled from the assessments, decisions and meldingen already stored.

Revision ID: 0034_ap_clock
Revises: 0033_incidents_org_date_id
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0034_ap_clock"
down_revision = "0033_incidents_org_date_id"
branch_labels = None
depends_on = None

OPEN = "is_datalek AND status IN ('nieuw', 'in_behandeling')"


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("ap_clock_running", sa.Boolean(), server_default=sa.text("true"), nullable=False))
        batch.add_column(sa.Column("ap_aware_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ap_notified_at", sa.DateTime(timezone=True), nullable=True))
    # the same rules as breaches.services.ap_state_values, for the incidents that have any of it
    op.execute(
        "UPDATE incidents SET"
        " ap_aware_at = (SELECT a.aware_at FROM breach_assessments a WHERE a.incident_id = incidents.id),"
        " ap_notified_at = (SELECT min(n.submitted_at) FROM ap_notifications n"
        "  WHERE n.incident_id = incidents.id AND n.kind = 'initial'),"
        " ap_clock_running = NOT EXISTS (SELECT 1 FROM ap_notifications n"
        "  WHERE n.incident_id = incidents.id AND n.kind = 'initial')"
        "  AND coalesce((SELECT d.notify FROM ap_decisions d WHERE d.incident_id = incidents.id"
        "  ORDER BY d.decided_at DESC, d.id DESC LIMIT 1), true)"
        " WHERE id IN (SELECT incident_id FROM breach_assessments UNION SELECT incident_id FROM ap_decisions"
        " UNION SELECT incident_id FROM ap_notifications)")
    op.create_index("ix_incidents_ap_clock", "incidents",
                    ["organisation_id", sa.text("ap_clock_running DESC"), sa.text("coalesce(ap_aware_at, discovered_at)"),
                     sa.text("discovered_at DESC"), sa.text("id DESC")],
                    postgresql_include=["ap_aware_at"], postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index("ix_incidents_ap_clock", table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("ap_notified_at")
        batch.drop_column("ap_aware_at")
        batch.drop_column("ap_clock_running")
