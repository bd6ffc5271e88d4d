"""bench/nlu.py's own logic: the BANKING77 loader, subsets, Rasa YAML, pipeline variants, no result without data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import bench.nlu as bench
from bench.nlu import (
    DataMissing,
    Example,
    load_split,
    stratified,
    variant_pipeline,
    write_rasa_nlu,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def write_csv(directory: Path, name: str, body: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.csv").write_text(body, encoding="utf-8")


def test_missing_data_exits_non_zero_with_a_clear_message_and_writes_nothing(tmp_path: Path) -> None:
    results = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-c",
         (f"import sys, bench.nlu as b; from pathlib import Path; b.RESULTS_DIR = Path({str(results)!r}); "
         f"sys.exit(b.main(['--data', {str(tmp_path / 'absent')!r}]))")],
        check=False, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "BANKING77 train split not found" in done.stderr and "No result was written" in done.stderr
    assert not results.exists()


def test_missing_data_leaves_existing_results_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = tmp_path / "results"
    results.mkdir()
    (results / "nlu.json").write_text('{"nlu_banking77_accuracy": 0.5}\n')
    monkeypatch.setattr(bench, "RESULTS_DIR", results)
    write_csv(tmp_path / "b77", "train", "text,category\nhello,greet\n")  # test.csv missing
    assert bench.main(["--data", str(tmp_path / "b77"), "--quick"]) == 2
    assert (results / "nlu.json").read_text() == '{"nlu_banking77_accuracy": 0.5}\n'
    assert sorted(p.name for p in results.iterdir()) == ["nlu.json"]


def test_loader_reads_rows_and_normalises_whitespace(tmp_path: Path) -> None:
    write_csv(tmp_path, "train", 'text,category\n"I am  still waiting\non my card?",card_arrival\nhi,greet\n')
    assert load_split(tmp_path, "train") == [
        Example("I am still waiting on my card?", "card_arrival"), Example("hi", "greet"),
    ]


@pytest.mark.parametrize("body, reason", [
    ("sentence,label\nhi,greet\n", "expected columns text,category"),
    ("text,category\n", "no rows"),
    ("text,category\nhi,\n", "unusable rows at lines [2]"),
    ("text,category\nok,a\nsend [10](amount) now,b\n", "unusable rows at lines [3]"),
])
def test_loader_refuses_malformed_files(tmp_path: Path, body: str, reason: str) -> None:
    write_csv(tmp_path, "train", body)
    with pytest.raises(DataMissing, match=reason.replace("[", r"\[").replace("]", r"\]")):
        load_split(tmp_path, "train")


def test_stratified_subset_is_per_intent_deterministic_and_drawn_from_the_rows() -> None:
    rows = [Example(f"{intent} {i}", intent) for intent in ("a", "b", "c") for i in range(10 if intent != "c" else 2)]
    subset = stratified(rows, 4)
    assert sorted(r.intent for r in subset) == ["a"] * 4 + ["b"] * 4 + ["c"] * 2
    assert set(subset) <= set(rows)
    assert stratified(rows, 4) == subset
    assert stratified(rows, 4, seed=1) != subset


def test_rasa_yaml_keeps_every_example_under_its_intent(tmp_path: Path) -> None:
    rows = [Example("where's my card?", "card_arrival"), Example("rate: 1.2 €", "exchange_rate"),
            Example("still waiting - any news", "card_arrival")]
    write_rasa_nlu(rows, tmp_path / "nlu.yml")
    data = yaml.safe_load((tmp_path / "nlu.yml").read_text())
    assert data["version"] == "3.1"
    examples = {block["intent"]: [line[2:] for line in block["examples"].splitlines()] for block in data["nlu"]}
    assert examples == {"card_arrival": ["where's my card?", "still waiting - any news"],
                        "exchange_rate": ["rate: 1.2 €"]}


def test_variants_change_only_what_they_name() -> None:
    base = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["pipeline"]
    assert variant_pipeline(base, "config") == base
    sparse = variant_pipeline(base, "sparse")
    assert bench.FEATURIZER not in {c["name"] for c in sparse}
    assert [c for c in base if c["name"] != bench.FEATURIZER] == sparse
    for start, token, encoder in ((sparse, "e5", "e5_small"), (base, "use", "use_m3")):
        # added right before DIET, in place of a featurizer with the same encoder (config.yml has USE)
        changed = variant_pipeline(start, token)
        names = [c["name"] for c in changed]
        assert names.count(bench.FEATURIZER) == 1
        assert names.index(bench.FEATURIZER) == names.index("DIETClassifier") - 1
        assert next(c for c in changed if c["name"] == bench.FEATURIZER)["encoder"] == encoder
        assert [c for c in changed if c["name"] != bench.FEATURIZER] == sparse
    both = [c for c in variant_pipeline(base, "use+e5") if c["name"] == bench.FEATURIZER]
    assert [c["encoder"] for c in both] == ["use_m3", "e5_small"]
    rescaled = next(c for c in variant_pipeline(base, "use+scale22.6") if c["name"] == bench.FEATURIZER)
    configured = next(c for c in base if c["name"] == bench.FEATURIZER)
    assert (rescaled["encoder"], rescaled["scale"]) == (configured["encoder"], configured["scale"])
    dense = variant_pipeline(base, "use+dense+layers1+epochs7")
    assert not {c["name"] for c in dense} & bench.SPARSE
    assert next(c for c in dense if c["name"] == bench.FEATURIZER)["token_features"] is True
    diet = next(c for c in dense if c["name"] == "DIETClassifier")
    assert (diet["number_of_transformer_layers"], diet["epochs"]) == (1, 7)
    assert base == yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["pipeline"]  # not mutated
    with pytest.raises(ValueError, match="unknown variant token"):
        variant_pipeline(base, "use+bert")
