"""Intent classification benchmark: the project's Rasa NLU pipeline on BANKING77.

    python -m bench.nlu                      # full: train on all 10,003 train rows, test on all 3,080
    python -m bench.nlu --quick              # CI: 20 train / 6 test rows per intent; NOT comparable
    python -m bench.nlu --variant use        # the pipeline of config.yml changed by a variant (below)
    python -m bench.nlu --per-intent 30      # a stratified train subset, for cheap experiments
    python -m bench.nlu --project-only --variant use   # only the project's own data (no BANKING77)

The pipeline is the ``pipeline:`` of ``config.yml`` (same components, same
settings), optionally changed by a variant: ``+``-joined tokens applied in order,

    config      unchanged
    use         the sentence-embedding featurizer with USE multilingual v3 (nlu/), unscaled,
                in place of a USE featurizer already there (config.yml has one, scaled)
    e5          the sentence-embedding featurizer with multilingual-e5-small, likewise
    sparse      no sentence-embedding featurizer: the sparse-only pipeline config.yml had
                before (keys measured then start without it; docs/nlu.md)
    dense       drop the sparse featurizers (regex, lexical, count vectors); the sentence
                featurizers then also give per-token features (DIET needs sequence features)
    nochar      drop the char_wb count vectors
    layersN     DIET number_of_transformer_layers = N
    epochsN     DIET epochs = N
    embedN      DIET embedding_dimension = N (default 20)
    scaleX      multiply the sentence embeddings by X (they are unit length; e.g. scale22.6
                gives components of about unit variance for 512 dims)

e.g. ``use+layers1``. Rasa (``.venv/rasa``) trains on BANKING77 train written
as Rasa YAML into a temporary directory (with its own Rasa cache, so nothing is
reused between runs) and ``nlu/evaluate.py`` parses every test message one at a
time. Reported: test intent accuracy and macro-F1, training wall time and peak
RSS, parse latency p50/p95 and the parsing process's RSS. In full mode the same
pipeline is also trained on the project's own data and scored on
``tests/nlu_holdout.yml`` (``--skip-project`` to leave that out).

Results: ``bench/results/nlu.json`` (full run of the unchanged config.yml pipeline:
the headline ``nlu_banking77_accuracy``), ``bench/results/nlu_variants.json``
(every full or subset run, keyed by variant), ``bench/results/nlu.quick.json``
(``--quick``; never the full files); each result and each table entry carries a
``provenance`` record (``bench/provenance.py``). BANKING77 (CC BY 4.0, Casanueva et al. 2020,
"Efficient Intent Detection with Dual Sentence Encoders") is read from
``../shared/data/banking77`` and never copied into the repository; when it is
missing the benchmark exits with status 2 and writes nothing.
"""

from __future__ import annotations

import argparse
import copy
import csv
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.metrics import accuracy_score, f1_score

from assistant.environments import VENV_ROOT
from assistant.settings import PROJECT_ROOT
from bench.provenance import stamp, write_result

DATA_DIR = PROJECT_ROOT.parent / "shared" / "data" / "banking77"
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
CONFIG = PROJECT_ROOT / "config.yml"
RASA = VENV_ROOT / "rasa" / "bin" / "rasa"
RASA_PYTHON = VENV_ROOT / "rasa" / "bin" / "python"
SPACY_MODEL_META = PROJECT_ROOT / "models" / "spacy_market" / "meta.json"
PROJECT_DATA = ("data/nlu", "data/rules", "data/stories")
HOLDOUT = PROJECT_ROOT / "tests" / "nlu_holdout.yml"
SEED = 77
QUICK = {"train_per_intent": 20, "test_per_intent": 6}
FEATURIZER = "nlu.sentence_featurizer.SentenceEmbeddingFeaturizer"
SPARSE = {"RegexFeaturizer", "LexicalSyntacticFeaturizer", "CountVectorsFeaturizer"}
# Rasa's entity annotation syntax, "[text](entity)" or "[text]{...}": such a text would
# not train as written, so the loader refuses it instead of silently changing it.
ANNOTATION = re.compile(r"\[[^\]]*\][({]")


