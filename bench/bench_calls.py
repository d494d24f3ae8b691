"""Calls and offers benchmark: finding them over a large network.

2,000 spaces, each with 10 calls and 10 offers (received through the rooms' handlers, as a
poll hands them over) and 25 skills (for the calls' matching skills), then, through the app
(medians of ``--runs`` after a warm-up): the calls' API and page by default and filtered,
the deadlines' iCalendar and the Atom feed, one call's page with its matching skills, the
offers' API and page, and the map's GeoJSON of the spaces, which counts each space's offers.

    python bench/bench_calls.py [--spaces 2000] [--runs 20] [--database URI]
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import save, spaces_with_feeds, timed  # noqa: E402  (bench/, the script's own folder)

CITIES = ("Roma", "Milano", "Torino", "Bari", "Alessandria", "Bologna", "Napoli", "Firenze")
REGIONS = ("Lazio", "Lombardia", "Piemonte", "Puglia", "Emilia-Romagna", "Campania", "Toscana")
KINDS = ("funding", "voucher", "co_projecting", "tender", "other")
SKILLS = ("Videomaker", "Sviluppatore web", "Commercialista", "Grafica editoriale", "Fundraising", "Fotografo",
          "Traduttrice", "Avvocato", "Falegname", "Progettazione europea")


def populate(session, n_spaces: int, today: dt.date) -> dict:
    from corete.calls.itemtype import CallData
    from corete.calls.services import handler as calls
    from corete.core.handover import Item
    from corete.offers.itemtype import OfferData
    from corete.offers.services import handler as offers
    from corete.skills.itemtype import SkillData
    from corete.skills.services import handler as skills

    feeds = spaces_with_feeds(session, [
        {"slug": f"spazio-{n}", "name": f"Spazio {n}", "city": CITIES[n % len(CITIES)], "lat": 41 + (n % 50) / 10,
         "lon": 9 + (n % 60) / 10, "accredited": n % 10 == 0} for n in range(n_spaces)])
    space_ids = list(feeds)
    t0 = time.perf_counter()
    for i, sid in enumerate(space_ids):
        calls.add(session, feeds[sid], sid, [Item(f"c{j}", "call", CallData(
            title=f"Bando {i}-{j}", kind=KINDS[(i + j) % len(KINDS)], deadline=today + dt.timedelta(days=(i + j * 37) % 400 - 60),
            opens=today + dt.timedelta(days=10) if j == 9 else None, amount={"amount": "1500", "currency": "EUR"},
            regions=[REGIONS[(i + j) % len(REGIONS)]] if j % 3 else [], audiences=["startups"] if j % 2 else ["coworkers"],
            accredited_only=j == 5, skills_sought=[SKILLS[j], SKILLS[(j + 3) % len(SKILLS)]])) for j in range(10)])
        offers.add(session, feeds[sid], sid, [Item(f"o{j}", "offer", OfferData(
            title=f"Offerta {i}-{j}", category=("discount", "consultation", "service")[j % 3],
            audience="anyone" if j % 4 == 0 else "network",
            valid_until=today + dt.timedelta(days=(i + j * 29) % 300 - 30))) for j in range(10)])
        skills.add(session, feeds[sid], sid, [Item(f"s{j}", "skill", SkillData(
            skill=SKILLS[(i + j) % len(SKILLS)], holder_name=f"Socio {j}")) for j in range(25)])
    session.commit()
    return {"spaces": n_spaces, "calls": 10 * n_spaces, "offers": 10 * n_spaces, "skills": 25 * n_spaces,
            "ingest_seconds": round(time.perf_counter() - t0, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spaces", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", help="SQLAlchemy URI (default: SQLite in a temp folder)")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select

    from corete import create_app
    from corete.calls.models import Call
    from corete.core.when import local_today
    from corete.extensions import db

    uri = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='corete-bench-')}/calls.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri,
                      "MAP_CACHE_SECONDS": 0})  # the map's document built for each request
    results: dict = {"database": uri.split(":")[0]}
    today = local_today()
    with app.app_context():
        if uri.startswith("postgresql"):
            from sqlalchemy import text

            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        results["network"] = n = populate(db.session, args.spaces, today)
        print(f"{n['calls']} calls, {n['offers']} offers and {n['skills']} skills of {n['spaces']} spaces, "
              f"received through the handlers in {n['ingest_seconds']} s")
        voucher = db.session.scalar(select(Call.id).where(Call.accredited_only.is_(True)).order_by(Call.id))
        client = app.test_client()
        cases = {
            "api_calls_current": "/api/v1/calls",
            "api_calls_region_kind": "/api/v1/calls?region=Lombardia&kind=voucher",
            "api_calls_audience_until": f"/api/v1/calls?audience=startups&until={today + dt.timedelta(days=60)}",
            "api_calls_archive": "/api/v1/calls?state=closed",
            "page_calls": "/calls",
            "page_calls_region": "/calls?region=Piemonte",
            "calls_ics": "/calls.ics",
            "calls_atom": "/calls.atom",
            "page_call_matches_and_accredited": f"/calls/{voucher}",
            "api_call_detail": f"/api/v1/calls/{voucher}",
            "api_offers": "/api/v1/offers",
            "page_offers_city": "/offers?city=Roma",
            "map_geojson_spaces": "/api/v1/map/features.geojson?layers=spaces",
        }
        for name, url in cases.items():
            results[name], response = timed(client, url, args.runs)
            if url.startswith("/api") and "items" in (response.get_json() or {}):
                results[name]["total"] = response.get_json()["total"]
            print(f"{name:<34} median {results[name]['median_ms']:>8} ms   p90 {results[name]['p90_ms']:>8} ms"
                  + (f"   {results[name]['total']} found" if "total" in results[name] else ""))
    print("saved", save("calls", {"when": dt.datetime.now().isoformat(), **results}))


if __name__ == "__main__":
    main()
