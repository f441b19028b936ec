"""BIO compliance: control catalogs and their correspondence, control assessments (the statement
of applicability, with history), and maatregelen linked to incidents and controls.

Revision ID: 0004_compliance
Revises: 0003_datalekken
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_compliance"
down_revision = "0003_datalekken"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('control_catalogs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('published', sa.Date(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_catalogs')),
    sa.UniqueConstraint('key', name=op.f('uq_control_catalogs_key'))
    )
    op.create_table('controls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalog_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(10), nullable=False),
    sa.Column('parent_code', sa.String(length=20), nullable=True),
    sa.Column('group_code', sa.String(length=10), nullable=False),
    sa.Column('group_title_nl', sa.String(length=200), nullable=False),
    sa.Column('group_title_en', sa.String(length=200), nullable=True),
    sa.Column('objective_code', sa.String(length=10), nullable=True),
    sa.Column('objective_title_nl', sa.String(length=200), nullable=True),
    sa.Column('title_nl', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('bbn', sa.Integer(), nullable=True),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('moved_to', sa.String(length=20), nullable=True),
    sa.Column('sort_key', sa.String(length=40), nullable=False),
    sa.Column('full_text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['catalog_id'], ['control_catalogs.id'], name=op.f('fk_controls_catalog_id_control_catalogs')),
    sa.CheckConstraint("kind IN ('control', 'measure')", name=op.f('ck_controls_control_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_controls')),
    sa.UniqueConstraint('catalog_id', 'code', name=op.f('uq_controls_catalog_id_code'))
    )
    op.create_table('measures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_measures_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_measures_organisation_id_organisations')),
    sa.CheckConstraint("status IN ('gepland', 'in_uitvoering', 'gereed', 'vervallen')", name=op.f('ck_measures_measure_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measures'))
    )
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measures_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('control_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('control_id', sa.Integer(), nullable=False),
    sa.Column('applicable', sa.Boolean(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=True),
    sa.Column('status', sa.String(15), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('evidence_links', sa.JSON(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('proposed', sa.Boolean(), nullable=False),
    sa.Column('assessed_by_id', sa.Integer(), nullable=True),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessed_by_id'], ['users.id'], name=op.f('fk_control_assessments_assessed_by_id_users')),
    sa.ForeignKeyConstraint(['control_id'], ['controls.id'], name=op.f('fk_control_assessments_control_id_controls')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_control_assessments_organisation_id_organisations')),
    sa.CheckConstraint("status IN ('niet', 'gedeeltelijk', 'volledig')", name=op.f('ck_control_assessments_implementation_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_assessments'))
    )
    with op.batch_alter_table('control_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_assessments_control_id'), ['control_id'], unique=False)
        batch_op.create_index('ix_control_assessments_org_control', ['organisation_id', 'control_id', 'id'], unique=False)

    op.create_table('control_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_control_id', sa.Integer(), nullable=False),
    sa.Column('to_control_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=30), nullable=True),
    sa.ForeignKeyConstraint(['from_control_id'], ['controls.id'], name=op.f('fk_control_mappings_from_control_id_controls')),
    sa.ForeignKeyConstraint(['to_control_id'], ['controls.id'], name=op.f('fk_control_mappings_to_control_id_controls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_mappings')),
    sa.UniqueConstraint('from_control_id', 'to_control_id', name=op.f('uq_control_mappings_from_control_id_to_control_id'))
    )
    with op.batch_alter_table('control_mappings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_mappings_from_control_id'), ['from_control_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_control_mappings_to_control_id'), ['to_control_id'], unique=False)

    op.create_table('measure_controls',
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('control_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['control_id'], ['controls.id'], name=op.f('fk_measure_controls_control_id_controls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], name=op.f('fk_measure_controls_measure_id_measures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('measure_id', 'control_id', name=op.f('pk_measure_controls'))
    )
    with op.batch_alter_table('measure_controls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measure_controls_control_id'), ['control_id'], unique=False)

    op.create_table('measure_incidents',
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_measure_incidents_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], name=op.f('fk_measure_incidents_measure_id_measures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('measure_id', 'incident_id', name=op.f('pk_measure_incidents'))
    )
    with op.batch_alter_table('measure_incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measure_incidents_incident_id'), ['incident_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('measure_incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measure_incidents_incident_id'))

    op.drop_table('measure_incidents')
    with op.batch_alter_table('measure_controls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measure_controls_control_id'))

    op.drop_table('measure_controls')
    with op.batch_alter_table('control_mappings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_mappings_to_control_id'))
        batch_op.drop_index(batch_op.f('ix_control_mappings_from_control_id'))

    op.drop_table('control_mappings')
    with op.batch_alter_table('control_assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_control_assessments_org_control')
        batch_op.drop_index(batch_op.f('ix_control_assessments_control_id'))

    op.drop_table('control_assessments')
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measures_organisation_id'))

    op.drop_table('measures')
    op.drop_table('controls')
    op.drop_table('control_catalogs')
