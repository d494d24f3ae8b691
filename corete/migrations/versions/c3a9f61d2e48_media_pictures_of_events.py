"""media: pictures of events, kept and served by the hub

Revision ID: c3a9f61d2e48
Revises: b8e41d2c9f07
Create Date: 2026-12-02 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from corete.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c3a9f61d2e48'
down_revision = 'b8e41d2c9f07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'media_picture',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('large', sa.LargeBinary(), nullable=False),
        sa.Column('small', sa.LargeBinary(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media_picture')),
    )
    op.create_table(
        'media_source',
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('picture_id', sa.String(length=64), nullable=True),
        sa.Column('error', sa.String(length=300), nullable=True),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('tried_at', UTCDateTime(), nullable=True),
        sa.Column('retry_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['picture_id'], ['media_picture.id'], name=op.f('fk_media_source_picture_id_media_picture'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_media_source')),
    )
    with op.batch_alter_table('media_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_source_retry_at'), ['retry_at'], unique=False)
    with op.batch_alter_table('events_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_url', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('image_key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('picture_id', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_events_event_image_key'), ['image_key'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_events_event_picture_id_media_picture'), 'media_picture',
                                    ['picture_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('events_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_events_event_picture_id_media_picture'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_events_event_image_key'))
        batch_op.drop_column('picture_id')
        batch_op.drop_column('image_key')
        batch_op.drop_column('image_url')
    with op.batch_alter_table('media_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_source_retry_at'))
    op.drop_table('media_source')
    op.drop_table('media_picture')
