"""Train the ticket category/priority model: ``python -m support.train [--if-stale]``.

Fits on the ``train`` rows of ``data/support/messages.csv``, measures on the
held-out ``eval`` rows, and writes the model with its manifest (data hash,
held-out metrics) to ``SUPPORT_MODEL_DIR``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Optional, Sequence

from assistant import settings
from support.routing import LABELLED_DATA, RoutingModel, evaluate, file_sha256, load_labelled, read_manifest


def is_current(model_dir: Path, data: Path) -> bool:
    """A saved model exists and was trained on exactly *data*."""
    try:
        return read_manifest(model_dir).get("data_sha256") == file_sha256(data)
    except (OSError, ValueError):
        return False


def train(model_dir: Path, data: Path = LABELLED_DATA, progress=print) -> dict:
    """Fit, evaluate on the held-out split, save; returns the held-out metrics."""
    started = time.perf_counter()
    messages = load_labelled(data)
    train_rows = [m for m in messages if m.split == "train"]
    eval_rows = [m for m in messages if m.split == "eval"]
    progress(f"[1/3] loaded {len(messages)} labelled messages: {len(train_rows)} train, {len(eval_rows)} held out")
    model = RoutingModel.fit(train_rows, progress=lambda line: progress(f"[2/3] {line}"))
    metrics = asdict(evaluate(model, eval_rows, len(train_rows)))
    progress("[3/3] held out: " + ", ".join(f"{k} {v:.3f}" for k, v in metrics.items() if isinstance(v, float)))
    manifest = model.save(model_dir, {"data_sha256": file_sha256(data), "data_file": data.name, "heldout": metrics})
    progress(f"wrote {manifest} in {time.perf_counter() - started:.1f} s")
    return metrics


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m support.train", description=__doc__.splitlines()[0])
    parser.add_argument("--if-stale", action="store_true", help="only when the saved model does not match the data")
    parser.add_argument("--data", type=Path, default=LABELLED_DATA, help="labelled CSV (default: %(default)s)")
    args = parser.parse_args(argv)
    model_dir = Path(settings.get("SUPPORT_MODEL_DIR"))
    if args.if_stale and is_current(model_dir, args.data):
        print(f"{model_dir}: up to date")
        return 0
    try:
        train(model_dir, args.data)
    except (OSError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
