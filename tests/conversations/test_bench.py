"""bench/conversations.py without the stack: the figures it copies and the document it writes."""

from __future__ import annotations

import json
from pathlib import Path

from bench import conversations as bench


def test_figures_of_other_benchmarks_are_copied_or_null(tmp_path: Path) -> None:
    (tmp_path / "faq.json").write_text(json.dumps({"faq_direct_answer_rate": 0.84, "other": 1}))
    (tmp_path / "nlu.json").write_text("not json")
    figures = bench.copied_figures(tmp_path)
    assert figures == {"faq_direct_answer_rate": 0.84, "faq_direct_answer_precision": None,
                       "faq_unanswerable_refusal_rate": None, "nlu_banking77_accuracy": None}
    assert set(bench.copied_figures(tmp_path / "missing").values()) == {None}


def test_the_document_has_the_headline_keys_per_half() -> None:
    half = {"conversations": 2, "turns": 9, "turn_accuracy": 0.8, "conversation_success": 0.5, "categories": {}}
    summary = {"dev": half, "heldout": {**half, "turn_accuracy": 0.7}, "all": {**half, "conversations": 4,
                                                                               "turns": 18}}
    document = bench.result_document(summary, False, bench.PROJECT_ROOT, 12.34, 56.7, {"nlu_banking77_accuracy": 0.9})
    assert document["n_conversations"] == 4 and document["n_turns"] == 18
    assert document["turn_accuracy_dev"] == 0.8 and document["turn_accuracy_heldout"] == 0.7
    assert document["conversation_success_heldout"] == 0.5
    assert document["nlu_banking77_accuracy"] == 0.9 and document["project_root"] == "."
    assert "categories" in document["halves"]["dev"]
