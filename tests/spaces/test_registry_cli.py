"""The member registry through the `corete spaces` commands."""
from __future__ import annotations

from sqlalchemy import select

from corete.federation.models import Feed
from corete.spaces.models import Space


def test_add_prints_the_slug_and_keeps_every_feed(runner, session):
    result = runner.invoke(args=["spaces", "add", "--name", "Millepiani Coworking", "--feed", "https://a.example/feed.json",
                                 "--feed", "https://calendar.example/m.ics", "--city", "Roma", "--lat", "41.86", "--lon", "12.48"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "millepiani-coworking"
    space = session.scalar(select(Space))
    assert [f.url for f in space.feeds] == ["https://a.example/feed.json", "https://calendar.example/m.ics"]
    assert (space.city, space.lat, space.lon) == ("Roma", 41.86, 12.48)
    again = runner.invoke(args=["spaces", "add", "--name", "Millepiani Coworking", "--feed", "https://b.example/f.json"])
    assert again.output.strip() == "millepiani-coworking-2"


def test_add_refuses_bad_input_with_a_message(runner, session):
    bad_url = runner.invoke(args=["spaces", "add", "--name", "X", "--feed", "ftp://x.example/f"])
    assert bad_url.exit_code == 1 and "not an http(s) URL" in bad_url.output
    half = runner.invoke(args=["spaces", "add", "--name", "X", "--feed", "https://x.example/f", "--lat", "45"])
    assert half.exit_code == 1 and "both lat and lon" in half.output
    assert session.scalar(select(Space)) is None


def test_import_is_idempotent(runner, session, tmp_path):
    csv_file = tmp_path / "spaces.csv"
    csv_file.write_text(
        "name,feed_url,city,lat,lon,kind,email,website\n"
        "Lab121,https://lab121.example/feed.json https://lab121.example/cal.ics,Alessandria,44.91,8.61,coworking,ciao@lab121.example,https://lab121.example\n"
        "FabLab Aurora,https://aurora.example/feed.json,Torino,,,fablab,,\n"
        "Senza feed,,Milano,,,,,\n"
        "Strano,https://s.example/f,Milano,,,spaceship,,\n",
        encoding="utf-8",
    )
    first = runner.invoke(args=["spaces", "import", str(csv_file)])
    assert "2 created, 0 updated, 0 unchanged, 2 errors" in first.output
    assert "line 4: a space needs at least one feed URL" in first.output
    assert "line 5: kind must be one of" in first.output
    second = runner.invoke(args=["spaces", "import", str(csv_file)])
    assert "0 created, 0 updated, 2 unchanged" in second.output
    assert session.scalar(select(Space).where(Space.slug == "lab121")).feeds[1].url == "https://lab121.example/cal.ics"
    assert len(session.scalars(select(Feed)).all()) == 3


def test_import_needs_the_header(runner, tmp_path):
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("nome,url\nX,https://x.example\n")
    result = runner.invoke(args=["spaces", "import", str(csv_file)])
    assert result.exit_code == 1 and "lacks feed_url, name" in result.output


def test_list_remove_and_health(runner, session, httpserver):
    runner.invoke(args=["spaces", "add", "--name", "Lab121", "--feed", httpserver.url_for("/feed.json"), "--city", "Alessandria"])
    httpserver.expect_request("/feed.json").respond_with_data("<html>login</html>", content_type="text/html")
    listed = runner.invoke(args=["spaces", "list"])
    assert "lab121\tother\tAlessandria\t1 feed(s)" in listed.output
    polled = runner.invoke(args=["poll", "lab121"])
    assert "failed (HTTP 200) [not_a_feed]" in polled.output
    health = runner.invoke(args=["spaces", "health", "lab121"])
    assert "failures=1" in health.output and "not_a_feed: the answer is an HTML page" in health.output
    assert "last_success=never" in health.output and "next=20" in health.output
    assert runner.invoke(args=["spaces", "health", "nope"]).exit_code == 1
    removed = runner.invoke(args=["spaces", "remove", "lab121"])
    assert removed.output.strip() == "removed lab121"
    assert session.scalar(select(Feed)) is None


def test_poll_all_polls_every_feed_beyond_one_batch(app, runner, session, httpserver):
    from tests.conftest import make_space

    app.config["POLL_BATCH"] = 3
    httpserver.expect_request("/feed.json").respond_with_data("<html></html>", content_type="text/html")
    for i in range(5):
        make_space(session, httpserver.url_for("/feed.json") + f"?n={i}", name=f"Spazio {i}")
    result = runner.invoke(args=["poll", "--all"])
    assert result.output.count("[not_a_feed]") == 5
