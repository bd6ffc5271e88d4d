"""Latency of market questions on the bundled real data, cached and uncached.

Run from the project root: ``python -m bench.market`` (``--quick`` for CI).

The headline figures are for the full single-ticker analysis on the longest
bundled series: the NASDAQ Composite, 20 years of daily bars (1999-2018),
with beta against the S&P 500 (20 years as well). Other question kinds are
reported per question.

* uncached: a new, empty cache for every question, so the analyst fetches
  both histories from the provider, stores them, computes and stores the
  answer. The bundled provider has its files parsed already (that one-off
  load is reported separately as ``cold_load_ms``).
* cached: the same question asked again, answered from the cache
  (in-process store; Redis too when a URL is configured).

Writes ``bench/results/market.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import uuid
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from assistant import settings
from bench.provenance import write_result
from market import golden
from market.bundled import BundledProvider
from market.cache import CachedProvider, CacheStore, MemoryStore, RedisStore
from market.portfolio import Holding
from market.service import MarketAnalyst

RESULTS = Path(__file__).resolve().parent / "results" / "market.json"
HEADLINE = "analyze ^IXIC (20y) vs ^GSPC"
QUESTIONS: dict[str, Callable[[MarketAnalyst], object]] = {
    HEADLINE: lambda a: a.analyze("^IXIC"),
    "analyze AAPL (13y) vs ^GSPC": lambda a: a.analyze("AAPL"),
    "compare ^IXIC, ^GSPC, AAPL": lambda a: a.compare(["^IXIC", "^GSPC", "AAPL"]),
    "portfolio AAPL/MSFT/IBM/^GSPC": lambda a: a.portfolio(
        [Holding("AAPL", amount=4000), Holding("MSFT", amount=3000),
         Holding("IBM", amount=2000), Holding("^GSPC", amount=1000)], risk_free_rate=0.02),
}
TARGETS = {"uncached_p99_ms": 20.0, "cached_p99_ms": 2.0}


def _percentiles(samples: list[float]) -> dict[str, float]:
    ms = np.asarray(samples) * 1e3
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p99_ms": round(float(np.percentile(ms, 99)), 3)}


def _measure(bundled: BundledProvider, ask: Callable[[MarketAnalyst], object], repeats: int,
             new_store: Callable[[], CacheStore]) -> tuple[list[float], list[float]]:
    uncached, cached = [], []
    for k in range(repeats + 3):  # the first 3 warm up imports and decoders, not recorded
        store = new_store()
        analyst = MarketAnalyst(CachedProvider(bundled, store), store, analysis_ttl_s=120)
        started = time.perf_counter()
        first = ask(analyst)
        middle = time.perf_counter()
        again = ask(analyst)
        ended = time.perf_counter()
        if again != first:
            raise AssertionError("a cached answer differs from the computed one")
        if k >= 3:
            uncached.append(middle - started)
            cached.append(ended - middle)
    return uncached, cached


def _redis_store_factory(url: str) -> Optional[Callable[[], CacheStore]]:
    if not url:
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1.0).ping()
    except redis.RedisError as error:
        print(f"Redis at {url} not reachable ({error}); skipping the Redis rows")
        return None
    # a fresh key prefix per question = an empty cache; keys expire after 120 s
    return lambda: RedisStore(url, prefix=f"bench:{uuid.uuid4().hex}:")


def main(argv: Optional[list[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description="Market engine latency benchmark")
    parser.add_argument("--quick", action="store_true", help="30 repeats per question instead of 300")
    parser.add_argument("--redis-url", default=settings.get("REDIS_URL"),
                        help="also measure the Redis cache (default: $REDIS_URL; empty skips)")
    args = parser.parse_args(argv)
    repeats = 30 if args.quick else 300

    bundled = BundledProvider()
    started = time.perf_counter()
    for ticker in bundled.tickers():
        bundled.history(ticker)
    cold_load_ms = (time.perf_counter() - started) * 1e3
    headline = bundled.history("^IXIC")
    years = (headline.as_of - headline.bars.index[0].date()).days / 365.25
    print(f"bundled data parsed in {cold_load_ms:.0f} ms; ^IXIC: {len(headline.bars)} bars, "
          f"{headline.bars.index[0].date()}..{headline.as_of} ({years:.1f} years)", flush=True)

    stores: dict[str, Callable[[], CacheStore]] = {"memory": MemoryStore}
    redis_factory = _redis_store_factory(args.redis_url)
    if redis_factory is not None:
        stores["redis"] = redis_factory

    by_question: dict[str, dict[str, dict[str, float]]] = {}
    for name, ask in QUESTIONS.items():
        by_question[name] = {}
        for store_name, factory in stores.items():
            print(f"  {name:34s} [{store_name}] x{repeats} ...", end="", flush=True)
            uncached, cached = _measure(bundled, ask, repeats, factory)
            by_question[name][store_name] = {
                "uncached": _percentiles(uncached), "cached": _percentiles(cached)}
            print(" done", flush=True)

    checks = golden.run()
    errors = {k: float(f"{v:.3g}") for k, v in golden.max_errors(checks).items()}
    head = by_question[HEADLINE]["memory"]
    result = {
        "headline_question": HEADLINE,
        "data": {"ticker": "^IXIC", "bars": len(headline.bars), "first": str(headline.bars.index[0].date()),
                 "last": str(headline.as_of), "years": round(years, 2),
                 "note": "longest bundled real series (indices 20 years; stocks 2000-2013 at most)"},
        "repeats": repeats,
        "uncached_p50_ms": head["uncached"]["p50_ms"],
        "uncached_p99_ms": head["uncached"]["p99_ms"],
        "cached_p50_ms": head["cached"]["p50_ms"],
        "cached_p99_ms": head["cached"]["p99_ms"],
        "targets": TARGETS,
        "by_question": by_question,
        "cold_load_ms": round(cold_load_ms, 1),
        "golden_max_abs_error": errors,
        "golden_all_within_tolerance": all(c.passed for c in checks),
        "machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2),
                    "python": platform.python_version()},
    }
    if "redis" in stores:
        result["cached_redis_p50_ms"] = by_question[HEADLINE]["redis"]["cached"]["p50_ms"]
        result["cached_redis_p99_ms"] = by_question[HEADLINE]["redis"]["cached"]["p99_ms"]

    print()
    print(f"{'question':34s} {'store':7s} {'uncached p50':>13s} {'p99':>8s} {'cached p50':>11s} {'p99':>8s}  (ms)")
    for name, rows in by_question.items():
        for store_name, row in rows.items():
            print(f"{name:34s} {store_name:7s} {row['uncached']['p50_ms']:13.2f} {row['uncached']['p99_ms']:8.2f}"
                  f" {row['cached']['p50_ms']:11.3f} {row['cached']['p99_ms']:8.3f}")
    print(f"targets for the headline question: uncached p99 <= {TARGETS['uncached_p99_ms']} ms, "
          f"cached p99 <= {TARGETS['cached_p99_ms']} ms")
    print("golden max abs error: " + ", ".join(f"{k} {v:.1e}" for k, v in errors.items()))
    write_result(RESULTS, result, "market")
    print(f"wrote {RESULTS}")
    return result


if __name__ == "__main__":
    main()
