"""Searching the shipped knowledge base: ranking, deduplication, awkward input, threads."""

from __future__ import annotations

import itertools
import math
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from retrieval import FaqRetriever, Outcome, decide, normalise_query
from retrieval.calibration import load_thresholds
from retrieval.engine import MAX_QUERY_CHARS

# One question for each of the first 12 articles, worded unlike the article (not taken from
# the paraphrase sets, which stay held out for calibration and testing).
QUESTIONS = {
    "Where is my parcel right now?": "order-tracking",
    "How much is express shipping?": "shipping-options",
    "I want to cancel my order": "order-changes-cancellation",
    "Can I send back an item I don't want?": "returns-policy",
    "When do I get my money back after a return?": "refunds",
    "My new kettle arrived broken": "damaged-faulty-items",
    "Which credit cards do you accept?": "payment-methods",
    "How do I reset my password?": "account-security",
    "Can I download the personal data you hold on me?": "privacy-personal-data",
    "Are stock quotes delayed?": "market-data-coverage",
    "Is this investment advice?": "market-data-not-advice",
    "Why are these products recommended to me?": "recommendations",
}


@pytest.mark.parametrize(("question", "article_id"), QUESTIONS.items())
def test_questions_find_their_article_in_the_top_three(retriever: FaqRetriever, question: str, article_id: str) -> None:
    hits = retriever.search(question, k=3)
    assert article_id in [h.article.id for h in hits]
    assert hits[0].rank == 1 and hits[0].score > hits[1].score


def test_most_questions_find_their_article_first(retriever: FaqRetriever) -> None:
    # With 80 articles some overlap (tracking vs. a parcel marked delivered but missing),
    # so two of these twelve rank a neighbouring article first with the base model.
    first = [retriever.search(q, k=1)[0].article.id == a for q, a in QUESTIONS.items()]
    assert sum(first) >= 10


def test_scores_are_cosine_similarities_in_rank_order(retriever: FaqRetriever, encoder) -> None:
    hits = retriever.search("How long does a refund take?", k=5, per_article=False)
    query = encoder.encode(["How long does a refund take?"])[0]
    passages = encoder.encode([h.chunk.embed_text for h in hits])
    assert [h.score for h in hits] == pytest.approx((passages @ query).tolist(), abs=1e-5)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
    all_scores = encoder.encode([c.embed_text for c in retriever.chunks]) @ query
    assert hits[0].score == pytest.approx(float(all_scores.max()), abs=1e-5)


def test_articles_are_ranked_by_the_hybrid_score_each_with_its_best_passage(retriever: FaqRetriever, encoder) -> None:
    question = "How do returns and refunds work?"
    passages = retriever.search(question, k=len(retriever.chunks), per_article=False)
    articles = retriever.search(question, k=10)
    assert len({h.article.id for h in articles}) == len(articles) == 10
    assert [h.rank for h in articles] == list(range(1, 11))
    assert all(a.score >= b.score for a, b in itertools.pairwise(articles))
    vector = encoder.encode([question])[0]
    s = retriever.scoring
    for hit in articles:
        article = hit.article
        # The passage shown is the article's best passage, and P is its cosine.
        best = next(p for p in passages if p.article.id == article.id)
        assert hit.chunk == best.chunk and hit.passage_score == pytest.approx(best.score, abs=1e-5)
        # Q is the best cosine among the title and the article's own questions.
        probes = encoder.encode([article.title, *article.questions])
        assert hit.question_score == pytest.approx(float((probes @ vector).max()), abs=1e-5)
        assert 0.0 <= hit.keyword_score <= 1.0
        expected = s.passage * hit.passage_score + s.question * hit.question_score + s.keywords * hit.keyword_score
        assert hit.score == pytest.approx(expected, abs=1e-6)
    assert max(h.keyword_score for h in retriever.search(question, k=len(retriever.articles))) == 1.0


def test_an_article_question_is_found_through_question_matching(retriever: FaqRetriever) -> None:
    # Worded like none of the passages but exactly like a question refunds.md lists.
    [hit] = retriever.search("My refund hasn't arrived", k=1)
    assert hit.article.id == "refunds" and hit.question_score == pytest.approx(1.0, abs=1e-4)


