"""What the federation tells the rest of the hub without knowing who listens (blinker,
which Flask itself uses): a feed failed, a feed was read. The mail room's alerts listen
(corete/mail/alerts.py), connected by the app factory; a room added later listens the same
way, and federation imports none of them."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the Feed; keyword arguments: session, error_class, now, config, hub_offline.
# Sent inside the poll's transaction: receivers flush, never commit.
feed_failed = _signals.signal("feed-failed")
# sender: the Feed; keyword arguments: session, now, config.
feed_read = _signals.signal("feed-read")
