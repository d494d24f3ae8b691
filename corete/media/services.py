"""The rules of pictures: which addresses feeds name, fetching them once through the
guarded fetcher, keeping what media.images makes of them, and linking events to them.

Visitors' browsers never load a picture from a member site: the hub serves its own copy
(privacy, the Content-Security-Policy, and sites that disappear). A picture address that
fails is tried again later, less and less often; it never holds up a poll.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from corete.core.models import chunks, utcnow
from corete.media.models import Picture, PictureSource

log = logging.getLogger(__name__)
FETCH_THREADS = 4
LONGEST_WAIT = dt.timedelta(days=7)
# The hub's own picture addresses (a hosted space's poster): linked, never fetched.
OWN_PATH = re.compile(r"/media/([0-9a-f]{64})\.jpg$")


def url_key(url: str | None) -> str | None:
    """The short key a picture address is found by (an index on 2,000-character URLs is not
    portable)."""
    return hashlib.blake2b(url.encode(), digest_size=16).hexdigest() if url else None


def keep(session, prepared) -> Picture:
    """Store a prepared picture, once per content."""
    picture = session.get(Picture, prepared.id)
    if picture is None:
        picture = Picture(id=prepared.id, large=prepared.large, small=prepared.small,
                          width=prepared.width, height=prepared.height)
        session.add(picture)
        session.flush()
    return picture


def upload(session, body: bytes, config, base_url: str) -> str:
    """An operator's poster, with the same checks as a fetched picture (NotAnImage when
    refused): kept, and its address on this hub recorded as already fetched, so the poll
    that reads the hosted feed links it at once. Returns that address."""
    from corete.media.images import NotAnImage, prepare

    if len(body) > int(config["PICTURE_MAX_BYTES"]):
        raise NotAnImage("the file is larger than the hub accepts")
    picture = keep(session, prepare(body, max_pixels=int(config["PICTURE_MAX_PIXELS"])))
    url = f"{base_url.rstrip('/')}/media/{picture.id}.jpg"
    session.merge(PictureSource(key=url_key(url), url=url, picture_id=picture.id, tries=0, tried_at=utcnow()))
    session.flush()
    return url


def link(session, model, ids) -> None:
    """Point these rows of ``model`` (image_key, picture_id columns) at the pictures
    already kept for their addresses; rows whose address has none yet wait for ``fetch_pending``."""
    known = (select(PictureSource.picture_id).where(PictureSource.key == model.image_key)
             .scalar_subquery())
    for chunk in chunks(list(ids)):
        session.execute(update(model).where(model.id.in_(chunk)).values(picture_id=known),
                        execution_options={"synchronize_session": False})


def _wanted(session, model, now: dt.datetime, limit: int):
    """Addresses named by rows still without a picture, never tried or due again."""
    source = PictureSource
    stmt = (select(model.image_key, func.min(model.image_url))
            .outerjoin(source, source.key == model.image_key)
            .where(model.image_key.is_not(None), model.picture_id.is_(None),
                   or_(source.key.is_(None), source.picture_id.is_not(None), source.retry_at <= now))
            .group_by(model.image_key).limit(limit))
    return session.execute(stmt).all()


def _fetch_one(url: str, policy, max_pixels: int):
    """(prepared picture or None, the reason it was refused or None). Runs in a thread."""
    from corete.federation.fetch import FetchError, fetch
    from corete.media.images import NotAnImage, prepare

    try:
        result = fetch(url, policy)
        return prepare(result.body, max_pixels=max_pixels), None
    except FetchError as e:
        return None, f"{e.error_class}: {e.message}"[:300]
    except NotAnImage as e:
        return None, str(e)[:300]


def fetch_pending(session, model, config, now: dt.datetime | None = None, limit: int | None = None) -> str:
    """Fetch the pictures rows of ``model`` name and do not have yet; what was done, in words."""
    from corete.federation.fetch import FetchPolicy, SendingTime

    now = now or utcnow()
    limit = limit or int(config["PICTURES_PER_RUN"])
    wanted = _wanted(session, model, now, limit)
    if not wanted:
        return "no pictures to fetch"
    # Accept: what media.images keeps (a server choosing by it never sends AVIF or SVG).
    policy = replace(FetchPolicy.from_config(config), accept="image/jpeg, image/png, image/webp, image/gif;q=0.9",
                     max_bytes=int(config["PICTURE_MAX_BYTES"]))
    max_pixels = int(config["PICTURE_MAX_PIXELS"])
    base = (config.get("PUBLIC_URL") or "").rstrip("/")
    kept = failed = 0
    to_fetch = []
    for key, url in wanted:
        source = session.get(PictureSource, key) or PictureSource(key=key, url=url, tries=0)
        own = OWN_PATH.search(url) if base and url.startswith(base + "/media/") else None
        if source.picture_id is None and own and session.get(Picture, own.group(1)) is not None:
            source.picture_id, source.error, source.retry_at = own.group(1), None, None
        if source.picture_id is not None:
            session.merge(source)
            _link_key(session, model, key, source.picture_id)
            kept += 1
        else:
            to_fetch.append((key, url, source))
    session.commit()
    clock, left = SendingTime(config), 0
    with ThreadPoolExecutor(max_workers=FETCH_THREADS) as pool:
        results = pool.map(lambda job: _fetch_one(job[1], policy, max_pixels) if clock.left() else None, to_fetch)
        for (key, url, source), result in zip(to_fetch, results):
            if result is None:  # the run's time was spent before it: still wanted, the next run fetches it
                left += 1
                continue
            prepared, error = result
            try:
                _record(session, model, source, prepared, error, now)
                session.commit()
            except IntegrityError:  # another scheduler kept it at the same moment
                session.rollback()
                continue
            if prepared is None:
                failed += 1
                log.info("picture %s refused: %s", url, error)
            else:
                kept += 1
    return f"{kept} pictures kept, {failed} refused" + (f", {left} left for the next run" if left else "")


def _record(session, model, source: PictureSource, prepared, error, now) -> None:
    source.tries = (source.tries or 0) + 1
    source.tried_at = now
    if prepared is None:
        source.error = error
        source.retry_at = now + min(LONGEST_WAIT, dt.timedelta(hours=2 ** min(source.tries, 8)))
        session.merge(source)
        return
    picture = keep(session, prepared)
    source.picture_id, source.error, source.retry_at = picture.id, None, None
    session.merge(source)
    _link_key(session, model, source.key, picture.id)


def _link_key(session, model, key: str, picture_id: str) -> None:
    session.execute(update(model).where(model.image_key == key, model.picture_id.is_(None))
                    .values(picture_id=picture_id), execution_options={"synchronize_session": False})
