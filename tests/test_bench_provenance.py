"""bench/provenance.py: results record what they measured, and stale ones are found."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bench import provenance

SOURCES = {"toy": ("engine", "data/toy.csv")}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A committed repository with one benchmark's sources, a file it does not measure, an ignored file."""
    root = tmp_path / "project"
    for name, text in {"bench/toy.py": "print(1)\n", "engine/model.py": "A = 1\n", "data/toy.csv": "x\n1\n",
                       "docs/readme.md": "notes\n", ".gitignore": "__pycache__/\n",
                       "engine/__pycache__/model.cpython-311.pyc": "bytes"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "init")
    return root


def write(root: Path, benchmark: str = "toy") -> Path:
    path = root / "bench" / "results" / f"{benchmark}.json"
    provenance.write_result(path, {"score": 0.5}, benchmark, root, SOURCES)
    return path


def test_a_written_result_records_commit_cleanliness_and_the_sources_hash(project: Path) -> None:
    written = json.loads(write(project).read_text())
    record = written.pop("provenance")
    assert written == {"score": 0.5}
    assert record["benchmark"] == "toy" and record["commit"] == git(project, "rev-parse", "HEAD").strip()
    assert record["sources"] == ["bench/toy.py", "engine", "data/toy.csv"]
    assert record["files"] == 3, "the ignored .pyc and the unmeasured docs are not sources"
    assert record["dirty"] is False and record["sources_dirty"] is False  # measured on a clean checkout
    assert record["sources_sha256"] == provenance.sources_sha256(project, record["sources"])[0]
    assert record["measured_at"].endswith("Z")


def test_uncommitted_changes_are_recorded_and_told_apart(project: Path) -> None:
    (project / "docs" / "readme.md").write_text("draft\n")
    record = json.loads(write(project).read_text())["provenance"]
    assert record["dirty"] is True and record["sources_dirty"] is False
    (project / "engine" / "model.py").write_text("A = 2\n")
    assert json.loads(write(project).read_text())["provenance"]["sources_dirty"] is True


def test_the_hash_follows_content_and_names_only(project: Path) -> None:
    paths = provenance.sources("toy", SOURCES)
    before = provenance.sources_sha256(project, paths)
    (project / "docs" / "readme.md").write_text("changed\n")
    (project / "engine" / "__pycache__" / "model.cpython-311.pyc").write_text("other bytes")
    assert provenance.sources_sha256(project, paths) == before
    (project / "engine" / "model.py").rename(project / "engine" / "renamed.py")
    assert provenance.sources_sha256(project, paths)[0] != before[0]


def test_fresh_until_a_measured_source_changes(project: Path, capsys) -> None:
    result = write(project)
    assert provenance.check_file(result, project, SOURCES)[0].fresh
    (project / "docs" / "readme.md").write_text("unrelated change\n")
    assert provenance.check_file(result, project, SOURCES)[0].fresh
    (project / "data" / "toy.csv").write_text("x\n2\n")
    verdict = provenance.check_file(result, project, SOURCES)[0]
    assert not verdict.fresh and verdict.reason.startswith("stale: bench/toy.py engine data/toy.csv changed")


@pytest.mark.parametrize("change", ["add", "delete", "bench"])
def test_new_deleted_or_benchmark_files_make_it_stale(project: Path, change: str) -> None:
    result = write(project)
    if change == "add":
        (project / "engine" / "extra.py").write_text("B = 1\n")
    elif change == "delete":
        (project / "engine" / "model.py").unlink()
    else:
        (project / "bench" / "toy.py").write_text("print(2)\n")
    assert not provenance.check_file(result, project, SOURCES)[0].fresh


def test_a_changed_source_list_makes_it_stale(project: Path) -> None:
    result = write(project)
    verdict = provenance.check_file(result, project, {"toy": ("engine",)})[0]
    assert not verdict.fresh and "sources are now bench/toy.py engine" in verdict.reason


def test_missing_provenance_and_unknown_benchmarks_are_not_fresh(project: Path) -> None:
    results = project / "bench" / "results"
    results.mkdir(parents=True)
    (results / "old.json").write_text(json.dumps({"score": 1}))
    (results / "other.json").write_text(json.dumps({"provenance": {"benchmark": "other"}}))
    verdicts = {v.name: v for v in provenance.check(results, project, SOURCES)}
    assert verdicts["bench/results/old.json"].reason.startswith("no provenance")
    assert verdicts["bench/results/other.json"].reason.startswith("unknown benchmark 'other'")
    assert not any(v.fresh for v in verdicts.values())


def test_entries_of_a_table_of_results_are_checked_one_by_one(project: Path) -> None:
    table = {"base": provenance.stamp({"score": 1}, "toy", project, SOURCES), "note": "text"}
    (project / "data" / "toy.csv").write_text("x\n3\n")
    table["variant"] = provenance.stamp({"score": 2}, "toy", project, SOURCES)
    path = project / "bench" / "results" / "table.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(table))
    verdicts = provenance.check_file(path, project, SOURCES)
    assert [(v.name, v.fresh) for v in verdicts] == [("bench/results/table.json[base]", False),
                                                     ("bench/results/table.json[variant]", True)]


def test_main_lists_every_result_and_fails_on_a_stale_one(project: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(provenance, "PROJECT_ROOT", project)
    monkeypatch.setattr(provenance, "SOURCES", SOURCES)
    results = ["--results", str(write(project).parent)]
    assert provenance.main(results) == 0
    assert "FRESH  bench/results/toy.json" in capsys.readouterr().out
    (project / "engine" / "model.py").write_text("A = 3\n")
    assert provenance.main(results) == 1
    captured = capsys.readouterr()
    assert "STALE  bench/results/toy.json" in captured.out and "1 of 1 results" in captured.err


def test_every_benchmark_module_has_a_sources_entry() -> None:
    modules = {p.stem for p in (provenance.PROJECT_ROOT / "bench").glob("*.py")} - {"__init__", "provenance"}
    assert modules <= set(provenance.SOURCES), f"add to SOURCES: {sorted(modules - set(provenance.SOURCES))}"
