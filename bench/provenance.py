"""Where a benchmark figure comes from, and whether it still describes the code.

Every benchmark writes its result through ``write_result`` (or stamps a table entry with
``stamp``), which adds a ``provenance`` record:

    "provenance": {"benchmark": "market", "commit": "<git HEAD>", "dirty": true,
                   "sources_dirty": false, "sources": ["bench/market.py", "market"],
                   "sources_sha256": "<hex>", "files": 31, "measured_at": "2026-12-03T20:41:07Z"}

``sources_sha256`` covers every file under the benchmark's ``SOURCES`` (the code and data
the figure measures, plus the benchmark itself) as it was on disk when it was measured:
``dirty`` says the checkout had uncommitted changes, ``sources_dirty`` that the measured
sources themselves did. A result is *fresh* while the same sources still hash the same.

    python -m bench.provenance          # (make bench-check) each result in bench/results: fresh or stale

lists every ``bench/results/*.json`` and exits 1 if any is stale, has no provenance or
names a benchmark this map does not know. Data read from outside the repository
(MovieLens, BANKING77: fixed public releases) is not hashed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"

# What each benchmark measures (repository paths, files or directories), as in the landing
# checklist's map (/work/shared/hooks/before-stop, section 5); bench/<name>.py is added to each.
SOURCES: dict[str, tuple[str, ...]] = {
    "startup": ("config.yml", "domain.yml", "data/nlu", "data/rules", "data/stories", "actions", "channels",
                "dialogue", "assistant"),
    "faq": ("retrieval", "data/knowledge_base"),
    "market": ("market",),
    "recsys": ("recsys",),
    "routing": ("support", "data/support"),
    "conversations": ("config.yml", "domain.yml", "data", "actions", "dialogue", "retrieval", "tests/conversations"),
    "load": ("config.yml", "domain.yml", "data", "actions", "channels", "dialogue", "assistant", "endpoints.yml"),
    "faults": ("channels", "assistant", "endpoints.yml", "actions"),
    "nlu": ("config.yml", "nlu", "data/nlu", "tests/nlu_holdout.yml"),
}


def sources(benchmark: str, sources_map: Mapping[str, tuple[str, ...]] = SOURCES) -> tuple[str, ...]:
    """The paths *benchmark*'s figures depend on: its map entry and bench/<benchmark>.py."""
    return (f"bench/{benchmark}.py", *sources_map[benchmark])


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=60,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})  # never take the shared index lock
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout


def source_files(root: Path, paths: Sequence[str]) -> list[str]:
    """Files under *paths* (relative to *root*) that git would commit: tracked or untracked, not ignored.

    Without git (an exported tree) every file under *paths* except __pycache__ counts.
    """
    listed = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *paths)
    if listed is not None:
        names = set(listed.split("\0")) - {""}
    else:
        names = set()
        for path in paths:
            full = root / path
            found = [full] if full.is_file() else [p for p in full.rglob("*") if p.is_file()]
            names.update(p.relative_to(root).as_posix() for p in found if "__pycache__" not in p.parts)
    return sorted(name for name in names if (root / name).is_file())  # a deleted tracked file is gone


def sources_sha256(root: Path, paths: Sequence[str]) -> tuple[str, int]:
    """sha256 over the (path, content) of every source file, in path order; and the number of files.

    Invariant: equal for two trees exactly when the same files under *paths* have the same bytes.
    """
    digest = hashlib.sha256()
    files = source_files(root, paths)
    for name in files:
        digest.update(name.encode() + b"\0" + hashlib.sha256((root / name).read_bytes()).digest())
    return digest.hexdigest(), len(files)


