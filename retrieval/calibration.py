"""Calibrates the answer / margin / grey-zone thresholds on the calibration questions and writes
them to the committed thresholds file the engine reads; then reports on the held-out questions.

    python -m retrieval.calibration [--precision 0.95] [--refusal 0.9] [--kb data/knowledge_base] [--model-dir models/faq-encoder]

Three question sets, never mixed: the articles' own ``questions`` are indexed and train the
domain-tuned encoder; ``paraphrases/calibration.yml`` only picks the thresholds; the held-out
``tests/heldout/faq_questions.yml`` (outside data/) is only scored. Scores depend on the model
and on the scoring configuration, so the file holds one entry per model name, recording the
scoring it was calibrated for.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.decision import (
    Calibration,
    Outcome,
    ScoredQuery,
    Thresholds,
    calibrate,
    decide_scored,
)
from retrieval.encoder import Encoder, load_encoder
from retrieval.engine import FaqRetriever, ScoringConfig
from retrieval.evaluation import load_paraphrases, recall_at, score_paraphrases

THRESHOLDS_FILE = "thresholds.json"
CALIBRATION_SET = Path("paraphrases") / "calibration.yml"
# Held-out questions live outside data/ (never indexed, trained on or calibrated on); an
# absolute path, so `kb_dir / HELDOUT_SET` still names it.
HELDOUT_SET = Path(__file__).resolve().parent.parent / "tests" / "heldout" / "faq_questions.yml"
DEFAULT_PRECISION = 0.95  # a wrong confident answer costs more than a "did you mean"
DEFAULT_REFUSAL = 0.9  # share of out-of-scope calibration questions that must get "don't know"


class ThresholdsMissingError(LookupError):
    """No calibrated thresholds for the model (and scoring) in use."""


def load_thresholds(kb_dir: Path | str, model_name: str, scoring: ScoringConfig | None = None) -> Thresholds:
    """The thresholds calibrated for *model_name* (and, when given, *scoring*); a clear error
    naming the fix when absent or calibrated for another scoring configuration."""
    path = Path(kb_dir) / THRESHOLDS_FILE
    entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if model_name not in entries:
        raise ThresholdsMissingError(
            f"{path} has no thresholds for model {model_name!r}; run `python -m retrieval.calibration`."
        )
    entry = entries[model_name]
    if scoring is not None and entry.get("scoring") != scoring.describe():
        raise ThresholdsMissingError(
            f"{path}: the thresholds for {model_name!r} were calibrated for scoring {entry.get('scoring')!r}, "
            f"the engine scores {scoring.describe()!r}; run `python -m retrieval.calibration`."
        )
    return Thresholds(answer=entry["answer"], suggest=entry["suggest"], margin=entry.get("margin", 0.0))


def save_thresholds(
    kb_dir: Path | str, model_name: str, result: Calibration, precision: float, refusal: float, scoring: ScoringConfig
) -> Path:
    path = Path(kb_dir) / THRESHOLDS_FILE
    entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    entries[model_name] = {
        "answer": round(result.thresholds.answer, 4),
        "margin": round(result.thresholds.margin, 4),
        "suggest": round(result.thresholds.suggest, 4),
        "answer_precision_target": precision,
        "refusal_target": refusal,
        "scoring": scoring.describe(),
        "calibrated_on": str(CALIBRATION_SET),
        "questions": result.total,
    }
    path.write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class SplitReport:
    """What the assistant does with one question set. "In scope": the knowledge base answers it."""

    questions: int
    in_scope: int
    recall_at_1: float
    recall_at_3: float
    answered: int  # all questions answered directly, out-of-scope ones included
    answered_correct: int
    answered_in_scope: int
    suggested: int
    suggested_in_scope: int
    suggested_useful: int  # shortlisted questions whose article is among the offered titles
    unknown: int
    unknown_out_of_scope: int  # "don't know" to a question the knowledge base cannot answer

    @property
    def out_of_scope(self) -> int:
        return self.questions - self.in_scope

    @property
    def answered_share(self) -> float:
        return self.answered / self.questions

    @property
    def deferred_share(self) -> float:
        return (self.suggested + self.unknown) / self.questions

    @property
    def direct_answer_rate(self) -> float:
        """Share of answerable questions answered directly (right or wrong)."""
        return self.answered_in_scope / self.in_scope if self.in_scope else 0.0

    @property
    def direct_answer_precision(self) -> float | None:
        """Among answerable questions answered directly, the share answered with their article."""
        return self.answered_correct / self.answered_in_scope if self.answered_in_scope else None

    @property
    def answer_precision(self) -> float | None:
        """Among all questions answered directly, out-of-scope ones counting as wrong."""
        return self.answered_correct / self.answered if self.answered else None

    @property
    def refusal_rate(self) -> float | None:
        """Share of out-of-scope questions that get "don't know" (not a shortlist, not an answer)."""
        return self.unknown_out_of_scope / self.out_of_scope if self.out_of_scope else None

    @property
    def shortlist_rate(self) -> float:
        """Share of answerable questions that get a shortlist."""
        return self.suggested_in_scope / self.in_scope if self.in_scope else 0.0

    def as_dict(self) -> dict:
        rounded = lambda x: None if x is None else round(x, 4)
        return {
            **self.__dict__,
            "out_of_scope": self.out_of_scope,
            "answered_share": round(self.answered_share, 4),
            "deferred_share": round(self.deferred_share, 4),
            "direct_answer_rate": round(self.direct_answer_rate, 4),
            "direct_answer_precision": rounded(self.direct_answer_precision),
            "answer_precision": rounded(self.answer_precision),
            "refusal_rate": rounded(self.refusal_rate),
            "shortlist_rate": round(self.shortlist_rate, 4),
        }


def report(scored: Sequence[ScoredQuery], thresholds: Thresholds) -> SplitReport:
    """What the assistant would do with each scored question under *thresholds*."""
    counts = {outcome: 0 for outcome in Outcome}
    answered_correct = answered_in_scope = suggested_in_scope = suggested_useful = unknown_out_of_scope = 0
    for q in scored:
        outcome = decide_scored(q, thresholds)
        counts[outcome] += 1
        if outcome is Outcome.ANSWER:
            answered_correct += q.correct
            answered_in_scope += q.expected is not None
        elif outcome is Outcome.SUGGEST:
            suggested_in_scope += q.expected is not None
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
        answered_in_scope=answered_in_scope,
        suggested=counts[Outcome.SUGGEST],
        suggested_in_scope=suggested_in_scope,
        suggested_useful=suggested_useful,
        unknown=counts[Outcome.UNKNOWN],
        unknown_out_of_scope=unknown_out_of_scope,
    )


def score_split(retriever: FaqRetriever, path: Path) -> list[ScoredQuery]:
    return score_paraphrases(retriever, load_paraphrases(path, set(retriever.articles)))


def calibrate_and_report(
    retriever: FaqRetriever, kb_dir: Path, precision: float = DEFAULT_PRECISION, refusal: float = DEFAULT_REFUSAL
) -> tuple[Calibration, SplitReport, SplitReport]:
    """Thresholds from the calibration split; what they do on the calibration and held-out splits."""
    calibration_scored = score_split(retriever, kb_dir / CALIBRATION_SET)
    result = calibrate(calibration_scored, answer_precision=precision, refusal_rate=refusal)
    heldout_scored = score_split(retriever, kb_dir / HELDOUT_SET)
    return result, report(calibration_scored, result.thresholds), report(heldout_scored, result.thresholds)


def print_reports(model_name: str, scoring: ScoringConfig, thresholds: Thresholds, reports: dict[str, SplitReport]) -> None:
    t = thresholds
    print(f"model: {model_name}\nscoring: {scoring.describe()}")
    print(f"thresholds: answer >= {t.answer:.4f} with a lead >= {t.margin:.4f}, shortlist >= {t.suggest:.4f}")
    print(
        "| split | questions (in scope / out) | recall@1 | recall@3 | direct answers (of in scope) | precision "
        "(in scope / all) | shortlist (of in scope) | out of scope declined |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, r in reports.items():
        fmt = lambda x: "-" if x is None else f"{x:.3f}"
        print(
            f"| {name} | {r.questions} ({r.in_scope} / {r.out_of_scope}) | {r.recall_at_1:.3f} | {r.recall_at_3:.3f} "
            f"| {r.answered_in_scope} ({r.direct_answer_rate:.3f}) | {fmt(r.direct_answer_precision)} / {fmt(r.answer_precision)} "
            f"| {r.suggested_in_scope} ({r.shortlist_rate:.3f}) | {r.unknown_out_of_scope} ({fmt(r.refusal_rate)}) |"
        )


def main(argv: Sequence[str] | None = None, encoder: Encoder | None = None) -> int:
    from assistant import settings

    parser = argparse.ArgumentParser(prog="python -m retrieval.calibration", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--kb", type=Path, default=Path(settings.get("FAQ_KB_DIR")))
    parser.add_argument("--model-dir", type=Path, default=Path(settings.get("FAQ_MODEL_DIR")))
    parser.add_argument("--precision", type=float, default=DEFAULT_PRECISION, help="answer precision target")
    parser.add_argument("--refusal", type=float, default=DEFAULT_REFUSAL, help="share of out-of-scope questions declined")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the thresholds file")
    args = parser.parse_args(argv)
    encoder = encoder or load_encoder(args.model_dir)
    with tempfile.TemporaryDirectory() as index_dir:
        retriever = FaqRetriever.load_or_build(args.kb, index_dir, encoder, progress=True)
        result, calibration_report, heldout_report = calibrate_and_report(retriever, args.kb, args.precision, args.refusal)
    print_reports(
        encoder.name, retriever.scoring, result.thresholds, {"calibration": calibration_report, "held out": heldout_report}
    )
    if not args.dry_run:
        print(f"wrote {save_thresholds(args.kb, encoder.name, result, args.precision, args.refusal, retriever.scoring)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
