"""resources: rooms, desks and equipment, their busy time and bookings

Revision ID: 6b19ed50ac6a
Revises: e8c1f4b2a7d6
Create Date: 2026-12-02 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from corete.core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = '6b19ed50ac6a'
down_revision = 'e8c1f4b2a7d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('resources_resource',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('price_per', sa.String(length=4), nullable=True),
    sa.Column('member_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('public_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('bookable_by', sa.String(length=10), nullable=False),
    sa.Column('opening_hours', sa.String(length=300), nullable=True),
    sa.Column('hours', sa.JSON(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('rules', sa.Text(), nullable=True),
    sa.Column('place_name', sa.String(length=300), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('city', sa.String(length=120), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('image_url', sa.String(length=2000), nullable=True),
    sa.Column('image_key', sa.String(length=32), nullable=True),
    sa.Column('picture_id', sa.String(length=64), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('calendar_url', sa.String(length=2000), nullable=True),
    sa.Column('calendar_etag', sa.String(length=300), nullable=True),
    sa.Column('calendar_read_at', UTCDateTime(), nullable=True),
    sa.Column('calendar_error', sa.String(length=300), nullable=True),
    sa.Column('source_id', sa.String(length=500), nullable=False),
    sa.Column('first_seen_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['federation_feed.id'], name=op.f('fk_resources_resource_feed_id_federation_feed'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['spaces_space.id'], name=op.f('fk_resources_resource_space_id_spaces_space'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['picture_id'], ['media_picture.id'], name=op.f('fk_resources_resource_picture_id_media_picture'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources_resource')),
    sa.UniqueConstraint('feed_id', 'source_id', name=op.f('uq_resources_resource_feed_id'))
    )
    with op.batch_alter_table('resources_resource', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resources_resource_capacity'), ['capacity'], unique=False)
        batch_op.create_index(batch_op.f('ix_resources_resource_image_key'), ['image_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_resources_resource_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_resources_resource_space_id'), ['space_id'], unique=False)

    op.create_table('resources_booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('resource_name', sa.String(length=200), nullable=False),
    sa.Column('owner_space_id', sa.Integer(), nullable=False),
    sa.Column('home_space_id', sa.Integer(), nullable=True),
    sa.Column('person_name', sa.String(length=200), nullable=False),
    sa.Column('person_email', sa.String(length=254), nullable=True),
    sa.Column('email_confirmed', sa.Boolean(), nullable=False),
    sa.Column('confirm_token_hash', sa.String(length=64), nullable=True),
    sa.Column('start', UTCDateTime(), nullable=False),
    sa.Column('end', UTCDateTime(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('cancelled_by_space_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('decided_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['cancelled_by_space_id'], ['spaces_space.id'], name=op.f('fk_resources_booking_cancelled_by_space_id_spaces_space'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['accounts_user.id'], name=op.f('fk_resources_booking_decided_by_accounts_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['home_space_id'], ['spaces_space.id'], name=op.f('fk_resources_booking_home_space_id_spaces_space'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_space_id'], ['spaces_space.id'], name=op.f('fk_resources_booking_owner_space_id_spaces_space'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['accounts_user.id'], name=op.f('fk_resources_booking_requested_by_accounts_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources_resource.id'], name=op.f('fk_resources_booking_resource_id_resources_resource'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources_booking'))
    )
    with op.batch_alter_table('resources_booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resources_booking_home_space_id'), ['home_space_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resources_booking_owner_space_id'), ['owner_space_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resources_booking_resource_id'), ['resource_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resources_booking_state'), ['state'], unique=False)

    op.create_table('resources_busy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('start', UTCDateTime(), nullable=False),
    sa.Column('end', UTCDateTime(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['resources_booking.id'], name=op.f('fk_resources_busy_booking_id_resources_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources_resource.id'], name=op.f('fk_resources_busy_resource_id_resources_resource'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources_busy'))
    )
    with op.batch_alter_table('resources_busy', schema=None) as batch_op:
        batch_op.create_index('ix_resources_busy_resource_start', ['resource_id', 'start'], unique=False)
    _no_overlapping_bookings()


def _no_overlapping_bookings():
    """No two accepted bookings of one resource overlap, whoever accepts them and however
    many at once: on PostgreSQL an exclusion constraint; on SQLite, whose writers take
    turns, triggers that refuse the write that would make an overlap."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute('ALTER TABLE resources_booking ADD CONSTRAINT ex_resources_booking_no_overlap '
                   'EXCLUDE USING gist (resource_id WITH =, tsrange(start, "end") WITH &&) '
                   "WHERE (state = 'accepted')")
        return
    for event, other in (("INSERT", ""), ('UPDATE OF state, start, "end", resource_id', "AND b.id != NEW.id ")):
        name = "insert" if event == "INSERT" else "update"
        op.execute(f"""CREATE TRIGGER trg_resources_booking_no_overlap_{name} BEFORE {event} ON resources_booking
            WHEN NEW.state = 'accepted' AND NEW.resource_id IS NOT NULL
            BEGIN
                SELECT RAISE(ABORT, 'overlapping accepted bookings') WHERE EXISTS (
                    SELECT 1 FROM resources_booking b WHERE b.resource_id = NEW.resource_id
                    AND b.state = 'accepted' {other}AND b.start < NEW."end" AND b."end" > NEW.start);
            END""")



def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_resources_booking_no_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS trg_resources_booking_no_overlap_update")
    with op.batch_alter_table('resources_busy', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_busy_resource_start')

    op.drop_table('resources_busy')
    with op.batch_alter_table('resources_booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resources_booking_state'))
        batch_op.drop_index(batch_op.f('ix_resources_booking_resource_id'))
        batch_op.drop_index(batch_op.f('ix_resources_booking_owner_space_id'))
        batch_op.drop_index(batch_op.f('ix_resources_booking_home_space_id'))

    op.drop_table('resources_booking')
    with op.batch_alter_table('resources_resource', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resources_resource_space_id'))
        batch_op.drop_index(batch_op.f('ix_resources_resource_kind'))
        batch_op.drop_index(batch_op.f('ix_resources_resource_capacity'))
        batch_op.drop_index(batch_op.f('ix_resources_resource_image_key'))

    op.drop_table('resources_resource')
