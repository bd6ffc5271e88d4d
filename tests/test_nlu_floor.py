"""tests/nlu_floor.py reads Rasa's NLU reports and fails below its floors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import nlu_floor

HOLDOUT = "nlu:\n- intent: greet\n  examples: |\n    - hello again\n    - evening!\n- intent: inform\n  examples: |\n" \
          "    - it says [1647382](order_number)\n    - i used [a@example.org](email)\n"


def entity_rows(**f1: float) -> dict:
    rows = {name: {"precision": v, "recall": v, "f1-score": v, "support": 1, "confused_with": {}} for name, v in f1.items()}
    return {**rows, "weighted avg": {"f1-score": 0.0, "support": 2}, "accuracy": 0.99}


def write_reports(directory: Path, accuracy: float = 1.0, weighted_f1: float = 1.0, support: int = 4,
                  **extractors: dict) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "intent_report.json").write_text(json.dumps({
        "greet": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 2},
        "accuracy": accuracy,
        "weighted avg": {"precision": 1.0, "recall": accuracy, "f1-score": weighted_f1, "support": support},
    }))
    for name, report in extractors.items():
        (directory / f"{name}_report.json").write_text(json.dumps(report))
    return directory


@pytest.fixture
def holdout(tmp_path: Path) -> Path:
    path = tmp_path / "holdout.yml"
    path.write_text(HOLDOUT)
    return path


def good_entities() -> dict:
    return {"RegexEntityExtractor": entity_rows(order_number=1.0, email=1.0),
            "DIETClassifier": entity_rows(order_number=0.5, email=0.9)}


def test_reports_at_or_above_every_floor_pass(tmp_path: Path, holdout: Path, capsys) -> None:
    reports = write_reports(tmp_path / "nlu", accuracy=nlu_floor.INTENT_FLOORS["accuracy"],
                            weighted_f1=nlu_floor.INTENT_FLOORS["weighted_f1"], **good_entities())
    assert nlu_floor.main([str(reports), "--holdout", str(holdout)]) == 0
    out = capsys.readouterr().out
    assert "entity order_number F1: 1.000 by RegexEntityExtractor" in out and "every floor holds" in out


@pytest.mark.parametrize("figures, message", [
    ({"accuracy": 0.70}, "intent accuracy 0.700 is below its floor"),
    ({"weighted_f1": 0.50}, "intent weighted_f1 0.500 is below its floor"),
])
def test_intent_figures_below_a_floor_fail(tmp_path: Path, holdout: Path, figures: dict, message: str) -> None:
    reports = write_reports(tmp_path / "nlu", **figures, **good_entities())
    problems = nlu_floor.check(reports, holdout)
    assert len(problems) == 1 and message in problems[0]
    assert nlu_floor.main([str(reports), "--holdout", str(holdout)]) == 1


def test_the_best_extractor_counts_and_a_weak_entity_fails(tmp_path: Path, holdout: Path) -> None:
    reports = write_reports(tmp_path / "nlu", RegexEntityExtractor=entity_rows(order_number=0.6, email=1.0),
                            DIETClassifier=entity_rows(order_number=0.8, email=0.1))
    problems = nlu_floor.check(reports, holdout)
    floor = nlu_floor.ENTITY_F1_FLOORS["order_number"]
    assert problems == [(f"entity order_number F1 0.800 (best: DIETClassifier) is below its floor {floor} "
                        f"(see {reports}/*_errors.json)")]


def test_a_floored_entity_missing_from_the_reports_fails(tmp_path: Path, holdout: Path) -> None:
    reports = write_reports(tmp_path / "nlu", RegexEntityExtractor=entity_rows(email=1.0))
    assert nlu_floor.check(reports, holdout) == [
        "no extractor reports entity 'order_number': the hold-out must exercise it"]


def test_a_report_of_another_holdout_or_none_fails(tmp_path: Path, holdout: Path) -> None:
    stale = write_reports(tmp_path / "nlu", support=3, **good_entities())
    assert "covers 3 examples but holdout.yml has 4" in nlu_floor.check(stale, holdout)[0]
    assert "intent_report.json not found" in nlu_floor.check(tmp_path / "missing", holdout)[0]
