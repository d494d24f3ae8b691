"""visas: coworking passes, visits, and the terms a space welcomes visitors on

Revision ID: c6a37e9bead8
Revises: 6b19ed50ac6a
Create Date: 2026-12-02 23:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

from corete.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c6a37e9bead8'
down_revision = '6b19ed50ac6a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visas_visa',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('home_space_id', sa.Integer(), nullable=False),
    sa.Column('person_name', sa.String(length=200), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('secret', sa.String(length=32), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=True),
    sa.Column('issued_at', UTCDateTime(), nullable=False),
    sa.Column('revoked_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['home_space_id'], ['spaces_space.id'], name=op.f('fk_visas_visa_home_space_id_spaces_space'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by'], ['accounts_user.id'], name=op.f('fk_visas_visa_issued_by_accounts_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visas_visa'))
    )
    with op.batch_alter_table('visas_visa', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visas_visa_home_space_id'), ['home_space_id'], unique=False)

    op.create_table('visas_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visa_id', sa.Integer(), nullable=False),
    sa.Column('host_space_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['host_space_id'], ['spaces_space.id'], name=op.f('fk_visas_visit_host_space_id_spaces_space'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['accounts_user.id'], name=op.f('fk_visas_visit_recorded_by_accounts_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['visa_id'], ['visas_visa.id'], name=op.f('fk_visas_visit_visa_id_visas_visa'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visas_visit')),
    sa.UniqueConstraint('visa_id', 'host_space_id', 'day', name=op.f('uq_visas_visit_visa_id'))
    )
    with op.batch_alter_table('visas_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visas_visit_host_space_id'), ['host_space_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visas_visit_visa_id'), ['visa_id'], unique=False)

    with op.batch_alter_table('spaces_space', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visitors', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('welcomes_visitors', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_spaces_space_welcomes_visitors'), ['welcomes_visitors'], unique=False)



def downgrade():
    with op.batch_alter_table('spaces_space', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spaces_space_welcomes_visitors'))
        batch_op.drop_column('welcomes_visitors')
        batch_op.drop_column('visitors')

    with op.batch_alter_table('visas_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visas_visit_visa_id'))
        batch_op.drop_index(batch_op.f('ix_visas_visit_host_space_id'))

    op.drop_table('visas_visit')
    with op.batch_alter_table('visas_visa', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visas_visa_home_space_id'))

    op.drop_table('visas_visa')
