"""Answer / suggest / don't know, and threshold calibration, on hand-computed cases."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from retrieval import (
    Article,
    Chunk,
    FaqRetriever,
    Outcome,
    ScoredQuery,
    SearchHit,
    Thresholds,
    calibrate,
    decide,
)
from retrieval.decision import best_threshold, refusal_cut
from retrieval.evaluation import load_paraphrases, recall_at, score_paraphrases

THRESHOLDS = Thresholds(answer=0.6, suggest=0.4)


def hits(*pairs: tuple[str, float]) -> list[SearchHit]:
    """Search hits for (article id, score) pairs; the title is the id in capitals."""
    result = []
    for rank, (article_id, score) in enumerate(pairs, 1):
        article = Article(article_id, article_id.upper(), (), dt.date(2025, 1, 1), "Body.", f"{article_id}.md")
        chunk = Chunk(f"{article_id}#{rank}", article_id, rank, article.title, "Body.")
        result.append(SearchHit(rank, score, chunk, article))
    return result


def test_confident_top_hit_is_answered() -> None:
    decision = decide(hits(("a", 0.7), ("b", 0.5)), THRESHOLDS)
    assert decision.outcome is Outcome.ANSWER
    assert decision.answer is not None and decision.answer.article.id == "a"
    assert decision.suggestions == ()


def test_grey_zone_offers_three_distinct_titles() -> None:
    decision = decide(hits(("a", 0.55), ("a", 0.52), ("b", 0.5), ("c", 0.45), ("d", 0.41)), THRESHOLDS)
    assert decision.outcome is Outcome.SUGGEST
    assert decision.answer is None
    assert decision.suggested_titles == ("A", "B", "C")


def test_grey_zone_leaves_out_titles_below_the_suggest_threshold() -> None:
    decision = decide(hits(("a", 0.55), ("b", 0.39), ("c", 0.2)), THRESHOLDS)
    assert decision.outcome is Outcome.SUGGEST
    assert decision.suggested_titles == ("A",)


@pytest.mark.parametrize(
    ("pairs", "outcome"),
    [
        ([("a", 0.6)], Outcome.ANSWER),  # thresholds are inclusive
        ([("a", 0.4)], Outcome.SUGGEST),
        ([("a", 0.3999)], Outcome.UNKNOWN),
        ([], Outcome.UNKNOWN),
    ],
)
def test_threshold_boundaries(pairs, outcome: Outcome) -> None:
    decision = decide(hits(*pairs), THRESHOLDS)
    assert decision.outcome is outcome
    if outcome is Outcome.UNKNOWN:
        assert decision.answer is None and decision.suggestions == ()


def test_suggest_threshold_cannot_exceed_answer_threshold() -> None:
    with pytest.raises(ValueError, match="above answer threshold"):
        Thresholds(answer=0.3, suggest=0.5)
    with pytest.raises(ValueError, match="negative"):
        Thresholds(answer=0.6, suggest=0.4, margin=-0.1)


MARGIN = Thresholds(answer=0.6, suggest=0.4, margin=0.125)


@pytest.mark.parametrize(
    ("pairs", "outcome"),
    [
        ([("a", 0.75), ("b", 0.625)], Outcome.ANSWER),  # lead exactly 0.125: inclusive
        ([("a", 0.7), ("b", 0.65)], Outcome.SUGGEST),  # two close candidates: real ambiguity
        ([("a", 0.7)], Outcome.ANSWER),  # no runner-up, nothing to be ambiguous with
        ([("a", 0.55), ("b", 0.1)], Outcome.SUGGEST),  # clear lead but not high enough
        ([("a", 0.35), ("b", 0.1)], Outcome.UNKNOWN),
    ],
)
def test_the_top_article_needs_a_lead_over_the_runner_up(pairs, outcome: Outcome) -> None:
    decision = decide(hits(*pairs), MARGIN)
    assert decision.outcome is outcome
    if outcome is Outcome.SUGGEST and len(pairs) > 1 and pairs[1][1] >= MARGIN.suggest:
        assert decision.suggested_titles == ("A", "B")


SCORES = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]
SUCCESSES = [True, True, False, True, True, False, False]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        # 4 of the top 5 are right (0.8 >= 0.75); the cut lies halfway between 0.5 and 0.4.
        (0.75, (0.45, 5, 4)),
        # Only the top 2 are 100% right; 4/5 = 0.8 misses 0.9.
        (0.9, (0.75, 2, 2)),
        (1.0, (0.75, 2, 2)),
        # Accepting all 7 also passes (4/7) but gains no success: the higher cut wins the tie.
        (0.5, (0.45, 5, 4)),
        (0.55, (0.45, 5, 4)),
    ],
)
def test_best_threshold_by_hand(target: float, expected: tuple) -> None:
    cut, accepted, good = best_threshold(SCORES, SUCCESSES, target)
    assert (round(cut, 10), accepted, good) == expected


def test_best_threshold_without_a_feasible_cut() -> None:
    assert best_threshold([0.9, 0.5], [False, False], 0.5) == (math.inf, 0, 0)
    assert best_threshold([], [], 0.5) == (math.inf, 0, 0)


def test_equal_scores_are_accepted_or_refused_together() -> None:
    # Taking only one of the two 0.8s would be 100% precise but no cut can do that.
    assert best_threshold([0.8, 0.8, 0.5], [True, False, True], 1.0) == (math.inf, 0, 0)
    cut, accepted, good = best_threshold([0.8, 0.8, 0.5], [True, False, True], 0.5)
    assert (cut, accepted, good) == (0.5, 3, 2)


QUERIES = [
    ScoredQuery("a", ("a", "b"), 0.9, 0.5),  # right, clear lead
    ScoredQuery("b", ("b", "a"), 0.8, 0.75),  # right
    ScoredQuery("c", ("a", "c"), 0.7, 0.68),  # wrong first, neck and neck with its article
    ScoredQuery(None, ("a",), 0.65, 0.6),  # out of scope
    ScoredQuery("d", ("d", "e"), 0.6, 0.3),  # right, clear lead
    ScoredQuery("e", ("x", "y", "e"), 0.5, 0.45),  # wrong first, among the top 3
    ScoredQuery("f", ("x", "y", "z", "f"), 0.4, 0.38),  # fourth: not among the suggestions
    ScoredQuery(None, ("x",), 0.3, 0.29),  # out of scope
]


def test_the_margin_lets_calibration_answer_more_at_the_same_precision() -> None:
    # Without a margin only the top two keep 75% (0.7 is wrong, then 0.65): 2 right answers.
    # Leads: .4 .05 .02 .05 .3 .05 .02 .01 -> with a lead >= 0.035 the 0.7 and 0.4 drop out and
    # 0.9 0.8 0.65 0.6 0.5 give 3 of the top 4 = 75%: cut halfway 0.6/0.5. Out of scope: 0.65, 0.3;
    # refusing half of them puts the shortlist cut halfway, at 0.475.
    result = calibrate(QUERIES, answer_precision=0.75, refusal_rate=0.5)
    t = result.thresholds
    assert (t.answer, t.margin, t.suggest) == pytest.approx((0.55, 0.035, 0.475))
    assert (result.answered, result.answered_correct, result.suggested, result.suggested_useful) == (4, 3, 2, 2)
    assert (result.out_of_scope, result.out_of_scope_refused, result.total) == (2, 1, 8)
    assert result.precision == 0.75 and result.refusal_rate == 0.5


def test_a_higher_refusal_target_shrinks_the_shortlist_zone() -> None:
    # Refusing both out-of-scope questions needs a cut above 0.65, capped at the answer cut.
    result = calibrate(QUERIES, answer_precision=0.75, refusal_rate=0.9)
    assert result.thresholds.suggest == pytest.approx(0.55) == result.thresholds.answer
    assert (result.suggested, result.suggested_useful) == (1, 1)  # only the neck-and-neck 0.7
    assert decide(hits(("a", 0.5), ("b", 0.1)), result.thresholds).outcome is Outcome.UNKNOWN


def test_calibration_that_cannot_answer_anything() -> None:
    queries = [ScoredQuery(None, ("a",), 0.9, 0.1), ScoredQuery("b", ("a", "c"), 0.5, 0.4)]
    result = calibrate(queries, answer_precision=0.9)
    assert result.thresholds.answer == math.inf and result.thresholds.margin == 0.0
    assert result.answered == 0
    assert decide(hits(("a", 0.99)), result.thresholds).outcome is not Outcome.ANSWER
    with pytest.raises(ValueError):
        calibrate([])


def test_refusal_cut_by_hand() -> None:
    assert refusal_cut([0.1, 0.5, 0.3, 0.7], 0.5) == pytest.approx(0.4)  # two of four below
    assert refusal_cut([0.1, 0.5, 0.3, 0.7], 0.75) == pytest.approx(0.6)
    assert refusal_cut([0.1, 0.5], 1.0) > 0.5
    assert refusal_cut([0.1, 0.5], 0.0) == -math.inf and refusal_cut([], 0.9) == -math.inf


def test_calibrated_thresholds_on_the_shipped_questions(retriever: FaqRetriever, kb_dir: Path) -> None:
    paraphrases = load_paraphrases(kb_dir / "paraphrases" / "calibration.yml", set(retriever.articles))
    scored = score_paraphrases(retriever, paraphrases)
    # Base MiniLM with the article questions indexed: measured 0.899 / 0.965.
    assert recall_at(scored, 1) >= 0.85 and recall_at(scored, 3) >= 0.94
    result = calibrate(scored, answer_precision=0.95)
    assert result.precision >= 0.95 and result.answered >= 150 and result.refusal_rate >= 0.9
    # decide() with the calibrated thresholds makes exactly the calibration's choices.
    outcomes = [decide(retriever.search(p.question, k=10), result.thresholds) for p in paraphrases]
    answered = [(p, d) for p, d in zip(paraphrases, outcomes) if d.outcome is Outcome.ANSWER]
    assert len(answered) == result.answered
    assert sum(d.answer.article.id == p.article for p, d in answered) == result.answered_correct
    assert sum(d.outcome is Outcome.SUGGEST for d in outcomes) == result.suggested
    assert sum(d.outcome is Outcome.UNKNOWN and p.article is None for p, d in zip(paraphrases, outcomes)) == (
        result.out_of_scope_refused
    )
