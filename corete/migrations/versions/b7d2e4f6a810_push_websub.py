"""push: WebSub both ways: the hub's subscriptions to member feeds (and what a feed says of its hub), and readers' subscriptions to the hub's own feeds

Revision ID: b7d2e4f6a810
Revises: a3f19c7e5d21
Create Date: 2026-12-03 07:20:00

"""
from alembic import op
import sqlalchemy as sa

from corete.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'b7d2e4f6a810'
down_revision = 'a3f19c7e5d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('federation_feed') as batch_op:
        batch_op.add_column(sa.Column('websub_hub', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('websub_topic', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('pushed_until', UTCDateTime(), nullable=True))
    op.create_table('push_websub',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('hub', sa.String(length=2000), nullable=False),
    sa.Column('topic', sa.String(length=2000), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('requested_at', UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('verified_at', UTCDateTime(), nullable=True),
    sa.Column('lease_seconds', sa.Integer(), nullable=True),
    sa.Column('lease_until', UTCDateTime(), nullable=True),
    sa.Column('pushes', sa.Integer(), nullable=False),
    sa.Column('last_push_at', UTCDateTime(), nullable=True),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.Column('last_refused_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['feed_id'], ['federation_feed.id'], name=op.f('fk_push_websub_feed_id_federation_feed'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_websub')),
    sa.UniqueConstraint('token', name=op.f('uq_push_websub_token'))
    )
    op.create_index(op.f('ix_push_websub_feed_id'), 'push_websub', ['feed_id'], unique=False)
    op.create_table('push_subscriber',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('topic', sa.String(length=2000), nullable=False),
    sa.Column('callback', sa.String(length=2000), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('secret', sa.String(length=200), nullable=True),
    sa.Column('lease_until', UTCDateTime(), nullable=True),
    sa.Column('verified_at', UTCDateTime(), nullable=True),
    sa.Column('pending_mode', sa.String(length=12), nullable=True),
    sa.Column('pending_secret', sa.String(length=200), nullable=True),
    sa.Column('pending_lease', sa.Integer(), nullable=True),
    sa.Column('requested_at', UTCDateTime(), nullable=False),
    sa.Column('delivered', sa.String(length=200), nullable=True),
    sa.Column('deliveries', sa.Integer(), nullable=False),
    sa.Column('last_delivery_at', UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriber')),
    sa.UniqueConstraint('key', name=op.f('uq_push_subscriber_key'))
    )


def downgrade():
    op.drop_table('push_subscriber')
    op.drop_index(op.f('ix_push_websub_feed_id'), table_name='push_websub')
    op.drop_table('push_websub')
    with op.batch_alter_table('federation_feed') as batch_op:
        batch_op.drop_column('pushed_until')
        batch_op.drop_column('websub_topic')
        batch_op.drop_column('websub_hub')