def record(benchmark: str, root: Path = PROJECT_ROOT,
           sources_map: Mapping[str, tuple[str, ...]] = SOURCES) -> dict[str, Any]:
    """The provenance of a figure of *benchmark* measured now on the tree at *root*."""
    paths = sources(benchmark, sources_map)
    digest, count = sources_sha256(root, paths)
    head = _git(root, "rev-parse", "HEAD")
    status = _git(root, "status", "--porcelain")
    source_status = _git(root, "status", "--porcelain", "--", *paths)
    return {
        "benchmark": benchmark,
        "commit": head.strip() if head else None,
        "dirty": None if status is None else bool(status.strip()),
        "sources_dirty": None if source_status is None else bool(source_status.strip()),
        "sources": list(paths),
        "sources_sha256": digest,
        "files": count,
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def stamp(result: dict[str, Any], benchmark: str, root: Path = PROJECT_ROOT,
          sources_map: Mapping[str, tuple[str, ...]] = SOURCES) -> dict[str, Any]:
    """*result* with its ``provenance`` record (for an entry of a table of results)."""
    return {**result, "provenance": record(benchmark, root, sources_map)}


def write_result(path: Path, result: dict[str, Any], benchmark: str, root: Path = PROJECT_ROOT,
                 sources_map: Mapping[str, tuple[str, ...]] = SOURCES) -> dict[str, Any]:
    """Write *result* with its provenance to *path* as indented JSON; return what was written."""
    stamped = stamp(result, benchmark, root, sources_map)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stamped, indent=2) + "\n", encoding="utf-8")
    return stamped


@dataclass(frozen=True)
class Verdict:
    """Whether one result (a file, or one entry of a table of results) still describes the code."""

    name: str
    fresh: bool
    reason: str


def _check_record(name: str, provenance: dict[str, Any], root: Path,
                  sources_map: Mapping[str, tuple[str, ...]]) -> Verdict:
    benchmark = str(provenance.get("benchmark"))
    if benchmark not in sources_map:
        return Verdict(name, False, f"unknown benchmark {benchmark!r}: add it to SOURCES in bench/provenance.py")
    paths = sources(benchmark, sources_map)
    digest, _ = sources_sha256(root, paths)
    measured = f"measured {provenance.get('measured_at')} at {str(provenance.get('commit'))[:10]}" + (
        " (uncommitted sources)" if provenance.get("sources_dirty") else "")
    if list(paths) != provenance.get("sources"):
        return Verdict(name, False, f"stale: the benchmark's sources are now {' '.join(paths)}; {measured}")
    if digest != provenance.get("sources_sha256"):
        return Verdict(name, False, f"stale: {' '.join(paths)} changed since it was {measured}")
    return Verdict(name, True, f"fresh: {measured}")


def check_file(path: Path, root: Path = PROJECT_ROOT,
               sources_map: Mapping[str, tuple[str, ...]] = SOURCES) -> list[Verdict]:
    """Verdicts for a result file: one for its top-level provenance, or one per stamped entry of a table."""
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        return [Verdict(name, False, f"not JSON ({error})")]
    if isinstance(content, dict) and isinstance(content.get("provenance"), dict):
        return [_check_record(name, content["provenance"], root, sources_map)]
    entries = {key: value["provenance"] for key, value in (content.items() if isinstance(content, dict) else ())
               if isinstance(value, dict) and isinstance(value.get("provenance"), dict)}
    if not entries:
        return [Verdict(name, False, "no provenance: measured before results recorded it; re-run its benchmark")]
    return [_check_record(f"{name}[{key}]", record, root, sources_map) for key, record in entries.items()]


def check(results_dir: Path = RESULTS_DIR, root: Path = PROJECT_ROOT,
          sources_map: Mapping[str, tuple[str, ...]] = SOURCES) -> list[Verdict]:
    """Verdicts for every result file in *results_dir*, in name order."""
    return [v for path in sorted(results_dir.glob("*.json")) for v in check_file(path, root, sources_map)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="List each benchmark result as fresh or stale.")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="directory of result JSON files")
    args = parser.parse_args(argv)
    verdicts = check(args.results, PROJECT_ROOT, SOURCES)
    width = max((len(v.name) for v in verdicts), default=0)
    for verdict in verdicts:
        print(f"{'FRESH' if verdict.fresh else 'STALE'}  {verdict.name:{width}s}  {verdict.reason}")
    stale = [v for v in verdicts if not v.fresh]
    if stale:
        print(f"\n{len(stale)} of {len(verdicts)} results do not describe the current code; re-run their "
              "benchmarks (make bench) before quoting them.", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
