"""spaces: the time zone a space's dates and times are typed in

Revision ID: e8c1f4b2a7d6
Revises: d5b7e2a0c913
Create Date: 2026-12-02 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8c1f4b2a7d6'
down_revision = 'd5b7e2a0c913'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('spaces_space', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('spaces_space', schema=None) as batch_op:
        batch_op.drop_column('timezone')
