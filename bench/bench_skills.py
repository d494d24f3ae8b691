"""Skills benchmark: the taxonomy's mapping, and the network's skills at scale.

1. Mapping free text: 20,000 texts as feeds write them (labels, synonyms, phrases with a
   term inside, typos, texts the taxonomy does not know), through ``taxonomy().map``.
2. A network of 1,000 spaces with 20 skills each (20,000 skills, received through the
   skills handler as a poll hands them over) and 300 open service needs; then the search
   page, the API, a need's matches, a space page with its needs' matches, the digest.

    python bench/bench_skills.py [--spaces 1000] [--skills-per-space 20] [--runs 20] [--database URI]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import save, spaces_with_feeds, summary, timed  # noqa: E402  (bench/, the script's own folder)

PHRASES = ("Esperta di {}", "{} freelance", "Consulenza: {}", "{} (anche in inglese)", "Senior {}")
UNKNOWN = ("Tuttologo", "Raccolta di francobolli", "Sommelier di tè", "Costruttore di aquiloni", "Mago")


def texts(n: int, seed: int = 3) -> list[str]:
    from corete.skills.taxonomy import taxonomy

    rng = random.Random(seed)
    terms = [word for key, (taxon, how, word) in taxonomy().terms.items() if len(key) > 3]
    out = []
    for i in range(n):
        term = rng.choice(terms)
        kind = i % 10
        if kind < 4:
            out.append(term)
        elif kind < 6:
            out.append(rng.choice(PHRASES).format(term))
        elif kind < 8 and len(term) > 6:  # one typing mistake: a letter dropped or swapped
            j = rng.randrange(1, len(term) - 1)
            out.append(term[:j] + term[j + 1:] if i % 2 else term[:j] + term[j + 1] + term[j] + term[j + 2:])
        else:
            out.append(rng.choice(UNKNOWN) + ("" if i % 3 else f" {i}"))
    return out


def bench_mapping(n: int) -> dict:
    from corete.skills.taxonomy import taxonomy

    sample = texts(n)
    tax = taxonomy()
    t0 = time.perf_counter()
    mapped = [tax.map(t) for t in sample]
    seconds = time.perf_counter() - t0
    hows: dict[str, int] = {}
    for m in mapped:
        hows[m.how if m else "unmapped"] = hows.get(m.how if m else "unmapped", 0) + 1
    return {"texts": n, "seconds": round(seconds, 3), "texts_per_second": round(n / seconds),
            "per_text_us": round(seconds / n * 1e6, 1), "by_how": hows}


def populate(app, session, n_spaces: int, per_space: int, n_needs: int) -> dict:
    from corete.core.handover import Item
    from corete.purchasing.itemtype import NeedData
    from corete.skills.itemtype import SkillData
    from corete.purchasing.services import handler as needs_handler
    from corete.skills.services import handler as skills_handler

    rng = random.Random(5)
    feeds = spaces_with_feeds(session, [
        {"slug": f"spazio-{n}", "name": f"Spazio {n}", "city": rng.choice(["Roma", "Milano", "Torino", "Bari"]),
         "lat": 41.9 + rng.uniform(-3, 3), "lon": 12.5 + rng.uniform(-3, 3)} for n in range(n_spaces)])
    space_ids = list(feeds)
    sample = texts(n_spaces * per_space, seed=9)
    t0 = time.perf_counter()
    for i, sid in enumerate(space_ids):
        items = [Item(f"s{j}", "skill", SkillData(skill=sample[i * per_space + j], holder_name=f"Persona {i}-{j}",
                                                   languages=["it"])) for j in range(per_space)]
        skills_handler.add(session, feeds[sid], sid, items)
    ingest = time.perf_counter() - t0
    wanted = ["Un videomaker per il nostro evento", "Commercialista per una start-up", "Un fonico per il concerto",
              "Traduzione del sito in inglese", "Grafica per la campagna", "Accounting for a start-up"]
    for k in range(n_needs):
        sid = space_ids[k % len(space_ids)]
        needs_handler.add(session, feeds[sid], sid, [Item(f"n{k}", "need", NeedData(item=wanted[k % len(wanted)],
                                                                                   kind="service"))])
    session.commit()
    return {"skills": n_spaces * per_space, "ingest_seconds": round(ingest, 2),
            "skills_ingested_per_second": round(n_spaces * per_space / ingest)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spaces", type=int, default=1_000)
    parser.add_argument("--skills-per-space", type=int, default=20)
    parser.add_argument("--needs", type=int, default=300)
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", help="SQLAlchemy URI (default: SQLite in a temp folder)")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select

    from corete import create_app
    from corete.extensions import db
    from corete.purchasing.models import Need

    results: dict = {"mapping": bench_mapping(args.texts)}
    m = results["mapping"]
    print(f"mapping: {m['texts']} texts in {m['seconds']} s, {m['texts_per_second']}/s "
          f"({m['per_text_us']} µs each); {m['by_how']}")
    uri = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='corete-bench-')}/skills.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri})
    results["database"] = uri.split(":")[0]
    with app.app_context():
        upgrade()
        results["network"] = populate(app, db.session, args.spaces, args.skills_per_space, args.needs)
        n = results["network"]
        print(f"{n['skills']} skills received through the handler in {n['ingest_seconds']} s "
              f"({n['skills_ingested_per_second']}/s, mapping included)")
        client = app.test_client()
        need_ids = list(db.session.scalars(select(Need.id).order_by(Need.id).limit(args.runs)))
        cases = {
            "search_page_design": "/skills?q=design",
            "search_page_commercialista": "/skills?q=commercialista",
            "search_page_category_city": "/skills?category=media&city=Roma",
            "api_skills_video": "/api/v1/skills?q=video",
            "space_page_with_matches": "/spaces/spazio-0",
            "digest": "/digest",
        }
        for name, url in cases.items():
            results[name] = timed(client, url, args.runs)[0]
            print(f"{name:<28} median {results[name]['median_ms']:>8} ms   p90 {results[name]['p90_ms']:>8} ms   {url}")
        times = []
        for need_id in need_ids:
            t0 = time.perf_counter()
            response = client.get(f"/api/v1/skills/match?need={need_id}")
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        results["match_api"] = dict(summary(times), needs=len(need_ids),
                                    matches_last=len(response.get_json()["matches"]))
        print(f"{'match_api':<28} median {results['match_api']['median_ms']:>8} ms   "
              f"p90 {results['match_api']['p90_ms']:>8} ms   /api/v1/skills/match?need=<id>")
    print("saved", save("skills", {"when": dt.datetime.now().isoformat(), **results}))


if __name__ == "__main__":
    main()
