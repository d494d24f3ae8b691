"""fediverse: the calendars as ActivityPub actors: their keys, the remote actors met, followers, what was announced, deliveries

Revision ID: c9e3a5b7d142
Revises: b7d2e4f6a810
Create Date: 2026-12-03 08:00:00

"""
from alembic import op
import sqlalchemy as sa

from corete.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c9e3a5b7d142'
down_revision = 'b7d2e4f6a810'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fediverse_actor_key',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('private_pem', sa.Text(), nullable=False),
    sa.Column('public_pem', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_fediverse_actor_key'))
    )
    op.create_table('fediverse_remote_actor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=2000), nullable=False),
    sa.Column('actor', sa.String(length=2000), nullable=False),
    sa.Column('public_pem', sa.Text(), nullable=False),
    sa.Column('inbox', sa.String(length=2000), nullable=True),
    sa.Column('shared_inbox', sa.String(length=2000), nullable=True),
    sa.Column('fetched_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fediverse_remote_actor')),
    sa.UniqueConstraint('key', name=op.f('uq_fediverse_remote_actor_key'))
    )
    op.create_table('fediverse_follower',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('follower', sa.String(length=2000), nullable=False),
    sa.Column('inbox', sa.String(length=2000), nullable=False),
    sa.Column('follow_id', sa.String(length=2000), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fediverse_follower')),
    sa.UniqueConstraint('key', name=op.f('uq_fediverse_follower_key'))
    )
    op.create_index(op.f('ix_fediverse_follower_actor_name'), 'fediverse_follower', ['actor_name'], unique=False)
    op.create_table('fediverse_announced',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('space_slug', sa.String(length=80), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('announced_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_fediverse_announced'))
    )
    op.create_table('fediverse_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('inbox', sa.String(length=2000), nullable=False),
    sa.Column('activity', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('given_up', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fediverse_delivery'))
    )
    op.create_index(op.f('ix_fediverse_delivery_next_attempt_at'), 'fediverse_delivery', ['next_attempt_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_fediverse_delivery_next_attempt_at'), table_name='fediverse_delivery')
    op.drop_table('fediverse_delivery')
    op.drop_table('fediverse_announced')
    op.drop_index(op.f('ix_fediverse_follower_actor_name'), table_name='fediverse_follower')
    op.drop_table('fediverse_follower')
    op.drop_table('fediverse_remote_actor')
    op.drop_table('fediverse_actor_key')
