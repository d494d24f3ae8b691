"""What the benchmarks share: timing requests through the app's test client, and
keeping each run's figures in bench/results/."""
from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from pathlib import Path


def summary(times: list[float]) -> dict:
    """Median, 90th percentile and fastest of a list of milliseconds."""
    times = sorted(times)
    p90 = statistics.quantiles(times, n=10, method="inclusive")[-1] if len(times) > 1 else times[0]
    return {"median_ms": round(statistics.median(times), 1), "p90_ms": round(p90, 1), "min_ms": round(times[0], 1)}


def timed(client, url: str, runs: int) -> tuple[dict, object]:
    """``runs`` requests after a warm-up one: their summary (with the body's size) and the
    last response."""
    client.get(url)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return dict(summary(times), bytes=len(response.data)), response


def save(name: str, results: dict) -> Path:
    """Write a run's figures to bench/results/<name>-<time>.json."""
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    path = out / f"{name}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2))
    return path


def spaces_with_feeds(session, spaces: list[dict]) -> dict[int, int]:
    """Insert these spaces (each a dict of its own columns: slug, name, city...) with one
    active feed each, as the registry would; returns {space id: feed id}, in the order given."""
    from sqlalchemy import insert, select

    from corete.core.models import utcnow
    from corete.federation.models import Feed
    from corete.spaces.models import Space

    now = utcnow()
    session.execute(insert(Space.__table__), [
        {"kind": "coworking", "country": "IT", "tags": [], "accredited": False, "active": True, "locked_fields": [],
         "created_at": now, "updated_at": now, **space} for space in spaces])
    space_ids = list(session.scalars(select(Space.id).order_by(Space.id)))
    session.execute(insert(Feed.__table__), [
        {"space_id": sid, "url": f"https://s{sid}.example/feed.json", "state": "active", "next_poll_at": now,
         "url_history": [], "consecutive_failures": 0, "redirect_confirmations": 0, "created_at": now}
        for sid in space_ids])
    feeds = dict(session.execute(select(Feed.space_id, Feed.id)).all())
    return {sid: feeds[sid] for sid in space_ids}
