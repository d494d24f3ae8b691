"""Purchasing benchmark: 10,000 needs from 1,000 spaces across 500 products pooled.

Times ``pooling.pool`` (the rules, in memory, as `corete purchasing simulate` and a
round's close run them): unit conversion (a third of the needs in grams or millilitres,
some in whole packs), history (one need in ten is raised or lowered later), packs,
tiers, allocation, money and shipping. Both allocation policies; median of the runs.

    python bench/bench_purchasing.py [--needs 10000] [--spaces 1000] [--products 500] [--runs 7]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import save, summary  # noqa: E402  (bench/, the script's own folder)

from corete.purchasing import pooling  # noqa: E402

ROME = dt.timezone(dt.timedelta(hours=1))


def scenario(n_needs: int, n_spaces: int, n_products: int, seed: int = 11):
    rng = random.Random(seed)
    units = [("kg", "g", Decimal("0.001")), ("l", "ml", Decimal("0.001")), ("piece", "pz", Decimal(1)),
             ("ream", "ream", Decimal(1))]
    items = []
    for n in range(n_products):
        group, _, _ = units[n % len(units)]
        size = Decimal(rng.choice([1, 2, 5, 6, 10, 12, 24]))
        price = Decimal(rng.randint(200, 20000)) / 100
        tiers = (pooling.Tier(3, price * Decimal("0.95")), pooling.Tier(10, price * Decimal("0.9"))) if n % 3 else ()
        items.append(pooling.Item(f"p{n}", f"Product {n}", group, size, price, pack_unit="box", tiers=tiers,
                                  min_packs=2 if n % 17 == 0 else None, weight_kg=Decimal("1.5")))
    start = dt.datetime(2026, 11, 20, 9, tzinfo=ROME)
    requests = []
    for n in range(n_needs):
        item = items[rng.randrange(n_products)]
        group, small, ratio = units[int(item.sku[1:]) % len(units)]
        member = f"spazio-{rng.randrange(n_spaces):04d}"
        quantity = Decimal(rng.randint(1, 30))
        unit = group
        if n % 3 == 0 and small != group:
            quantity, unit = quantity / ratio, small  # the same amount in grams or millilitres
        elif n % 11 == 0:
            quantity, unit = Decimal(rng.randint(1, 3)), "box"
        at = start + dt.timedelta(minutes=rng.randint(0, 14_000))
        requests.append(pooling.Request(member, item.sku, quantity, unit, at, tolerance=Decimal(rng.randint(0, 4)),
                                        need_by=dt.date(2026, 12, 20)))
        if n % 10 == 0:  # raised or lowered later: R-HISTORY
            requests.append(pooling.Request(member, item.sku, quantity + rng.randint(-1, 5), unit,
                                            at + dt.timedelta(hours=rng.randint(1, 48)),
                                            tolerance=Decimal(rng.randint(0, 4)), need_by=dt.date(2026, 12, 20)))
    return items, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--spaces", type=int, default=1_000)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    items, requests = scenario(args.needs, args.spaces, args.products)
    supplier = pooling.Supplier("Centrale", shipping=pooling.Shipping(Decimal("49.00"), "value", Decimal("5000")))
    results: dict = {"needs": args.needs, "values_with_changes": len(requests), "spaces": args.spaces,
                     "products": args.products, "runs": args.runs}
    for policy in pooling.POLICIES:
        cycle = pooling.Cycle(dt.datetime(2026, 12, 1, 18, tzinfo=ROME), dt.date(2026, 12, 10), policy=policy)
        times = []
        for _ in range(args.runs + 1):
            t0 = time.perf_counter()
            result = pooling.pool(cycle, supplier, items, requests)
            times.append((time.perf_counter() - t0) * 1000)
        results[policy] = dict(summary(times[1:]), status=result.status, lines=len(result.lines),
                               members=len(result.members), goods_total=str(result.goods_total))
        print(f"{policy:<13} median {results[policy]['median_ms']:>8} ms   p90 {results[policy]['p90_ms']:>8} ms   "
              f"{len(requests)} need values, {len(result.lines)} lines, {len(result.members)} spaces charged")
    save("purchasing", results)


if __name__ == "__main__":
    main()
