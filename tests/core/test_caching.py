"""The document cache: fresh, then stale while its successor is built, then rebuilt."""
from __future__ import annotations

import time

from corete.core.caching import DocumentCache


class Builds:
    """Counts builds; a background rebuild is held until the test finishes it."""

    def __init__(self):
        self.count = 0
        self.pending = []

    def build(self):
        self.count += 1
        return f"v{self.count}"

    def rebuild(self, done):
        self.pending.append(done)


def test_fresh_then_stale_while_revalidating_then_rebuilt():
    cache, builds = DocumentCache(), Builds()
    first, etag = cache.get_or_build("k", 0.05, builds.build, stale=60, rebuild=builds.rebuild)
    assert (first, builds.count) == ("v1", 1)
    assert cache.get_or_build("k", 0.05, builds.build, stale=60, rebuild=builds.rebuild) == (first, etag)
    time.sleep(0.06)
    # Expired: still answered, and one rebuild started however many ask meanwhile.
    for _ in range(3):
        assert cache.get_or_build("k", 0.05, builds.build, stale=60, rebuild=builds.rebuild) == (first, etag)
    assert len(builds.pending) == 1 and builds.count == 1
    builds.pending.pop()(builds.build())
    body, new_etag = cache.get_or_build("k", 0.05, builds.build, stale=60, rebuild=builds.rebuild)
    assert (body, builds.count) == ("v2", 2) and new_etag != etag


def test_past_the_stale_window_or_without_rebuild_the_request_builds():
    cache, builds = DocumentCache(), Builds()
    cache.get_or_build("k", 0.01, builds.build, stale=0.01, rebuild=builds.rebuild)
    time.sleep(0.03)
    assert cache.get_or_build("k", 0.01, builds.build, stale=0.01, rebuild=builds.rebuild)[0] == "v2"
    time.sleep(0.015)
    assert cache.get_or_build("k", 0.01, builds.build)[0] == "v3"
    assert builds.pending == []


def test_a_rebuild_begun_before_clear_is_not_kept_and_a_failed_one_keeps_the_stale():
    cache, builds = DocumentCache(), Builds()
    cache.get_or_build("k", 0.01, builds.build, stale=60, rebuild=builds.rebuild)
    time.sleep(0.02)
    cache.get_or_build("k", 0.01, builds.build, stale=60, rebuild=builds.rebuild)
    cache.clear()  # e.g. a moderation: what the rebuild read may predate it
    builds.pending.pop()("from before the clear")
    assert cache.get_or_build("k", 60, builds.build)[0] == "v2"

    cache.clear()
    cache.get_or_build("f", 0.01, builds.build, stale=60, rebuild=builds.rebuild)
    time.sleep(0.02)
    stale = cache.get_or_build("f", 0.01, builds.build, stale=60, rebuild=builds.rebuild)
    builds.pending.pop()(None)  # the background build failed
    assert cache.get_or_build("f", 0.01, builds.build, stale=60, rebuild=builds.rebuild) == stale
    assert len(builds.pending) == 1  # and the next request past it tries again


def test_ttl_zero_never_keeps():
    cache, builds = DocumentCache(), Builds()
    assert [cache.get_or_build("k", 0, builds.build, stale=60)[0] for _ in range(2)] == ["v1", "v2"]
