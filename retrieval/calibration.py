"""Calibrates the answer / grey-zone thresholds on the calibration paraphrases and writes them
to the committed thresholds file the engine reads; then reports on the held-out test part.

    python -m retrieval.calibration [--precision 0.95] [--kb data/knowledge_base] [--model-dir models/faq-encoder]

Scores depend on the model, so the file holds one entry per model name (the base MiniLM and
the domain-tuned encoder); the test paraphrases are only scored, never used to pick anything.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from retrieval.decision import Calibration, Outcome, ScoredQuery, Thresholds, calibrate, decide_scored
from retrieval.encoder import Encoder, load_encoder
from retrieval.engine import FaqRetriever
from retrieval.evaluation import load_paraphrases, recall_at, score_paraphrases


THRESHOLDS_FILE = "thresholds.json"
CALIBRATION_SET = Path("paraphrases") / "calibration.yml"
# Held-out questions live outside data/ (never indexed, trained on or calibrated on); an
# absolute path, so `kb_dir / TEST_SET` still names it.
TEST_SET = Path(__file__).resolve().parent.parent / "tests" / "heldout" / "faq_questions.yml"
DEFAULT_PRECISION = 0.95  # a wrong confident answer costs more than a "did you mean"


class ThresholdsMissingError(LookupError):
    """No calibrated thresholds for the model in use."""


def load_thresholds(kb_dir: Path | str, model_name: str) -> Thresholds:
    """The thresholds calibrated for *model_name*; a clear error naming the fix when absent."""
    path = Path(kb_dir) / THRESHOLDS_FILE
    entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if model_name not in entries:
        raise ThresholdsMissingError(
            f"{path} has no thresholds for model {model_name!r}; run `python -m retrieval.calibration`."
        )
    entry = entries[model_name]
    return Thresholds(answer=entry["answer"], suggest=entry["suggest"])


def save_thresholds(kb_dir: Path | str, model_name: str, result: Calibration, precision: float) -> Path:
    path = Path(kb_dir) / THRESHOLDS_FILE
    entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    entries[model_name] = {
        "answer": round(result.thresholds.answer, 4),
        "suggest": round(result.thresholds.suggest, 4),
        "answer_precision_target": precision,
        "calibrated_on": str(CALIBRATION_SET),
        "questions": result.total,
    }
    path.write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class SplitReport:
    questions: int
    in_scope: int
    recall_at_1: float
    recall_at_3: float
    answered: int
    answered_correct: int
    suggested: int
    suggested_useful: int  # grey-zone questions whose article is among the offered titles
    unknown: int
    unknown_out_of_scope: int  # "don't know" to a question the knowledge base cannot answer

    @property
    def answered_share(self) -> float:
        return self.answered / self.questions

    @property
    def deferred_share(self) -> float:
        return (self.suggested + self.unknown) / self.questions

    def as_dict(self) -> dict:
        return {
            **self.__dict__,
            "answered_share": round(self.answered_share, 4),
            "deferred_share": round(self.deferred_share, 4),
            "answer_precision": round(self.answered_correct / self.answered, 4) if self.answered else None,
        }


def report(scored: Sequence[ScoredQuery], thresholds: Thresholds) -> SplitReport:
    """What the assistant would do with each scored question under *thresholds*."""
    counts = {outcome: 0 for outcome in Outcome}
    answered_correct = suggested_useful = unknown_out_of_scope = 0
    for q in scored:
        outcome = decide_scored(q, thresholds)
        counts[outcome] += 1
        if outcome is Outcome.ANSWER:
            answered_correct += q.expected is not None and q.ranked[:1] == (q.expected,)
        elif outcome is Outcome.SUGGEST:
            suggested_useful += q.expected is not None and q.expected in q.ranked[:3]
        else:
            unknown_out_of_scope += q.expected is None
    return SplitReport(
        questions=len(scored),
        in_scope=sum(q.expected is not None for q in scored),
        recall_at_1=recall_at(scored, 1),
        recall_at_3=recall_at(scored, 3),
        answered=counts[Outcome.ANSWER],
        answered_correct=answered_correct,
        suggested=counts[Outcome.SUGGEST],
        suggested_useful=suggested_useful,
        unknown=counts[Outcome.UNKNOWN],
        unknown_out_of_scope=unknown_out_of_scope,
    )


def calibrate_and_report(
    retriever: FaqRetriever, kb_dir: Path, precision: float
) -> tuple[Calibration, SplitReport, SplitReport]:
    ids = set(retriever.articles)
    calibration_scored = score_paraphrases(retriever, load_paraphrases(kb_dir / CALIBRATION_SET, ids))
    result = calibrate(calibration_scored, answer_precision=precision)
    test_scored = score_paraphrases(retriever, load_paraphrases(kb_dir / TEST_SET, ids))
    return result, report(calibration_scored, result.thresholds), report(test_scored, result.thresholds)


def print_reports(model_name: str, result: Calibration, reports: dict[str, SplitReport]) -> None:
    t = result.thresholds
    print(f"model: {model_name}\nthresholds: answer >= {t.answer:.4f}, suggest >= {t.suggest:.4f}")
    print("| split | questions | recall@1 | recall@3 | answered (correct) | grey zone (article offered) | don't know (out of scope) |")
    print("|---|---|---|---|---|---|---|")
    for name, r in reports.items():
        print(
            f"| {name} | {r.questions} | {r.recall_at_1:.3f} | {r.recall_at_3:.3f} | {r.answered} ({r.answered_correct}) "
            f"| {r.suggested} ({r.suggested_useful}) | {r.unknown} ({r.unknown_out_of_scope}) |"
        )


def main(argv: Sequence[str] | None = None, encoder: Encoder | None = None) -> int:
    from assistant import settings

    parser = argparse.ArgumentParser(prog="python -m retrieval.calibration", description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=Path(settings.get("FAQ_KB_DIR")))
    parser.add_argument("--model-dir", type=Path, default=Path(settings.get("FAQ_MODEL_DIR")))
    parser.add_argument("--precision", type=float, default=DEFAULT_PRECISION, help="answer precision target")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the thresholds file")
    args = parser.parse_args(argv)
    encoder = encoder or load_encoder(args.model_dir)
    with tempfile.TemporaryDirectory() as index_dir:
        retriever = FaqRetriever.load_or_build(args.kb, index_dir, encoder, progress=True)
        result, calibration_report, test_report = calibrate_and_report(retriever, args.kb, args.precision)
    print_reports(encoder.name, result, {"calibration": calibration_report, "test (held out)": test_report})
    if not args.dry_run:
        print(f"wrote {save_thresholds(args.kb, encoder.name, result, args.precision)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
