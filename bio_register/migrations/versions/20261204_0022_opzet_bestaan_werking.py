"""Opzet, bestaan and werking per assessment (issue 21, item 1): for each of the three a status, the
day it was judged, by whom, the evidence text and the ids of the evidence attachments, on
``control_assessments``.

Existing assessments are migrated honestly: every one gets "niet beoordeeld" for opzet, bestaan and
werking, with no date, no assessor and no evidence; their implementation level stays as it was.

Revision ID: 0022_obw
Revises: 0021_pending_import_kind
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_obw"
down_revision = "0021_pending_import_kind"
branch_labels = None
depends_on = None

ASPECTS = ("opzet", "bestaan", "werking")
STATUSES = ("voldoet", "voldoet_gedeeltelijk", "voldoet_niet", "niet_beoordeeld")


def upgrade() -> None:
    with op.batch_alter_table("control_assessments", schema=None) as batch_op:
        for aspect in ASPECTS:
            batch_op.add_column(sa.Column(f"{aspect}_status", sa.String(20), nullable=False,
                                          server_default="niet_beoordeeld"))
            batch_op.add_column(sa.Column(f"{aspect}_assessed_on", sa.Date(), nullable=True))
            batch_op.add_column(sa.Column(f"{aspect}_assessed_by", sa.String(200), nullable=True))
            batch_op.add_column(sa.Column(f"{aspect}_evidence", sa.Text(), nullable=True))
            batch_op.add_column(sa.Column(f"{aspect}_attachment_ids", sa.JSON(), nullable=False,
                                          server_default=sa.text("'[]'")))
            batch_op.create_check_constraint(op.f(f"ck_control_assessments_{aspect}_status"),
                                             f"{aspect}_status IN {STATUSES!r}")


def downgrade() -> None:
    with op.batch_alter_table("control_assessments", schema=None) as batch_op:
        for aspect in reversed(ASPECTS):
            batch_op.drop_constraint(op.f(f"ck_control_assessments_{aspect}_status"), type_="check")
            for column in ("attachment_ids", "evidence", "assessed_by", "assessed_on", "status"):
                batch_op.drop_column(f"{aspect}_{column}")
