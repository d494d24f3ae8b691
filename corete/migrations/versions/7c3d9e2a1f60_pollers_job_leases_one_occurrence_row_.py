"""pollers: job leases, one occurrence row per event and start

Revision ID: 7c3d9e2a1f60
Revises: 5e1c0a7d2b94
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7c3d9e2a1f60'
down_revision = '5e1c0a7d2b94'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ops_job',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('lease_owner', sa.String(length=200), nullable=True),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('last_run_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_ops_job')),
    )
    # Copies two writers may have left before the key existed: the oldest row stays.
    op.execute("DELETE FROM events_occurrence WHERE id NOT IN "
               "(SELECT keep FROM (SELECT MIN(id) AS keep FROM events_occurrence GROUP BY event_id, start_at) AS kept)")
    with op.batch_alter_table('events_occurrence', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_events_occurrence_event_start', ['event_id', 'start_at'])


def downgrade():
    with op.batch_alter_table('events_occurrence', schema=None) as batch_op:
        batch_op.drop_constraint('uq_events_occurrence_event_start', type_='unique')
    op.drop_table('ops_job')
