"""Evidence with a life (issue 21, item 2): ``evidence_items`` (owner, date and review date of each
evidence attachment and evidence link of an organisation's assessment of a control),
``evidence_reminders`` (each reminder to the owner sent once) and
``organisations.evidence_review_months`` (the default life of evidence, 12 months).

Existing evidence is migrated honestly, by one rule and nothing more:

- an evidence attachment (on a control; removed ones included, retired): its date is the day it was
  uploaded (Europe/Amsterdam), its owner the person who uploaded it (none when unknown);
- an evidence link of the assessment in force: its date is the day of the first assessment of
  that control that listed it, its owner the person who recorded that assessment (none when
  unknown, e.g. an import);
- the review date of each: its date plus the organisation's default period (12 months).

No owner, date or review date is invented beyond that rule: an owner that is not known stays empty.

Revision ID: 0031_evidence_life
Revises: 0030_catalog_updates
Create Date: 2026-12-04
"""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0031_evidence_life"
down_revision = "0030_catalog_updates"
branch_labels = None
depends_on = None

DEFAULT_MONTHS = 12
ZONE = ZoneInfo("Europe/Amsterdam")

attachments = sa.table("attachments", sa.column("id", sa.Integer), sa.column("organisation_id", sa.Integer),
                       sa.column("control_id", sa.Integer), sa.column("uploaded_by_id", sa.Integer),
                       sa.column("uploaded_at", sa.DateTime(timezone=True)),
                       sa.column("removed_at", sa.DateTime(timezone=True)))
assessments = sa.table("control_assessments", sa.column("id", sa.Integer),
                       sa.column("organisation_id", sa.Integer), sa.column("control_id", sa.Integer),
                       sa.column("evidence_links", sa.JSON), sa.column("assessed_by_id", sa.Integer),
                       sa.column("assessed_at", sa.DateTime(timezone=True)))
items = sa.table("evidence_items", sa.column("organisation_id", sa.Integer), sa.column("control_id", sa.Integer),
                 sa.column("attachment_id", sa.Integer), sa.column("link", sa.String),
                 sa.column("owner_id", sa.Integer), sa.column("evidence_date", sa.Date),
                 sa.column("review_date", sa.Date), sa.column("retired_at", sa.DateTime(timezone=True)),
                 sa.column("created_at", sa.DateTime(timezone=True)))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (31 January + 1 month: the last day of February)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _local_day(value: dt.datetime) -> dt.date:
    if value.tzinfo is None:  # SQLite keeps UTC without an offset
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(ZONE).date()


def upgrade() -> None:
    op.add_column("organisations", sa.Column("evidence_review_months", sa.Integer(), nullable=False,
                                             server_default="12"))
    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("control_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("link", sa.String(500), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_name", sa.String(200), nullable=True),
        sa.Column("evidence_date", sa.Date(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(attachment_id IS NULL) <> (link IS NULL)", name=op.f("ck_evidence_items_one_kind")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_evidence_items_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["control_id"], ["controls.id"], name=op.f("fk_evidence_items_control_id_controls")),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachments.id"], ondelete="CASCADE",
                                name=op.f("fk_evidence_items_attachment_id_attachments")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_evidence_items_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_items")),
        sa.UniqueConstraint("attachment_id", name=op.f("uq_evidence_items_attachment_id")),
        sa.UniqueConstraint("organisation_id", "control_id", "link",
                            name=op.f("uq_evidence_items_organisation_id_control_id_link")),
    )
    op.create_index("ix_evidence_items_organisation_id_control_id", "evidence_items",
                    ["organisation_id", "control_id"])
    op.create_index(op.f("ix_evidence_items_review_date"), "evidence_items", ["review_date"])
    op.create_table(
        "evidence_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_item_id", sa.Integer(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("threshold", sa.String(10), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["evidence_item_id"], ["evidence_items.id"], ondelete="CASCADE",
                                name=op.f("fk_evidence_reminders_evidence_item_id_evidence_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_reminders")),
        sa.UniqueConstraint("evidence_item_id", "review_date", "threshold",
                            name=op.f("uq_evidence_reminders_evidence_item_id_review_date_threshold")),
    )
    _migrate_existing_evidence()


def _migrate_existing_evidence() -> None:
    """Every existing evidence attachment and link gets its item by the rule in the module's docstring."""
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    rows = []
    for attachment_id, org_id, control_id, uploader, uploaded_at, removed_at in bind.execute(
            sa.select(attachments.c.id, attachments.c.organisation_id, attachments.c.control_id,
                      attachments.c.uploaded_by_id, attachments.c.uploaded_at, attachments.c.removed_at)
            .where(attachments.c.control_id.is_not(None)).order_by(attachments.c.id)):
        day = _local_day(uploaded_at)
        rows.append({"organisation_id": org_id, "control_id": control_id, "attachment_id": attachment_id,
                     "link": None, "owner_id": uploader, "evidence_date": day,
                     "review_date": add_months(day, DEFAULT_MONTHS),
                     "retired_at": removed_at, "created_at": now})
    # the links of the assessment in force (the newest row) of each (organisation, control), each dated
    # by the first assessment of that control that listed it
    first_seen: dict[tuple[int, int, str], tuple[int | None, dt.datetime]] = {}
    in_force: dict[tuple[int, int], list[str]] = {}
    for org_id, control_id, links, assessed_by, assessed_at in bind.execute(
            sa.select(assessments.c.organisation_id, assessments.c.control_id, assessments.c.evidence_links,
                      assessments.c.assessed_by_id, assessments.c.assessed_at).order_by(assessments.c.id)):
        current = [link.strip() for link in (links or []) if isinstance(link, str) and link.strip()]
        in_force[(org_id, control_id)] = current
        for link in current:
            first_seen.setdefault((org_id, control_id, link), (assessed_by, assessed_at))
    for (org_id, control_id), links in in_force.items():
        for link in dict.fromkeys(links):
            assessed_by, assessed_at = first_seen[(org_id, control_id, link)]
            day = _local_day(assessed_at)
            rows.append({"organisation_id": org_id, "control_id": control_id, "attachment_id": None,
                         "link": link[:500], "owner_id": assessed_by, "evidence_date": day,
                         "review_date": add_months(day, DEFAULT_MONTHS), "retired_at": None, "created_at": now})
    for start in range(0, len(rows), 1000):
        op.bulk_insert(items, rows[start:start + 1000])


def downgrade() -> None:
    op.drop_table("evidence_reminders")
    op.drop_index(op.f("ix_evidence_items_review_date"), table_name="evidence_items")
    op.drop_index("ix_evidence_items_organisation_id_control_id", table_name="evidence_items")
    op.drop_table("evidence_items")
    # a plain DROP COLUMN (SQLite 3.35+): a batch copy of ``organisations`` would trip its foreign keys
    op.drop_column("organisations", "evidence_review_months")
