"""Parse a list of messages with a trained Rasa model, one at a time, timing each (runs in .venv/rasa).

    .venv/rasa/bin/python -m nlu.evaluate MODEL.tar.gz MESSAGES.json OUT.json

MESSAGES.json is a JSON list of texts. OUT.json gets, in the same order, the
intent the pipeline returns for each text (``predicted``, possibly the
FallbackClassifier's ``nlu_fallback``), the classifier's own best intent (``top``:
the first intent of the ranking that is not ``nlu_fallback``), the wall time of each parse in
seconds (``seconds``), the load time of the model, the p50/p95 milliseconds of each
sentence encoder the model uses embedding one text at a time (``encoder_ms``, first
500 texts) and the process's resident and peak resident memory after parsing. Used by
``bench/nlu.py``, which runs in the other environment; no text is logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

FALLBACK = "nlu_fallback"
ENCODER_TIMING_TEXTS = 500


def memory_mb() -> dict[str, float]:
    """Resident and peak resident memory of this process, from /proc (MB)."""
    status = Path("/proc/self/status").read_text()

    def value(key: str) -> float:
        found = re.search(rf"^{key}:\s+(\d+) kB", status, re.MULTILINE)
        return round(int(found.group(1)) / 1024, 1) if found else float("nan")

    return {"rss_mb": value("VmRSS"), "peak_rss_mb": value("VmHWM")}


async def parse_all(model: Path, texts: list[str]) -> dict[str, Any]:
    """Load *model*, parse every text in order, and return predictions, timings and memory."""
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # As a server would log (no per-message debug lines, which carry the text and cost time).
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)

    started = time.perf_counter()
    agent = Agent.load(str(model))
    load_s = time.perf_counter() - started
    await agent.parse_message("warm up")  # first parse builds lazy state; not counted
    predicted: list[str] = []
    top: list[str] = []
    seconds: list[float] = []
    for text in texts:
        started = time.perf_counter()
        parsed = await agent.parse_message(text)
        seconds.append(time.perf_counter() - started)
        predicted.append((parsed.get("intent") or {}).get("name") or "")
        ranking = [i.get("name") for i in parsed.get("intent_ranking") or [] if i.get("name") != FALLBACK]
        top.append(ranking[0] if ranking else predicted[-1])
    return {"predicted": predicted, "top": top, "seconds": seconds, "load_s": load_s,
            "encoder_ms": encoder_latency(texts[:ENCODER_TIMING_TEXTS]), **memory_mb()}


def encoder_latency(texts: list[str]) -> dict[str, dict[str, float]]:
    """p50/p95 ms of each sentence encoder the loaded model uses, embedding one text at a time."""
    featurizer = sys.modules.get("nlu.sentence_featurizer")
    if featurizer is None or not texts:
        return {}
    timings: dict[str, dict[str, float]] = {}
    for (name, _threads), encode in featurizer._loaded.items():
        seconds = []
        for text in texts:
            started = time.perf_counter()
            encode([text])
            seconds.append(time.perf_counter() - started)
        p50, p95 = np.percentile(np.array(seconds) * 1000, [50, 95])
        timings[name] = {"p50": round(float(p50), 2), "p95": round(float(p95), 2)}
    return timings


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    model, messages, out = (Path(a) for a in argv)
    texts = json.loads(messages.read_text())
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        print(f"{messages}: expected a JSON list of strings", file=sys.stderr)
        return 2
    result = asyncio.run(parse_all(model, texts))
    out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
