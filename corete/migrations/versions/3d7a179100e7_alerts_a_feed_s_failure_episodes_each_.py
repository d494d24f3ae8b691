"""alerts: a feed's failure episodes, each person's language

Revision ID: 3d7a179100e7
Revises: 77e2f8a06db2
Create Date: 2026-12-02 12:21:11.166010

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d7a179100e7'
down_revision = '77e2f8a06db2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('accounts_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lang', sa.String(length=5), nullable=True))

    with op.batch_alter_table('federation_feed', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('alerted_at', sa.DateTime(), nullable=True))
    # Feeds failing at the upgrade are in an episode nobody was told of: its people hear of
    # it at its next failure.
    op.execute("UPDATE federation_feed SET failing_since = last_polled_at "
               "WHERE consecutive_failures > 0 AND last_polled_at IS NOT NULL")

def downgrade():
    with op.batch_alter_table('federation_feed', schema=None) as batch_op:
        batch_op.drop_column('alerted_at')
        batch_op.drop_column('failing_since')

    with op.batch_alter_table('accounts_user', schema=None) as batch_op:
        batch_op.drop_column('lang')

