"""Start-up benchmark: how long a `corete` command takes before it does anything.

Each command runs as a fresh process (the console script of the virtualenv), ``--runs``
times after one warm-up run (so the figures are of a warm file cache, as on a server
running `corete poll --due` from cron): `corete --help`, `corete poll --due` with nothing
due on a migrated SQLite database (and on PostgreSQL with --database), and, for
comparison, Python alone and the import of the whole web app.

    python bench/bench_startup.py [--runs 10] [--database URI]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import save, summary  # noqa: E402  (bench/, the script's own folder)

CORETE = str(Path(sys.executable).with_name("corete"))


def run(args: list[str], env: dict, runs: int) -> dict:
    subprocess.run(args, env=env, check=True, capture_output=True)  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        times.append((time.perf_counter() - t0) * 1000)
    return summary(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database", help="a database URI (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        uri = args.database or f"sqlite:///{folder}/bench.sqlite3"
        env = {**os.environ, "CORETE_SECRET_KEY": "bench", "CORETE_SQLALCHEMY_DATABASE_URI": uri}
        subprocess.run([CORETE, "db", "upgrade"], env=env, check=True, capture_output=True)
        results = {
            "python -c pass": run([sys.executable, "-c", "pass"], env, args.runs),
            "corete --help": run([CORETE, "--help"], env, args.runs),
            "corete poll --due (nothing due)": run([CORETE, "poll", "--due"], env, args.runs),
            "import of the whole web app": run([sys.executable, "-c", "from corete import create_app; create_app()"],
                                               env, args.runs),
        }
    for name, figures in results.items():
        print(f"{name:36} median {figures['median_ms']:7.1f} ms   p90 {figures['p90_ms']:7.1f} ms")
    print("saved", save("startup", {"database": uri.split(":")[0], "runs": args.runs, "results": results}))


if __name__ == "__main__":
    main()