class DataMissing(Exception):
    """BANKING77 is not where the benchmark reads it, or is malformed."""


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


def log(message: str) -> None:
    print(f"[bench.nlu] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Data


def load_split(directory: Path, name: str) -> list[Example]:
    """Rows of ``directory/name.csv`` (columns ``text,category``); DataMissing when absent or malformed."""
    path = directory / f"{name}.csv"
    if not path.is_file():
        raise DataMissing(
            f"BANKING77 {name} split not found at {path}. The benchmark reads the data set from "
            f"../shared/data/banking77 relative to the project root (train.csv, test.csv)."
        )
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"text", "category"} <= set(reader.fieldnames):
            raise DataMissing(f"{path}: expected columns text,category, found {reader.fieldnames}")
        rows = [Example(" ".join(row["text"].split()), row["category"].strip()) for row in reader]
    bad = [i for i, row in enumerate(rows, 2) if not row.text or not row.intent or ANNOTATION.search(row.text)]
    if not rows or bad:
        raise DataMissing(f"{path}: {'no rows' if not rows else f'unusable rows at lines {bad[:5]}'}")
    return rows


def stratified(rows: list[Example], per_intent: int, seed: int = SEED) -> list[Example]:
    """At most *per_intent* rows of each intent, chosen at random with *seed* (same rows every run)."""
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for row in rows:
        by_intent[row.intent].append(row)
    rng = random.Random(seed)
    chosen: list[Example] = []
    for intent in sorted(by_intent):
        group = by_intent[intent]
        chosen += rng.sample(group, min(per_intent, len(group)))
    return chosen


