"""The push API's answers."""
from __future__ import annotations

from marshmallow import Schema, fields


class PingOut(Schema):
    feed = fields.Integer(metadata={"description": "The feed's number."})
    next_poll_at = fields.DateTime(metadata={"description": "When the hub reads the feed (UTC): the scheduler's "
                                                            "next look, or a minute after its last read."})
