"""push: the secret each member feed's pings are signed with

Revision ID: a3f19c7e5d21
Revises: d27af85d4dc4
Create Date: 2026-12-03 07:40:00

"""
from alembic import op
import sqlalchemy as sa

from corete.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'a3f19c7e5d21'
down_revision = 'd27af85d4dc4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('push_ping_key',
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('pings', sa.Integer(), nullable=False),
    sa.Column('last_ping_at', UTCDateTime(), nullable=True),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.Column('last_refused_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['feed_id'], ['federation_feed.id'], name=op.f('fk_push_ping_key_feed_id_federation_feed'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('feed_id', name=op.f('pk_push_ping_key'))
    )


def downgrade():
    op.drop_table('push_ping_key')
