"""newsletter: subscriptions and the spaces' news

Revision ID: 5389f7b7770e
Revises: c527837b7421
Create Date: 2026-12-02 12:32:35.993193

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5389f7b7770e'
down_revision = 'c527837b7421'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('newsletter_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('filter_key', sa.String(length=64), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('cities', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('spaces', sa.JSON(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=False),
    sa.Column('unsubscribed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_subscription')),
    sa.UniqueConstraint('email', 'kind', 'filter_key', name=op.f('uq_newsletter_subscription_email'))
    )
    with op.batch_alter_table('newsletter_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_newsletter_subscription_email'), ['email'], unique=False)

    op.create_table('newsletter_news_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=254), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=254), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('issue', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['space_id'], ['spaces_space.id'], name=op.f('fk_newsletter_news_item_space_id_spaces_space'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_news_item'))
    )
    with op.batch_alter_table('newsletter_news_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_newsletter_news_item_space_id'), ['space_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_newsletter_news_item_state'), ['state'], unique=False)



def downgrade():
    with op.batch_alter_table('newsletter_news_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_newsletter_news_item_state'))
        batch_op.drop_index(batch_op.f('ix_newsletter_news_item_space_id'))

    op.drop_table('newsletter_news_item')
    with op.batch_alter_table('newsletter_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_newsletter_subscription_email'))

    op.drop_table('newsletter_subscription')
