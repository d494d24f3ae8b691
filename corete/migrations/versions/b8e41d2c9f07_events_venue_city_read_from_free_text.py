"""events: the venue's municipality read from free text, and an index to filter by it

Revision ID: b8e41d2c9f07
Revises: 5389f7b7770e
Create Date: 2026-12-02 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8e41d2c9f07'
down_revision = '5389f7b7770e'
branch_labels = None
depends_on = None

EVENTS = sa.table("events_event", sa.column("id", sa.Integer), sa.column("location", sa.JSON),
                  sa.column("venue_city", sa.String))


def upgrade():
    with op.batch_alter_table('events_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_event_venue_city'), ['venue_city'], unique=False)
    # Events stored before: their venue's municipality as ingestion now reads it (official
    # name; from the free text when the feed gave no city). Later polls keep it up to date.
    from corete.events.services import venue_city

    connection = op.get_bind()
    rows = connection.execute(sa.select(EVENTS.c.id, EVENTS.c.location, EVENTS.c.venue_city)
                              .where(EVENTS.c.location.is_not(None))).all()
    changed = []
    for event_id, location, stored in rows:
        city = venue_city(location) if isinstance(location, dict) else stored
        if city != stored:
            changed.append({"event_id": event_id, "city": city})
    if changed:
        connection.execute(EVENTS.update().where(EVENTS.c.id == sa.bindparam("event_id"))
                           .values(venue_city=sa.bindparam("city")), changed)


def downgrade():
    with op.batch_alter_table('events_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_event_venue_city'))
