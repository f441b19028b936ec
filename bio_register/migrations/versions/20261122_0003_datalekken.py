"""Datalekken: the FG's assessment with the ENISA score, AP decisions and notifications, data
subject decisions (art. 34), Cbw reports, deadline warnings, the e-mail outbox and in-app notices.

Revision ID: 0003_datalekken
Revises: 0002_incident_register
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_datalekken"
down_revision = "0002_incident_register"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_sent_at', ['sent_at'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_user_id_read_at', ['user_id', 'read_at'], unique=False)

    op.create_table('ap_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('notify', sa.Boolean(), nullable=False),
    sa.Column('motivation', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_ap_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_ap_decisions_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ap_decisions'))
    )
    with op.batch_alter_table('ap_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ap_decisions_incident_id'), ['incident_id'], unique=False)

    op.create_table('ap_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(20), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('meldnummer', sa.String(length=50), nullable=False),
    sa.Column('late_reason', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_ap_notifications_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_ap_notifications_recorded_by_id_users')),
    sa.CheckConstraint("kind IN ('initial', 'follow_up', 'withdrawal')", name=op.f('ck_ap_notifications_notification_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ap_notifications'))
    )
    with op.batch_alter_table('ap_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ap_notifications_incident_id'), ['incident_id'], unique=False)

    op.create_table('breach_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('aware_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data_categories', sa.JSON(), nullable=False),
    sa.Column('special_categories', sa.JSON(), nullable=False),
    sa.Column('bsn', sa.Boolean(), nullable=False),
    sa.Column('criminal_data', sa.Boolean(), nullable=False),
    sa.Column('subject_categories', sa.JSON(), nullable=False),
    sa.Column('subjects_count', sa.Integer(), nullable=True),
    sa.Column('records_count', sa.Integer(), nullable=True),
    sa.Column('nature_confidentiality', sa.Boolean(), nullable=False),
    sa.Column('nature_integrity', sa.Boolean(), nullable=False),
    sa.Column('nature_availability', sa.Boolean(), nullable=False),
    sa.Column('unintelligible', sa.Boolean(), nullable=False),
    sa.Column('processor_involved', sa.Boolean(), nullable=False),
    sa.Column('processor_name', sa.String(length=200), nullable=True),
    sa.Column('cross_border', sa.Boolean(), nullable=False),
    sa.Column('ongoing', sa.Boolean(), nullable=False),
    sa.Column('likely_consequences', sa.Text(), nullable=True),
    sa.Column('measures_taken', sa.Text(), nullable=True),
    sa.Column('enisa_dpc', sa.Integer(), nullable=True),
    sa.Column('enisa_ei', sa.String(5), nullable=True),
    sa.Column('enisa_cb_confidentiality', sa.String(5), nullable=False),
    sa.Column('enisa_cb_integrity', sa.String(5), nullable=False),
    sa.Column('enisa_cb_availability', sa.String(5), nullable=False),
    sa.Column('enisa_cb_malicious', sa.Boolean(), nullable=False),
    sa.Column('enisa_score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('enisa_band', sa.String(10), nullable=True),
    sa.Column('assessed_by_id', sa.Integer(), nullable=True),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessed_by_id'], ['users.id'], name=op.f('fk_breach_assessments_assessed_by_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_breach_assessments_incident_id_incidents'), ondelete='CASCADE'),
    sa.CheckConstraint("enisa_ei IN ('0.25', '0.5', '0.75', '1')", name=op.f('ck_breach_assessments_enisa_ei')),
    sa.CheckConstraint("enisa_cb_confidentiality IN ('0', '0.25', '0.5')", name=op.f('ck_breach_assessments_enisa_cb_confidentiality')),
    sa.CheckConstraint("enisa_cb_integrity IN ('0', '0.25', '0.5')", name=op.f('ck_breach_assessments_enisa_cb_integrity')),
    sa.CheckConstraint("enisa_cb_availability IN ('0', '0.25', '0.5')", name=op.f('ck_breach_assessments_enisa_cb_availability')),
    sa.CheckConstraint("enisa_band IN ('laag', 'gemiddeld', 'hoog', 'zeer hoog')", name=op.f('ck_breach_assessments_enisa_band')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breach_assessments')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_breach_assessments_incident_id'))
    )
    op.create_table('cbw_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(20), nullable=False),
    sa.Column('recipient', sa.String(length=100), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_cbw_reports_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_cbw_reports_recorded_by_id_users')),
    sa.CheckConstraint("phase IN ('early_warning', 'notification', 'final')", name=op.f('ck_cbw_reports_cbw_phase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cbw_reports'))
    )
    with op.batch_alter_table('cbw_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cbw_reports_incident_id'), ['incident_id'], unique=False)

    op.create_table('data_subject_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('notify', sa.Boolean(), nullable=False),
    sa.Column('ground', sa.String(30), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('channel', sa.String(length=200), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_data_subject_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_data_subject_decisions_incident_id_incidents'), ondelete='CASCADE'),
    sa.CheckConstraint("ground IN ('no_high_risk', 'unintelligible', 'risk_removed', 'disproportionate_effort')", name=op.f('ck_data_subject_decisions_no_notify_ground')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_subject_decisions'))
    )
    with op.batch_alter_table('data_subject_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_subject_decisions_incident_id'), ['incident_id'], unique=False)

    op.create_table('deadline_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('clock', sa.String(length=30), nullable=False),
    sa.Column('threshold', sa.String(length=10), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_deadline_warnings_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_warnings')),
    sa.UniqueConstraint('incident_id', 'clock', 'threshold', name=op.f('uq_deadline_warnings_incident_id_clock_threshold'))
    )


def downgrade() -> None:
    op.drop_table('deadline_warnings')
    with op.batch_alter_table('data_subject_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_subject_decisions_incident_id'))

    op.drop_table('data_subject_decisions')
    with op.batch_alter_table('cbw_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cbw_reports_incident_id'))

    op.drop_table('cbw_reports')
    op.drop_table('breach_assessments')
    with op.batch_alter_table('ap_notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ap_notifications_incident_id'))

    op.drop_table('ap_notifications')
    with op.batch_alter_table('ap_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ap_decisions_incident_id'))

    op.drop_table('ap_decisions')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_user_id_read_at')

    op.drop_table('notices')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_sent_at')

    op.drop_table('outbox_messages')
