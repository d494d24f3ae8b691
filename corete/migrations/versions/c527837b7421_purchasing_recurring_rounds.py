"""purchasing: recurring rounds

Revision ID: c527837b7421
Revises: 3d7a179100e7
Create Date: 2026-12-02 12:24:57.841808

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c527837b7421'
down_revision = '3d7a179100e7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('purchasing_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeat', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('previous_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_purchasing_round_previous_id'), ['previous_id'])
        batch_op.create_foreign_key(batch_op.f('fk_purchasing_round_previous_id_purchasing_round'), 'purchasing_round', ['previous_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('purchasing_round', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_purchasing_round_previous_id_purchasing_round'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_purchasing_round_previous_id'), type_='unique')
        batch_op.drop_column('previous_id')
        batch_op.drop_column('repeat')

