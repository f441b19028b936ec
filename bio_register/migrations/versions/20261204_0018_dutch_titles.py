"""BIO 1.04: the Dutch titles of the two controls the BIO withdrew (6.1.4, 14.2.4).

The shipped catalog had no Dutch title for them, so ``import-catalog`` stored the English one in
``title_nl`` and Dutch pages showed "Contact with special interest groups". The catalog file now has
their NEN-ISO/IEC 27002:2013 titles (``controls/README.md``, *Sources*); this migration gives
existing databases the same titles. It changes only a row that still carries the English
fallback (``title_nl`` equal to ``title_en``), so it is idempotent and never overwrites a title
someone changed. Catalog titles are reference data, not a register entry: no audit event (the
chain is computed by the application, not by migrations); a fresh import writes the same titles.

Revision ID: 0018_dutch_titles
Revises: 0017_refuse_rewriting
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_dutch_titles"
down_revision = "0017_refuse_rewriting"
branch_labels = None
depends_on = None

CATALOG = "BIO-1.04"
TITLES = {
    "6.1.4": ("Contact with special interest groups", "Contact met speciale belangengroepen"),
    "14.2.4": ("Restrictions on changes to software packages", "Beperkingen op wijzigingen aan softwarepakketten"),
}

catalogs = sa.table("control_catalogs", sa.column("id", sa.Integer), sa.column("key", sa.String))
controls = sa.table("controls", sa.column("catalog_id", sa.Integer), sa.column("code", sa.String),
                    sa.column("title_nl", sa.String), sa.column("title_en", sa.String))


def _set(old_index: int, new_index: int) -> None:
    catalog_id = sa.select(catalogs.c.id).where(catalogs.c.key == CATALOG).scalar_subquery()
    for code, titles in TITLES.items():
        op.execute(controls.update()
                   .where(controls.c.catalog_id == catalog_id, controls.c.code == code,
                          controls.c.title_nl == titles[old_index])
                   .values(title_nl=titles[new_index]))


def upgrade() -> None:
    _set(0, 1)


def downgrade() -> None:
    _set(1, 0)
