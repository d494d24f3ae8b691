"""calls and offers: funding, vouchers, co-projecting and tenders that reach the network, and what spaces offer each other

Revision ID: d27af85d4dc4
Revises: c6a37e9bead8
Create Date: 2026-12-03 00:58:28.348227

"""
from alembic import op
import sqlalchemy as sa

from corete.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'd27af85d4dc4'
down_revision = 'c6a37e9bead8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calls_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=True),
    sa.Column('space_id', sa.Integer(), nullable=True),
    sa.Column('network', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('opens_at', UTCDateTime(), nullable=True),
    sa.Column('opens_day', sa.Date(), nullable=True),
    sa.Column('deadline_at', UTCDateTime(), nullable=True),
    sa.Column('deadline_day', sa.Date(), nullable=True),
    sa.Column('deadline_timed', sa.Boolean(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('benefit', sa.String(length=1000), nullable=True),
    sa.Column('issuer_name', sa.String(length=200), nullable=True),
    sa.Column('issuer_url', sa.String(length=2000), nullable=True),
    sa.Column('eligibility', sa.Text(), nullable=True),
    sa.Column('accredited_only', sa.Boolean(), nullable=False),
    sa.Column('audiences', sa.JSON(), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('region_keys', sa.String(length=400), nullable=False),
    sa.Column('skills_sought', sa.JSON(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('form', sa.JSON(), nullable=True),
    sa.Column('written_by', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.String(length=500), nullable=False),
    sa.Column('first_seen_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['federation_feed.id'], name=op.f('fk_calls_call_feed_id_federation_feed'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['spaces_space.id'], name=op.f('fk_calls_call_space_id_spaces_space'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['written_by'], ['accounts_user.id'], name=op.f('fk_calls_call_written_by_accounts_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls_call')),
    sa.UniqueConstraint('feed_id', 'source_id', name=op.f('uq_calls_call_feed_id'))
    )
    with op.batch_alter_table('calls_call', schema=None) as batch_op:
        batch_op.create_index('ix_calls_call_deadline', ['deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_call_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_call_space_id'), ['space_id'], unique=False)

    op.create_table('offers_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=True),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('benefit', sa.String(length=200), nullable=True),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('offered_by_name', sa.String(length=200), nullable=True),
    sa.Column('offered_by_url', sa.String(length=2000), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('contact', sa.String(length=300), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('source_id', sa.String(length=500), nullable=False),
    sa.Column('first_seen_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['federation_feed.id'], name=op.f('fk_offers_offer_feed_id_federation_feed'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['spaces_space.id'], name=op.f('fk_offers_offer_space_id_spaces_space'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers_offer')),
    sa.UniqueConstraint('feed_id', 'source_id', name=op.f('uq_offers_offer_feed_id'))
    )
    with op.batch_alter_table('offers_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_offer_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_offer_space_id'), ['space_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_offer_valid_until'), ['valid_until'], unique=False)


def downgrade():
    with op.batch_alter_table('offers_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_offer_valid_until'))
        batch_op.drop_index(batch_op.f('ix_offers_offer_space_id'))
        batch_op.drop_index(batch_op.f('ix_offers_offer_category'))

    op.drop_table('offers_offer')
    with op.batch_alter_table('calls_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_call_space_id'))
        batch_op.drop_index(batch_op.f('ix_calls_call_kind'))
        batch_op.drop_index('ix_calls_call_deadline')

    op.drop_table('calls_call')
