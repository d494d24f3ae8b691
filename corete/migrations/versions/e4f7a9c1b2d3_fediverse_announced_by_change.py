"""fediverse: what was announced is kept as the event's last change and state, so the database can find what changed

Revision ID: e4f7a9c1b2d3
Revises: c9e3a5b7d142
Create Date: 2026-12-03 09:15:00

"""
from alembic import op
import sqlalchemy as sa

from corete.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'e4f7a9c1b2d3'
down_revision = 'c9e3a5b7d142'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fediverse_announced') as batch_op:
        batch_op.add_column(sa.Column('updated_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=True))
    # What was announced is taken as the event as it is now (nothing is told again); an
    # announced event that is gone keeps its announcement time, and is told gone.
    op.execute("UPDATE fediverse_announced SET "
               "updated_at = COALESCE((SELECT e.updated_at FROM events_event e WHERE e.id = fediverse_announced.event_id), "
               "announced_at), "
               "status = COALESCE((SELECT e.status FROM events_event e WHERE e.id = fediverse_announced.event_id), "
               "'confirmed')")
    with op.batch_alter_table('fediverse_announced') as batch_op:
        batch_op.alter_column('updated_at', existing_type=UTCDateTime(), nullable=False)
        batch_op.alter_column('status', existing_type=sa.String(length=12), nullable=False)
        batch_op.drop_column('version')


def downgrade():
    with op.batch_alter_table('fediverse_announced') as batch_op:
        batch_op.add_column(sa.Column('version', sa.String(length=64), nullable=False, server_default=''))
        batch_op.drop_column('status')
        batch_op.drop_column('updated_at')
