"""Data rights: research consent, donated sessions, anonymised aggregates kept after erasure.

Revision ID: 0004_data_rights
Revises: 0003_session_upload
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004_data_rights'
down_revision: str | None = '0003_session_upload'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('anonymised_aggregate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('condition', sa.String(length=32), nullable=False),
    sa.Column('movement', sa.String(length=48), nullable=False),
    sa.Column('patients', sa.Integer(), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('reps_sum', sa.Integer(), nullable=False),
    sa.Column('rom_deg_sum', sa.Float(), nullable=False),
    sa.Column('active_time_s_sum', sa.Float(), nullable=False),
    sa.Column('duration_s_sum', sa.Float(), nullable=False),
    sa.Column('sparc_sum', sa.Float(), nullable=False),
    sa.Column('sparc_count', sa.Integer(), nullable=False),
    sa.Column('tremor_power_ratio_sum', sa.Float(), nullable=False),
    sa.Column('tremor_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymised_aggregate')),
    sa.UniqueConstraint('month', 'condition', 'movement', name=op.f('uq_anonymised_aggregate_month_condition_movement'))
    )
    op.create_table('research_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_research_consent_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_research_consent_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user_account.id'], name=op.f('fk_research_consent_withdrawn_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_consent'))
    )
    with op.batch_alter_table('research_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_consent_patient_id'), ['patient_id'], unique=False)

    op.create_table('donated_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('donated_by_id', sa.Integer(), nullable=True),
    sa.Column('donated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['research_consent.id'], name=op.f('fk_donated_session_consent_id_research_consent'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['donated_by_id'], ['user_account.id'], name=op.f('fk_donated_session_donated_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['exercise_session.id'], name=op.f('fk_donated_session_session_id_exercise_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donated_session')),
    sa.UniqueConstraint('session_id', name=op.f('uq_donated_session_session_id'))
    )
    with op.batch_alter_table('donated_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donated_session_consent_id'), ['consent_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('donated_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donated_session_consent_id'))

    op.drop_table('donated_session')
    with op.batch_alter_table('research_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_consent_patient_id'))

    op.drop_table('research_consent')
    op.drop_table('anonymised_aggregate')
