"""What to do with a ranked list: answer, offer a few titles, or admit not knowing.

A wrong confident answer costs more than "I'm not sure, did you mean…", so the
answer threshold is chosen on held-out paraphrases to reach a precision target,
and the grey zone below it offers the top titles while they are still useful.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Sequence

from retrieval.engine import SearchHit


class Outcome(str, Enum):
    ANSWER = "answer"
    SUGGEST = "suggest"  # grey zone: "Did you mean one of these?"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Thresholds:
    """Cosine-similarity cut-offs: ``score >= answer`` answers, ``score >= suggest`` suggests."""

    answer: float
    suggest: float

    def __post_init__(self) -> None:
        if self.suggest > self.answer:
            raise ValueError(f"suggest threshold {self.suggest} is above answer threshold {self.answer}")


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    answer: SearchHit | None  # the top hit when outcome is ANSWER
    suggestions: tuple[SearchHit, ...]  # distinct articles, best first, when outcome is SUGGEST

    @property
    def suggested_titles(self) -> tuple[str, ...]:
        return tuple(hit.article.title for hit in self.suggestions)


def decide(hits: Sequence[SearchHit], thresholds: Thresholds, max_suggestions: int = 3) -> Decision:
    """Decide on hits sorted best first (as :meth:`FaqRetriever.search` returns them)."""
    if not hits or hits[0].score < thresholds.suggest:
        return Decision(Outcome.UNKNOWN, None, ())
    if hits[0].score >= thresholds.answer:
        return Decision(Outcome.ANSWER, hits[0], ())
    suggestions: list[SearchHit] = []
    for hit in hits:
        if hit.score < thresholds.suggest or len(suggestions) == max_suggestions:
            break
        if all(s.article.id != hit.article.id for s in suggestions):
            suggestions.append(hit)
    return Decision(Outcome.SUGGEST, None, tuple(suggestions))


@dataclass(frozen=True)
class ScoredQuery:
    """One held-out paraphrase after search: the article it should find (None: out of scope),
    the distinct article ids ranked, and the top score."""

    expected: str | None
    ranked: tuple[str, ...]
    top_score: float


def decide_scored(query: ScoredQuery, thresholds: Thresholds) -> Outcome:
    """The outcome :func:`decide` would reach for an already scored question."""
    if query.top_score >= thresholds.answer:
        return Outcome.ANSWER
    return Outcome.SUGGEST if query.top_score >= thresholds.suggest else Outcome.UNKNOWN


@dataclass(frozen=True)
class Calibration:
    thresholds: Thresholds
    answered: int  # queries at or above the answer threshold
    answered_correct: int
    suggested: int  # queries in the grey zone
    suggested_useful: int  # grey-zone queries whose article is among the suggestions
    total: int

    @property
    def precision(self) -> float:
        return self.answered_correct / self.answered if self.answered else 1.0


def best_threshold(scores: Sequence[float], successes: Sequence[bool], target: float) -> tuple[float, int, int]:
    """The cut-off maximising successes among items scoring at or above it, while the share of
    successes there is at least *target*; ties go to the higher cut-off.

    The cut-off sits halfway between the lowest accepted score and the next lower score,
    so it is not fitted exactly onto one example. Returns (cut-off, accepted, successes);
    (inf, 0, 0) when no cut-off reaches the target.
    """
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    best = (math.inf, 0, 0)
    accepted = good = 0
    for position, i in enumerate(order):
        accepted += 1
        good += successes[i]
        next_score = scores[order[position + 1]] if position + 1 < len(order) else None
        if next_score == scores[i]:
            continue  # equal scores are accepted or refused together
        if good / accepted >= target and good > best[2]:
            cut = scores[i] if next_score is None else (scores[i] + next_score) / 2
            best = (cut, accepted, good)
    return best


def calibrate(
    queries: Sequence[ScoredQuery],
    answer_precision: float = 0.9,
    suggest_precision: float = 0.5,
    max_suggestions: int = 3,
) -> Calibration:
    """Thresholds that answer as many paraphrases correctly as possible at *answer_precision*,
    then a grey zone below, as wide as possible while at least *suggest_precision* of its
    queries have their article among the first *max_suggestions* titles."""
    if not queries:
        raise ValueError("calibration needs at least one scored query")
    scores = [q.top_score for q in queries]
    correct = [q.expected is not None and q.ranked[:1] == (q.expected,) for q in queries]
    answer, answered, answered_correct = best_threshold(scores, correct, answer_precision)
    below = [i for i, s in enumerate(scores) if s < answer]
    useful = [queries[i].expected is not None and queries[i].expected in queries[i].ranked[:max_suggestions] for i in below]
    suggest, suggested, suggested_useful = best_threshold([scores[i] for i in below], useful, suggest_precision)
    if suggest == math.inf:
        suggest = answer
    return Calibration(
        Thresholds(answer=answer, suggest=suggest),
        answered,
        answered_correct,
        suggested,
        suggested_useful,
        len(queries),
    )
