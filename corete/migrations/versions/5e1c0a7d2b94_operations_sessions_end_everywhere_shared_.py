"""operations: sessions end everywhere, shared generations, scheduler heartbeats

Revision ID: 5e1c0a7d2b94
Revises: a2eda2837e40
Create Date: 2026-12-02 09:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5e1c0a7d2b94'
down_revision = 'a2eda2837e40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('accounts_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
    generation = op.create_table(
        'core_generation',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_core_generation')),
    )
    # Every generation has its row from the start: counting up is then one UPDATE.
    op.bulk_insert(generation, [{'name': 'map', 'value': 0}, {'name': 'taxonomy', 'value': 0}])
    op.create_table(
        'ops_heartbeat',
        sa.Column('process', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('process', name=op.f('pk_ops_heartbeat')),
    )
    with op.batch_alter_table('ops_heartbeat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ops_heartbeat_seen_at'), ['seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('ops_heartbeat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ops_heartbeat_seen_at'))
    op.drop_table('ops_heartbeat')
    op.drop_table('core_generation')
    with op.batch_alter_table('accounts_user', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