def test_k_larger_than_the_collection(retriever: FaqRetriever) -> None:
    assert len(retriever.search("delivery", k=100)) == len(retriever.articles)
    assert len(retriever.search("delivery", k=1000, per_article=False)) == len(retriever.chunks)
    assert retriever.search("delivery", k=0) == []


def test_hits_carry_article_metadata(retriever: FaqRetriever) -> None:
    hit = retriever.search("Are stock prices real time?", k=1)[0]
    assert hit.article.title == "Kestrel Markets data coverage and delays"
    assert hit.article.tags == ("market-data", "membership")
    assert hit.chunk.context == "Kestrel Markets data coverage and delays — Are prices real time?"
    assert "delayed by at least 15 minutes" in hit.chunk.text


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "?!...", "\x00\x01", "¿?"])
def test_empty_queries_find_nothing(retriever: FaqRetriever, query: str) -> None:
    assert normalise_query(query) == ""
    assert retriever.search(query) == []


def test_huge_query_is_truncated(retriever: FaqRetriever) -> None:
    head = "Where is my parcel? "
    huge = head + "blah " * 20_000  # 100 kB
    assert len(huge) > 100_000
    truncated = normalise_query(huge)
    assert len(truncated) <= MAX_QUERY_CHARS and truncated.startswith(head.strip())
    assert not truncated.endswith(" ") and truncated.endswith("blah")  # cut between words
    started = time.perf_counter()
    hits = retriever.search(huge, k=3)
    assert time.perf_counter() - started < 5
    assert [(h.chunk.chunk_id, h.score) for h in hits] == [
        (h.chunk.chunk_id, h.score) for h in retriever.search(truncated, k=3)
    ]


def test_a_single_huge_word_is_cut_at_the_limit() -> None:
    assert normalise_query("x" * 100_000) == "x" * MAX_QUERY_CHARS


def test_control_characters_and_unicode_forms_are_normalised() -> None:
    assert normalise_query("cafe\u0301\x00 refund\r\n\u200b policy") == "café refund policy"


@pytest.mark.parametrize(
    "query",
    [
        "Wo ist mein Paket?",
        "¿Cómo devuelvo un producto?",
        "我的订单在哪里？",
        "أين طلبي؟",
        "Где мой заказ?",
        "📦❓",
        "🙂🙂🙂",
    ],
)
def test_non_english_and_emoji_queries_return_ranked_hits(retriever: FaqRetriever, kb_dir, query: str) -> None:
    assert normalise_query(query) == query
    hits = retriever.search(query, k=3)
    assert len(hits) == 3
    assert all(math.isfinite(h.score) and -1.0 <= h.score <= 1.0 for h in hits)
    assert hits[0].score >= hits[1].score >= hits[2].score
    # MiniLM is English-only: these score far below the calibrated thresholds (measured at most
    # 0.26), so they end as "don't know", never a shortlist or a confident answer.
    thresholds = load_thresholds(kb_dir, retriever.encoder.name, retriever.scoring)
    assert hits[0].score < 0.35 < thresholds.suggest
    assert decide(hits, thresholds).outcome is Outcome.UNKNOWN


def test_emoji_do_not_derail_an_english_question(retriever: FaqRetriever) -> None:
    plain = retriever.search("where is my parcel", k=1)[0].article.id
    assert retriever.search("where is my parcel 📦🙏😡", k=1)[0].article.id == plain
    assert retriever.search("refund pls 💸💸", k=3)[0].article.id in [h.article.id for h in retriever.search("refund pls", k=3)]


def test_concurrent_queries_match_sequential_results(retriever: FaqRetriever) -> None:
    questions = list(QUESTIONS) * 4 + ["", "📦", "x" * 50_000]

    def run(q: str) -> tuple[str, list[str], list[float]]:
        hits = retriever.search(q, k=5)
        return q, [h.chunk.chunk_id for h in hits], [h.score for h in hits]

    expected = {q: run(q) for q in questions}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, questions * 3))
    assert len(results) == len(questions) * 3
    for question, ids, scores in results:
        assert ids == expected[question][1], question
        assert scores == pytest.approx(expected[question][2], abs=1e-5)
