"""/media/<id>.jpg and /media/small/<id>.jpg: the hub's own copies of pictures. The name is
the content's hash, so a response never changes: browsers and proxies keep it for a year."""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, request
from sqlalchemy import select

from corete.extensions import db
from corete.media.models import Picture

bp = Blueprint("media", __name__)
PICTURE_ID = re.compile(r"[0-9a-f]{64}")
YEAR = 365 * 24 * 3600


def _serve(picture_id: str, column) -> Response:
    if not PICTURE_ID.fullmatch(picture_id):
        abort(404)
    etag = f'"{picture_id}-{column.key}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = Response(status=304)
    else:
        body = db.session.scalar(select(column).where(Picture.id == picture_id))
        if body is None:
            abort(404)
        response = Response(body, mimetype="image/jpeg")
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


@bp.route("/media/<picture_id>.jpg")
def large(picture_id):
    return _serve(picture_id, Picture.large)


@bp.route("/media/small/<picture_id>.jpg")
def small(picture_id):
    return _serve(picture_id, Picture.small)
