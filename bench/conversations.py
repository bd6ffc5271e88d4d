"""Multi-turn conversations against the real stack: turn accuracy and conversation success.

    python -m bench.conversations            # every conversation of tests/conversations/{dev,heldout}
    python -m bench.conversations --quick    # CI size: every fourth conversation of each half
    python -m bench.conversations --project-root /work/before --out /tmp/before.json   # another checkout

Plays the conversations with ``tests/conversations/runner.py`` (the checks of ``make test``) on a
stack started as the tests start it (PostgreSQL app DB and tracker store, Redis), and writes
``bench/results/conversations.json``: counts, turn accuracy and conversation success per half and
per category, plus the FAQ and NLU headline figures copied from ``bench/results/faq.json`` and
``bench/results/nlu.json`` (null when those are absent). Only figures are written: no message of
the held-out half. ``--quick`` writes ``conversations.quick.json`` and never the full result;
``--project-root`` runs another checkout's launcher (e.g. a worktree of an older commit) under the
same conversations and checks; its provenance names that checkout's commit, so it needs ``--out``
(it would be stale here). The failed turns are in ``var/bench/conversations/``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from assistant.settings import PROJECT_ROOT
from bench.provenance import write_result
from tests.conversations.runner import (
    HALVES,
    load_conversations,
    summarise,
    summary_table,
    write_report,
)
from tests.conversations.stack import WORKERS, run_conversations

RESULTS = PROJECT_ROOT / "bench" / "results"
COPIED = {
    "faq.json": ("faq_direct_answer_rate", "faq_direct_answer_precision", "faq_unanswerable_refusal_rate"),
    "nlu.json": ("nlu_banking77_accuracy",),
}
QUICK_STRIDE = 4


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def copied_figures(results_dir: Path) -> dict[str, Any]:
    """The other benchmarks' headline figures this one reports next to its own (None when absent)."""
    figures: dict[str, Any] = {}
    for file_name, keys in COPIED.items():
        path = results_dir / file_name
        try:
            document = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            document = {}
        figures.update({key: document.get(key) for key in keys})
    return figures


def result_document(summary: dict[str, Any], quick: bool, root: Path, seconds: float, ready_s: float,
                    copied: dict[str, Any]) -> dict[str, Any]:
    """The JSON written: headline keys first (names fixed by issue 11), then per-half detail."""
    every = summary["all"]
    document: dict[str, Any] = {
        "quick": quick,
        "n_conversations": every["conversations"],
        "n_turns": every["turns"],
    }
    for half in HALVES:
        document[f"turn_accuracy_{half}"] = summary[half]["turn_accuracy"]
        document[f"conversation_success_{half}"] = summary[half]["conversation_success"]
    document.update(copied)
    document.update({
        "halves": {half: summary[half] for half in HALVES},
        "project_root": "." if root.resolve() == PROJECT_ROOT.resolve() else str(root),
        "stack_ready_s": round(ready_s, 1),
        "seconds": round(seconds, 1),
    })
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"every {QUICK_STRIDE}th conversation of each half")
    parser.add_argument("--project-root", type=Path, default=PROJECT_ROOT,
                        help="checkout whose assistant is measured (default: this one)")
    parser.add_argument("--out", type=Path, default=None,
                        help="result file (default bench/results/conversations.json, .quick.json with --quick)")
    parser.add_argument("--only", default="", help="only conversations whose id contains this (not for results)")
    parser.add_argument("--workers", type=int, default=WORKERS, help="conversations in flight at once")
    args = parser.parse_args(argv)
    out = args.out or RESULTS / ("conversations.quick.json" if args.quick else "conversations.json")
    if args.only and args.out is None:
        parser.error("--only measures a subset: give --out so the committed result is not overwritten")
    if args.project_root.resolve() != PROJECT_ROOT.resolve() and args.out is None:
        parser.error("--project-root measures another checkout: give --out so the result here is not replaced")

    conversations = load_conversations()
    if args.quick:
        conversations = [c for half in HALVES for c in [c for c in conversations if c.half == half][::QUICK_STRIDE]]
    if args.only:
        conversations = [c for c in conversations if args.only in c.id]
    started = time.monotonic()
    results, ready_s = run_conversations(conversations, PROJECT_ROOT / "var" / "bench" / "conversations-stack",
                                         project_root=args.project_root.resolve(), workers=args.workers, progress=log)
    report = write_report(results, PROJECT_ROOT / "var" / "bench" / "conversations")
    summary = summarise(results)
    document = result_document(summary, args.quick, args.project_root, time.monotonic() - started, ready_s,
                               copied_figures(RESULTS))
    # The provenance names the measured checkout (its commit; with --project-root, that checkout's sources).
    write_result(out, document, "conversations", args.project_root.resolve())
    print(summary_table(summary))
    print(f"\nwritten to {out}; failed turns in {report / 'failures.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
