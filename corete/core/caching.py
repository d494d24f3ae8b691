"""HTTP caching for pages and exports: an ETag and a Last-Modified computed from the
data, and 304 Not Modified for a conditional request that already has it; and a short
in-process cache of documents that are costly to build."""
from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections import OrderedDict

from flask import Response, request


def data_etag(*parts) -> str:
    return hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=16).hexdigest()


def conditional(render, *, etag: str, last_modified: dt.datetime | None, max_age: int = 300) -> Response:
    """``render()`` builds the response only when the client does not already hold it."""
    if request.if_none_match.contains(etag) or (
        not request.if_none_match and last_modified is not None and request.if_modified_since is not None
        and last_modified.replace(microsecond=0) <= request.if_modified_since
    ):
        response = Response(status=304)
    else:
        response = render()
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response


class DocumentCache:
    """Documents this process built in the last ``ttl`` seconds, by key (least recently
    used out first, at most ``max_bytes`` in all). For documents that are costly to build
    and may be as old as their Cache-Control max-age anyway: the map's GeoJSON of 25,000
    points took 0.35-0.5 s to build and under a millisecond to send again (bench_map.py)."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[float, str | bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: str, ttl: float, build) -> tuple[str | bytes, str]:
        """(the document, its ETag): built by ``build()`` unless one younger than ``ttl`` is kept."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key) if ttl > 0 else None
            if entry is not None and entry[0] > now:
                self._entries.move_to_end(key)
                return entry[1], entry[2]
        body = build()
        raw = body if isinstance(body, bytes) else body.encode()
        etag = hashlib.blake2b(key.encode() + b"\x1f" + raw, digest_size=16).hexdigest()
        if ttl > 0:
            with self._lock:
                self._entries[key] = (now + ttl, body, etag)
                total = sum(len(b) for _, b, _ in self._entries.values())
                while total > self.max_bytes and len(self._entries) > 1:
                    _, (_, dropped, _) = self._entries.popitem(last=False)
                    total -= len(dropped)
        return body, etag

    def clear(self) -> None:
        """Forget everything (after a change this process made, such as a moderation)."""
        with self._lock:
            self._entries.clear()
