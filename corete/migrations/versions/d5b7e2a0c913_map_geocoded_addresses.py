"""map: what the optional geocoder answered for each address

Revision ID: d5b7e2a0c913
Revises: c3a9f61d2e48
Create Date: 2026-12-02 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from corete.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'd5b7e2a0c913'
down_revision = 'c3a9f61d2e48'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'map_geocoded',
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('query', sa.String(length=700), nullable=False),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('looked_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_map_geocoded')),
    )


def downgrade():
    op.drop_table('map_geocoded')
