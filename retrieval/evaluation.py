"""Question sets (calibration, held-out): how well the index finds articles, and the input to calibration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from retrieval.decision import ScoredQuery
from retrieval.engine import FaqRetriever
from retrieval.knowledge_base import KnowledgeBaseError


@dataclass(frozen=True)
class Paraphrase:
    question: str
    article: str | None  # None: out of scope, the assistant should not answer


def load_paraphrases(path: Path | str, article_ids: set[str]) -> list[Paraphrase]:
    """A YAML list of ``{question, article}``; every article must exist in the knowledge base."""
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(items, list):
        raise KnowledgeBaseError(f"{path}: expected a list of {{question, article}} entries.")
    paraphrases = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or set(item) != {"question", "article"} or not isinstance(item["question"], str):
            raise KnowledgeBaseError(f"{path}: entry {number} must have exactly a question and an article.")
        if item["article"] is not None and item["article"] not in article_ids:
            raise KnowledgeBaseError(f"{path}: entry {number} names unknown article {item['article']!r}.")
        paraphrases.append(Paraphrase(item["question"], item["article"]))
    return paraphrases


def score_paraphrases(retriever: FaqRetriever, paraphrases: Sequence[Paraphrase], depth: int = 10) -> list[ScoredQuery]:
    """Search every paraphrase; keep the distinct articles ranked and the top score."""
    scored = []
    for p in paraphrases:
        hits = retriever.search(p.question, k=depth, per_article=True)
        scores = [h.score for h in hits[:2]] + [float("-inf")] * (2 - len(hits[:2]))
        scored.append(ScoredQuery(p.article, tuple(h.article.id for h in hits), scores[0], scores[1]))
    return scored


def recall_at(scored: Sequence[ScoredQuery], k: int) -> float:
    """Share of in-scope queries whose article is among the first *k* (out-of-scope ones are ignored)."""
    in_scope = [q for q in scored if q.expected is not None]
    if not in_scope:
        raise ValueError("no in-scope paraphrases to measure recall on")
    return sum(q.expected in q.ranked[:k] for q in in_scope) / len(in_scope)
