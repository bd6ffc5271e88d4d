"""Ticket categorisation and priority benchmark on the project's labelled support messages.

    python -m bench.routing            # held-out split + 5-fold cross-validation spread + latency
    python -m bench.routing --quick    # CI: held-out split + latency only

Trains on the ``train`` rows of data/support/messages.csv and evaluates on
its held-out ``eval`` rows (the same split `python -m support.train` uses).
The majority-class baseline is printed for scale. Writes bench/results/routing.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np
from sklearn.metrics import classification_report

from bench.provenance import write_result
from support.routing import CATEGORIES, LABELLED_DATA, RoutingModel, evaluate, file_sha256, load_labelled

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "routing.json"
FOLDS = 5
LATENCY_REQUESTS = {"quick": 100, "full": 500}


def _cross_validation(messages, progress) -> dict[str, dict[str, float]]:
    """Mean and spread over 5 stratified folds of the whole labelled set (a stability check)."""
    by_category: dict[str, list[int]] = {}
    for index, message in enumerate(messages):
        by_category.setdefault(message.category, []).append(index)
    fold_of = {i: position % FOLDS for indices in by_category.values() for position, i in enumerate(indices)}
    scores = []
    for fold in range(FOLDS):
        train = [m for i, m in enumerate(messages) if fold_of[i] != fold]
        held = [m for i, m in enumerate(messages) if fold_of[i] == fold]
        scores.append(asdict(evaluate(RoutingModel.fit(train), held, len(train))))
        progress(f"  fold {fold + 1}/{FOLDS}: category accuracy {scores[-1]['category_accuracy']:.3f}")
    keys = ("category_accuracy", "category_macro_f1", "priority_accuracy", "priority_macro_f1")
    return {k: {"mean": statistics.fmean(s[k] for s in scores), "stdev": statistics.stdev(s[k] for s in scores)}
            for k in keys}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="held-out split and latency only")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    progress = lambda line: print(line, flush=True)  # noqa: E731

    messages = load_labelled(LABELLED_DATA)
    train = [m for m in messages if m.split == "train"]
    held = [m for m in messages if m.split == "eval"]
    progress(f"[1/4] {len(messages)} labelled messages: {len(train)} train, {len(held)} held out")
    started = time.perf_counter()
    model = RoutingModel.fit(train, progress=lambda line: progress(f"[2/4] {line}"))
    train_s = time.perf_counter() - started
    result = evaluate(model, held, len(train))
    predicted = model.predict_many([m.text for m in held])
    report = classification_report([m.category for m in held], [p.category for p in predicted],
                                   labels=list(CATEGORIES), output_dict=True, zero_division=0)
    baseline = {
        "category_accuracy": Counter(m.category for m in held).most_common(1)[0][1] / len(held),
        "priority_accuracy": Counter(m.priority for m in held).most_common(1)[0][1] / len(held),
    }

    requests = LATENCY_REQUESTS["quick" if args.quick else "full"]
    progress(f"[3/4] latency over {requests} single-conversation predictions")
    timings = []
    for i in range(requests):
        text = held[i % len(held)].text
        start = time.perf_counter()
        model.predict(text)
        timings.append((time.perf_counter() - start) * 1000)

    cross_validation = None
    if not args.quick:
        progress(f"[4/4] {FOLDS}-fold cross-validation over all {len(messages)} messages")
        cross_validation = _cross_validation(messages, progress)
    else:
        progress("[4/4] cross-validation skipped (--quick)")

    print()
    print(f"{'metric':<22} {'model':>7} {'majority':>9}")
    for key in ("category_accuracy", "category_macro_f1", "priority_accuracy", "priority_macro_f1"):
        value = getattr(result, key)
        base = baseline.get(key)
        print(f"{key:<22} {value:>7.3f} {'' if base is None else f'{base:.3f}':>9}")
    print(f"{'n_eval':<22} {result.n_eval:>7}")
    print(f"\n{'category':<12} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
    for category in CATEGORIES:
        row = report[category]
        print(f"{category:<12} {row['precision']:>9.2f} {row['recall']:>7.2f} {row['f1-score']:>6.2f} "
              f"{int(row['support']):>4}")
    p50, p95 = np.percentile(timings, [50, 95])
    print(f"\ntrain {train_s:.1f} s; predict p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    if cross_validation:
        print("cross-validation: " + ", ".join(f"{k} {v['mean']:.3f}±{v['stdev']:.3f}"
                                               for k, v in cross_validation.items()))

    payload = {
        **asdict(result),
        "quick": args.quick,
        "majority_baseline": baseline,
        "per_category": {c: {k: report[c][k] for k in ("precision", "recall", "f1-score", "support")}
                         for c in CATEGORIES},
        "train_s": train_s,
        "predict_p50_ms": float(p50),
        "predict_p95_ms": float(p95),
        "cross_validation": cross_validation,
        "data_sha256": file_sha256(LABELLED_DATA),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    write_result(args.out, payload, "routing")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