def data_sha256(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in ("train.csv", "test.csv"):
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()


def write_rasa_nlu(rows: list[Example], path: Path) -> None:
    """Rasa 3 YAML training data: one ``intent`` block per intent, examples in file order."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_intent[row.intent].append(row.text)
    lines = ['version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in by_intent[intent]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Pipeline variants


def featurizer(encoder: str) -> dict[str, Any]:
    return {"name": FEATURIZER, "encoder": encoder, "alias": encoder, "threads": 1}


def _insert_before_classifier(pipeline: list[dict[str, Any]], component: dict[str, Any]) -> None:
    """Put *component* right before DIET, replacing a sentence featurizer with the same encoder."""
    pipeline[:] = [c for c in pipeline
                   if not (c["name"] == component["name"] and c.get("encoder") == component.get("encoder"))]
    at = next(i for i, c in enumerate(pipeline) if c["name"] == "DIETClassifier")
    pipeline.insert(at, component)


def _diet(pipeline: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in pipeline if c["name"] == "DIETClassifier")


def apply_token(pipeline: list[dict[str, Any]], token: str) -> list[dict[str, Any]]:
    """*pipeline* changed by one variant token (see the module docstring); ValueError for an unknown one."""
    pipeline = copy.deepcopy(pipeline)
    if token == "config":
        pass
    elif token == "use":
        _insert_before_classifier(pipeline, featurizer("use_m3"))
    elif token == "e5":
        _insert_before_classifier(pipeline, featurizer("e5_small"))
    elif token == "sparse":
        pipeline = [c for c in pipeline if c["name"] != FEATURIZER]
    elif token == "dense":
        pipeline = [c for c in pipeline if c["name"] not in SPARSE]
        for component in pipeline:
            if component["name"] == FEATURIZER:
                component["token_features"] = True
    elif token == "nochar":
        pipeline = [c for c in pipeline
                    if not (c["name"] == "CountVectorsFeaturizer" and c.get("analyzer") == "char_wb")]
    elif match := re.fullmatch(r"layers(\d+)", token):
        _diet(pipeline)["number_of_transformer_layers"] = int(match.group(1))
    elif match := re.fullmatch(r"epochs(\d+)", token):
        _diet(pipeline)["epochs"] = int(match.group(1))
    elif match := re.fullmatch(r"embed(\d+)", token):
        _diet(pipeline)["embedding_dimension"] = int(match.group(1))
    elif match := re.fullmatch(r"scale(\d+(?:\.\d+)?)", token):
        for component in pipeline:
            if component["name"] == FEATURIZER:
                component["scale"] = float(match.group(1))
    else:
        raise ValueError(f"unknown variant token {token!r} (see `python -m bench.nlu --help`)")
    return pipeline


def variant_pipeline(base: list[dict[str, Any]], variant: str) -> list[dict[str, Any]]:
    pipeline = base
    for token in variant.split("+"):
        pipeline = apply_token(pipeline, token)
    return pipeline


def rasa_config(variant: str) -> dict[str, Any]:
    """config.yml with its pipeline changed by *variant* (policies kept for the project's own training)."""
    config = yaml.safe_load(CONFIG.read_text())
    config["pipeline"] = variant_pipeline(config["pipeline"], variant)
    return config


# ---------------------------------------------------------------------------------------------
# Running Rasa


def rasa_env(cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "RASA_CACHE_DIRECTORY": str(cache),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
    }


def run_measured(command: list[str], env: dict[str, str], log_path: Path) -> tuple[float, float]:
    """Run *command* from the project root; (wall seconds, peak RSS in MB). CalledProcessError on failure."""
    started = time.monotonic()
    with log_path.open("w") as log_file:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    if process.returncode != 0:
        tail = "".join(log_path.read_text(errors="replace").splitlines(keepends=True)[-30:])
        raise subprocess.CalledProcessError(process.returncode, command, output=tail)
    return seconds, usage.ru_maxrss / 1024


def train_banking77(config: dict[str, Any], train: list[Example], work: Path) -> dict[str, Any]:
    write_rasa_nlu(train, work / "train.yml")
    (work / "config.yml").write_text(yaml.safe_dump({k: config[k] for k in ("recipe", "language", "pipeline")}))
    log(f"training on {len(train)} examples ...")
    seconds, peak = run_measured(
        [str(RASA), "train", "nlu", "--config", str(work / "config.yml"), "--nlu", str(work / "train.yml"),
         "--out", str(work / "models"), "--fixed-model-name", "banking77"],
        rasa_env(work / "cache"), work / "train.log",
    )
    return {"train_s": round(seconds, 1), "train_peak_rss_mb": round(peak, 1),
            "model": work / "models" / "banking77.tar.gz"}


def evaluate(model: Path, test: list[Example], intents: list[str], work: Path) -> dict[str, Any]:
    (work / "messages.json").write_text(json.dumps([row.text for row in test]))
    log(f"parsing {len(test)} test messages one at a time ...")
    run_measured([str(RASA_PYTHON), "-m", "nlu.evaluate", str(model), str(work / "messages.json"),
                  str(work / "parsed.json")], rasa_env(work / "cache"), work / "evaluate.log")
    parsed = json.loads((work / "parsed.json").read_text())
    gold = [row.intent for row in test]
    milliseconds = np.array(parsed["seconds"]) * 1000
    return {
        "nlu_banking77_accuracy": round(float(accuracy_score(gold, parsed["top"])), 4),
        "macro_f1": round(float(f1_score(gold, parsed["top"], labels=intents, average="macro", zero_division=0)), 4),
        "accuracy_with_fallback": round(float(accuracy_score(gold, parsed["predicted"])), 4),
        "fallback_rate": round(float(np.mean([p == "nlu_fallback" for p in parsed["predicted"]])), 4),
        "parse_p50_ms": round(float(np.percentile(milliseconds, 50)), 2),
        "parse_p95_ms": round(float(np.percentile(milliseconds, 95)), 2),
        "encoder_ms": parsed.get("encoder_ms") or None,
        "model_load_s": round(parsed["load_s"], 1),
        "parse_rss_mb": parsed["rss_mb"],
        "parse_peak_rss_mb": parsed["peak_rss_mb"],
    }


def snapshot_project(work: Path) -> tuple[dict[str, Path], str]:
    """Copy the project's training inputs and hold-out into *work*; their paths there and one sha256 of them.

    Other work may edit data/ while a run trains: a snapshot makes one run's training and
    test see the same files, and the hash says whether two runs measured the same inputs.
    """
    digest = hashlib.sha256()
    paths: dict[str, Path] = {}
    for name in ("domain.yml", *PROJECT_DATA, "tests/nlu_holdout.yml"):
        source, target = PROJECT_ROOT / name, work / "project_inputs" / name
        files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        for file in files:
            copy_to = target / file.relative_to(source) if source.is_dir() else target
            copy_to.parent.mkdir(parents=True, exist_ok=True)
            copy_to.write_bytes(file.read_bytes())
            digest.update(file.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
        paths[name] = target
    return paths, digest.hexdigest()


def project_holdout(config: dict[str, Any], work: Path) -> dict[str, Any]:
    """Train the project's model with *config* into *work* (never models/) and score tests/nlu_holdout.yml.

    Both run on a snapshot of domain.yml, data/{nlu,rules,stories} and the hold-out taken first.
    """
    inputs, inputs_sha256 = snapshot_project(work)
    (work / "project_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    log("training the project's own model with this pipeline ...")
    env = rasa_env(work / "project_cache")
    seconds, peak = run_measured(
        [str(RASA), "train", "--config", str(work / "project_config.yml"), "--domain", str(inputs["domain.yml"]),
         "--data", *(str(inputs[d]) for d in PROJECT_DATA), "--out", str(work / "project"),
         "--fixed-model-name", "project"],
        env, work / "project_train.log",
    )
    log("rasa test nlu on tests/nlu_holdout.yml ...")
    run_measured([str(RASA), "test", "nlu", "--nlu", str(inputs["tests/nlu_holdout.yml"]),
                  "--model", str(work / "project" / "project.tar.gz"), "--out", str(work / "project_results")],
                 env, work / "project_test.log")
    report = json.loads((work / "project_results" / "intent_report.json").read_text())
    return {
        "train_s": round(seconds, 1),
        "train_peak_rss_mb": round(peak, 1),
        "holdout_accuracy": round(report["accuracy"], 4),
        "holdout_weighted_f1": round(report["weighted avg"]["f1-score"], 4),
        "holdout_macro_f1": round(report["macro avg"]["f1-score"], 4),
        "holdout_examples": int(report["weighted avg"]["support"]),
        "inputs_sha256": inputs_sha256,
    }


# ---------------------------------------------------------------------------------------------
# Provenance and results


def encoder_versions() -> dict[str, str]:
    probe = ("import json; from nlu.sentence_featurizer import ENCODERS, encoder_version; "
             "print(json.dumps({n: encoder_version(n) for n in ENCODERS}))")
    done = subprocess.run([str(RASA_PYTHON), "-c", probe], check=False, cwd=PROJECT_ROOT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
                          capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else {}


def merge_variant(path: Path, key: str, result: dict[str, Any]) -> None:
    """Add or replace the entry *key* of the variants table, stamped with its own provenance."""
    table = json.loads(path.read_text()) if path.exists() else {}
    table[key] = stamp(result, "nlu")
    path.write_text(json.dumps(dict(sorted(table.items())), indent=2) + "\n")


def print_table(result: dict[str, Any]) -> None:
    print("\n| metric | value |\n|---|---|")
    for key, value in result.items():
        if not isinstance(value, (dict, list)):
            print(f"| {key} | {value} |")
    for key, value in (result.get("project") or {}).items():
        print(f"| project.{key} | {value} |")


def run_context(config: dict[str, Any], load_before: float) -> dict[str, Any]:
    """What every result records about the pipeline and the machine besides its figures."""
    return {
        "pipeline": config["pipeline"],
        "pipeline_is_config_yml": config["pipeline"] == yaml.safe_load(CONFIG.read_text())["pipeline"],
        "cpu_count": os.cpu_count(),
        # Other work on the machine stretches the times: the 1-minute load before and after.
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "encoder_versions": encoder_versions() if FEATURIZER in json.dumps(config["pipeline"]) else None,
    }


def project_only(variant: str, config: dict[str, Any]) -> int:
    """Train and score the project's own data with *variant*: entry VARIANT@project of the variants table."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
        try:
            project = project_holdout(config, Path(tmp))
        except subprocess.CalledProcessError as error:
            print(f"[bench.nlu] ERROR: {' '.join(map(str, error.cmd[:3]))} failed:\n{error.output}", file=sys.stderr)
            return 1
    result = {"variant": variant, "project": project, **run_context(config, load_before)}
    merge_variant(RESULTS_DIR / "nlu_variants.json", f"{variant}@project", result)
    print_table(result)
    print("\nwritten to bench/results/nlu_variants.json")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help=f"CI size ({QUICK['train_per_intent']} train / "
                             f"{QUICK['test_per_intent']} test per intent), "
                             "written to nlu.quick.json, not comparable")
    parser.add_argument("--variant", default="config",
                        help="pipeline variant, e.g. sparse or use+layers1 (default: config)")
    parser.add_argument("--per-intent", type=int, help="train on at most this many examples per intent")
    parser.add_argument("--test-per-intent", type=int, help="test on at most this many examples per intent")
    parser.add_argument("--skip-project", action="store_true", help="do not train and score the project's own data")
    parser.add_argument("--project-only", action="store_true",
                        help="only train and score the project's own data (no BANKING77); an entry VARIANT@project")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="BANKING77 directory (train.csv, test.csv)")
    args = parser.parse_args(argv)

    try:
        train, test = ([], []) if args.project_only else (load_split(args.data, "train"), load_split(args.data, "test"))
    except DataMissing as error:
        print(f"[bench.nlu] ERROR: {error} No result was written.", file=sys.stderr)
        return 2
    try:
        config = rasa_config(args.variant)
    except ValueError as error:
        parser.error(str(error))
    if not SPACY_MODEL_META.exists():
        print("[bench.nlu] ERROR: models/spacy_market is missing (the pipeline's SpacyNLP model); "
              "build it with `make spacy-model`. No result was written.", file=sys.stderr)
        return 2
    if args.project_only:
        return project_only(args.variant, config)

    train_per_intent = QUICK["train_per_intent"] if args.quick else args.per_intent
    test_per_intent = QUICK["test_per_intent"] if args.quick else args.test_per_intent
    if train_per_intent:
        train = stratified(train, train_per_intent)
    if test_per_intent:
        test = stratified(test, test_per_intent)
    subset = bool(train_per_intent or test_per_intent)
    intents = sorted({row.intent for row in train})
    log(f"variant {args.variant}: {len(train)} train / {len(test)} test examples, {len(intents)} intents")

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
        work = Path(tmp)
        try:
            trained = train_banking77(config, train, work)
            scores = evaluate(trained.pop("model"), test, intents, work)
            project = None if (subset or args.skip_project) else project_holdout(config, work)
        except subprocess.CalledProcessError as error:
            print(f"[bench.nlu] ERROR: {' '.join(map(str, error.cmd[:3]))} failed:\n{error.output}", file=sys.stderr)
            return 1

    result: dict[str, Any] = {
        "nlu_banking77_accuracy": scores.pop("nlu_banking77_accuracy"),
        **scores,
        **trained,
        "n_train": len(train),
        "n_test": len(test),
        "n_intents": len(intents),
        "quick": args.quick,
        "comparable": not subset,
        "subset": {"train_per_intent": train_per_intent, "test_per_intent": test_per_intent} if subset else None,
        "variant": args.variant,
        "project": project,
        **run_context(config, load_before),
        "data_sha256": data_sha256(args.data),
        "data": "BANKING77 (Casanueva et al. 2020, CC BY 4.0)",
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    if args.quick:
        written = [RESULTS_DIR / "nlu.quick.json"]
        write_result(written[0], result, "nlu")
    else:
        key = args.variant + (f"@train{train_per_intent or 'all'}/test{test_per_intent or 'all'}" if subset else "")
        written = [RESULTS_DIR / "nlu_variants.json"]
        merge_variant(written[0], key, result)
        if not subset and result["pipeline_is_config_yml"]:
            written.append(RESULTS_DIR / "nlu.json")
            write_result(written[-1], result, "nlu")
    print_table(result)
    print("\nwritten to " + ", ".join(str(p.relative_to(PROJECT_ROOT)) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
