"""What to do with a ranked list of articles: answer, offer a shortlist, or admit not knowing.

A wrong confident answer costs more than "I'm not sure, did you mean…", and a shortlist for
an obvious question reads as not understanding. So the top article is answered when its
score is high AND it leads the runner-up by a margin (one clear winner); a shortlist is
offered only when that fails but the top articles still score like real answers (several
close candidates: real ambiguity); anything scoring like an out-of-scope question gets "don't
know". All three cut-offs are chosen on the calibration questions (:func:`calibrate`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from retrieval.engine import SearchHit


class Outcome(str, Enum):
    ANSWER = "answer"
    SUGGEST = "suggest"  # grey zone: "Did you mean one of these?"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Thresholds:
    """Score cut-offs. Answer when ``top >= answer`` and ``top - second >= margin``; else
    offer the articles scoring ``>= suggest``; else don't know. ``margin=0`` never blocks."""

    answer: float
    suggest: float
    margin: float = 0.0

    def __post_init__(self) -> None:
        if self.suggest > self.answer:
            raise ValueError(f"suggest threshold {self.suggest} is above answer threshold {self.answer}")
        if self.margin < 0:
            raise ValueError(f"margin {self.margin} is negative")


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    answer: SearchHit | None  # the top hit when outcome is ANSWER
    suggestions: tuple[SearchHit, ...]  # distinct articles, best first, when outcome is SUGGEST

    @property
    def suggested_titles(self) -> tuple[str, ...]:
        return tuple(hit.article.title for hit in self.suggestions)


def is_answer(top: float, second: float, thresholds: Thresholds) -> bool:
    """One clear winner: high enough and far enough ahead of the runner-up."""
    return top >= thresholds.answer and top - second >= thresholds.margin


def decide(hits: Sequence[SearchHit], thresholds: Thresholds, max_suggestions: int = 3) -> Decision:
    """Decide on distinct articles sorted best first (as :meth:`FaqRetriever.search` returns
    them); the runner-up is ``hits[1]`` (none: no margin to keep)."""
    if not hits or hits[0].score < thresholds.suggest:
        return Decision(Outcome.UNKNOWN, None, ())
    if is_answer(hits[0].score, hits[1].score if len(hits) > 1 else -math.inf, thresholds):
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
    """One question after search: the article it should find (None: out of scope), the
    distinct article ids ranked, the top score and the runner-up's score."""

    expected: str | None
    ranked: tuple[str, ...]
    top_score: float
    second_score: float = -math.inf

    @property
    def lead(self) -> float:
        return self.top_score - self.second_score

    @property
    def correct(self) -> bool:
        """Answering would be right: in scope and its article ranked first."""
        return self.expected is not None and self.ranked[:1] == (self.expected,)


def decide_scored(query: ScoredQuery, thresholds: Thresholds) -> Outcome:
    """The outcome :func:`decide` would reach for an already scored question."""
    if query.top_score < thresholds.suggest:
        return Outcome.UNKNOWN
    return Outcome.ANSWER if is_answer(query.top_score, query.second_score, thresholds) else Outcome.SUGGEST


@dataclass(frozen=True)
class Calibration:
    thresholds: Thresholds
    answered: int  # queries answered (top score and lead over the runner-up high enough)
    answered_correct: int
    suggested: int  # queries given a shortlist
    suggested_useful: int  # shortlisted queries whose article is among the offered titles
    total: int
    out_of_scope: int = 0
    out_of_scope_refused: int = 0  # out-of-scope queries that get "don't know"

    @property
    def precision(self) -> float:
        return self.answered_correct / self.answered if self.answered else 1.0

    @property
    def refusal_rate(self) -> float:
        return self.out_of_scope_refused / self.out_of_scope if self.out_of_scope else 1.0


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


def _midpoints(values: Sequence[float]) -> list[float]:
    """0 and the points halfway between consecutive distinct finite values, ascending (values
    equal to 1e-9 count as one, so float noise such as 0.7 - 0.68 vs 0.4 - 0.38 adds no cut)."""
    distinct = sorted({round(v, 9) for v in values if math.isfinite(v)})
    return [0.0] + [(a + b) / 2 for a, b in itertools.pairwise(distinct) if (a + b) / 2 > 0]


def refusal_cut(scores: Sequence[float], refusal_rate: float) -> float:
    """The lowest cut-off that leaves at least *refusal_rate* of *scores* strictly below it,
    halfway between the two scores around it (-inf when no score needs to be below)."""
    ordered = sorted(scores)
    if not ordered:
        return -math.inf
    need = math.ceil(refusal_rate * len(ordered))  # how many must fall below the cut
    if need <= 0:
        return -math.inf
    if need >= len(ordered):
        return ordered[-1] + 1e-6
    return (ordered[need - 1] + ordered[need]) / 2


def calibrate(
    queries: Sequence[ScoredQuery],
    answer_precision: float = 0.95,
    refusal_rate: float = 0.9,
    max_suggestions: int = 3,
) -> Calibration:
    """Thresholds for :func:`decide`, from scored calibration questions.

    1. ``answer`` and ``margin``: among all pairs (a margin between two observed leads, then
       the best answer cut-off for the questions with at least that lead), the pair answering
       the most questions correctly while the precision among answered ones (out-of-scope
       questions count as wrong) stays at or above *answer_precision*; ties go to the smaller
       margin, then the higher cut-off.
    2. ``suggest``: the lowest cut-off that still sends at least *refusal_rate* of the
       out-of-scope questions to "don't know" (at most ``answer``), so a shortlist is offered
       only where real answers score; without out-of-scope questions it is ``answer``.
    """
    if not queries:
        raise ValueError("calibration needs at least one scored query")
    best: tuple[int, float, float, int] = (0, math.inf, 0.0, 0)  # (correct, answer, margin, answered)
    for margin in _midpoints([q.lead for q in queries]):
        kept = [q for q in queries if q.lead >= margin]
        cut, answered, correct = best_threshold([q.top_score for q in kept], [q.correct for q in kept], answer_precision)
        if correct > best[0]:
            best = (correct, cut, margin, answered)
    _, answer, margin, _ = best
    out_of_scope = [q.top_score for q in queries if q.expected is None]
    # Without out-of-scope questions there is nothing to calibrate refusals on: no grey zone.
    suggest = min(refusal_cut(out_of_scope, refusal_rate), answer) if out_of_scope else answer
    thresholds = Thresholds(answer=answer, suggest=suggest, margin=margin if math.isfinite(answer) else 0.0)
    outcomes = [decide_scored(q, thresholds) for q in queries]
    return Calibration(
        thresholds,
        answered=sum(o is Outcome.ANSWER for o in outcomes),
        answered_correct=sum(o is Outcome.ANSWER and q.correct for q, o in zip(queries, outcomes)),
        suggested=sum(o is Outcome.SUGGEST for o in outcomes),
        suggested_useful=sum(
            o is Outcome.SUGGEST and q.expected in q.ranked[:max_suggestions] for q, o in zip(queries, outcomes)
        ),
        total=len(queries),
        out_of_scope=len(out_of_scope),
        out_of_scope_refused=sum(o is Outcome.UNKNOWN and q.expected is None for q, o in zip(queries, outcomes)),
    )
