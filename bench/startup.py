"""Startup and conversation latency of the whole assistant, as `make run` starts it.

Measures, with the embedded defaults (SQLite app DB and tracker, in-memory lock
store) in a scratch directory:
- train_s: `rasa train --force` of the current data (skipped with --skip-train);
- ready_s: launcher start until the Rasa server answers HTTP (both servers up);
- turn_p50_ms / turn_p95_ms: REST round trip of each message of complete
  order-status conversations (greet, ask, order number, email, thanks).

    python -m bench.startup [--conversations 50] [--skip-train]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from assistant.environments import VENV_ROOT
from assistant.settings import PROJECT_ROOT
from assistant.stack_process import ROOT_VARIABLE, StackProcess, free_port, texts
from bench.provenance import write_result
from commerce.demo import demo_logins

RESULTS = PROJECT_ROOT / "bench" / "results" / "startup.json"
RESULTS_QUICK = PROJECT_ROOT / "bench" / "results" / "startup.quick.json"


def time_training(scratch: Path) -> float:
    print("[bench] training the Rasa model from scratch (rasa train --force) ...", flush=True)
    started = time.monotonic()
    subprocess.run(
        [str(VENV_ROOT / "rasa" / "bin" / "rasa"), "train", "--force", "--data", "data/nlu", "data/rules",
         "data/stories", "--out", str(scratch / "models")],
        cwd=PROJECT_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    return time.monotonic() - started


def measure(root: Path, scratch: Path, conversations: int) -> tuple[float, list[float], int, int]:
    """Start the assistant of checkout *root* on a fresh embedded database in *scratch* and play
    *conversations* order-status conversations: (ready_s, turn latencies in ms, answered, played)."""
    scratch.mkdir(parents=True, exist_ok=True)
    python = root / ".venv" / "actions" / "bin" / "python"
    env = {
        **os.environ,
        "APP_DATABASE_URL": f"sqlite:///{scratch / 'app.db'}",
        "TRACKER_DATABASE_URL": f"sqlite:///{scratch / 'tracker.db'}",
        "REDIS_URL": "",
        "RASA_PORT": str(free_port()),
        "ACTION_SERVER_PORT": str(free_port()),
        "WEB_PORT": "0",
        "CONSOLE_PORT": "0",
        "ACTION_ENDPOINT_URL": "",
        "RASA_API_TOKEN": uuid.uuid4().hex,
        "PYTHONPATH": str(root),
        ROOT_VARIABLE: str(root),
    }
    print(f"[bench] seeding the embedded database ({root}) ...", flush=True)
    subprocess.run([str(python), "-m", "commerce", "seed"], env=env, cwd=root, check=True, stdout=subprocess.DEVNULL)
    stack = StackProcess(env=env, log_path=scratch / "launcher.log")
    print("[bench] starting the stack ...", flush=True)
    ready_s = stack.start()
    latencies: list[float] = []
    answered = 0
    try:
        inputs = demo_logins(env["APP_DATABASE_URL"], limit=conversations)
        for index, login in enumerate(inputs, 1):
            number, email = login.number, login.email
            sender = f"bench-{uuid.uuid4().hex[:10]}"
            for text in ("hi", "where is my order?", number, email, "thanks"):
                started = time.perf_counter()
                answer = stack.say(sender, text)
                latencies.append((time.perf_counter() - started) * 1000)
                answered += text == email and f"Order {number} is" in texts(answer)
            if index % 10 == 0 or index == len(inputs):
                print(f"[bench] {index}/{len(inputs)} conversations", flush=True)
    finally:
        stack.stop()
    return ready_s, latencies, answered, len(inputs)


def figures(ready_s: float, latencies: list[float], answered: int, played: int) -> dict:
    return {
        "ready_s": round(ready_s, 2),
        "turn_p50_ms": round(float(np.percentile(latencies, 50)), 1),
        "turn_p95_ms": round(float(np.percentile(latencies, 95)), 1),
        "turn_max_ms": round(max(latencies), 1),
        "messages": len(latencies),
        "conversations_answered": f"{answered}/{played}",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50, help="5 messages each (default 50)")
    parser.add_argument("--skip-train", action="store_true", help="do not measure training time")
    parser.add_argument("--quick", action="store_true", help="CI size: 40 conversations, no training")
    parser.add_argument("--baseline-root", type=Path, default=None,
                        help="another checkout (e.g. a worktree of an earlier commit, with its own models/) "
                             "measured right after this one, so the two compare on the same machine state")
    args = parser.parse_args(argv)
    if args.quick:
        args.conversations, args.skip_train = 40, True

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        scratch = Path(tmp)
        train_s = None if args.skip_train else time_training(scratch)
        result = figures(*measure(PROJECT_ROOT, scratch / "current", args.conversations))
        if args.baseline_root is not None:
            baseline = figures(*measure(args.baseline_root.resolve(), scratch / "baseline", args.conversations))
            commit = subprocess.run(["git", "-C", str(args.baseline_root), "rev-parse", "--short", "HEAD"],
                                    capture_output=True, text=True).stdout.strip()
            result["baseline"] = {"commit": commit, **baseline}
            result["turn_p50_ratio"] = round(result["turn_p50_ms"] / baseline["turn_p50_ms"], 3)
            result["turn_p95_ratio"] = round(result["turn_p95_ms"] / baseline["turn_p95_ms"], 3)
    result["train_s"] = None if train_s is None else round(train_s, 1)
    result["config"] = "embedded defaults (SQLite app DB + tracker, in-memory lock store)"
    write_result(RESULTS_QUICK if args.quick else RESULTS, result, "startup")
    print("\n| metric | value |\n|---|---|")
    for key, value in result.items():
        print(f"| {key} | {value} |")
    print(f"\nwritten to {(RESULTS_QUICK if args.quick else RESULTS).relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
