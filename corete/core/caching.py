"""HTTP caching for pages and exports: an ETag and a Last-Modified computed from the
data, and 304 Not Modified for a conditional request that already has it."""
from __future__ import annotations

import datetime as dt
import hashlib

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
