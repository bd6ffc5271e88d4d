"""FAQ search: question in, ranked articles (each with its best passage) out.

Each article is scored from three signals (see :class:`ScoringConfig`): its best passage
(question-to-passage), its best author-written question or title (question-to-question)
and BM25 over its words. Build once (or load a saved index whose manifest still matches),
then answer any number of concurrent questions: the encoder serialises its tokenizer and
FAISS and BM25 scoring are read-only, so one retriever serves every thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from retrieval.chunking import Chunk, ChunkingConfig, chunk_articles
from retrieval.encoder import Encoder, load_minilm
from retrieval.index import IndexSpec, build_index, configure_search
from retrieval.knowledge_base import Article, load_knowledge_base
from retrieval.lexical import SparseBM25
from retrieval.store import (
    FORMAT_VERSION,
    IndexMismatchError,
    Manifest,
    content_hash,
    passages_payload,
    read_index_dir,
    read_manifest,
    write_index_dir,
)

log = logging.getLogger(__name__)

# The encoder truncates at 256 word pieces (~1,000 characters of English); cutting
# a pasted 100 kB text first keeps tokenisation from costing more than the search.
MAX_QUERY_CHARS = 2000
DEFAULT_SPEC = IndexSpec()
DEFAULT_CHUNKING = ChunkingConfig()


@dataclass(frozen=True)
class ScoringConfig:
    """An article's score: ``passage·P + question·Q + keywords·B`` where P is the cosine of
    its best passage, Q the cosine of its best author-written question or its title, and B
    its BM25 score divided by the best article's (0..1, so it only reorders close articles).

    The weights were chosen on the calibration questions (docs/retrieval.md); thresholds are
    calibrated for one configuration, and :func:`retrieval.calibration.load_thresholds`
    refuses thresholds calibrated for another.
    """

    passage: float = 0.5
    question: float = 0.5
    keywords: float = 0.1

    def describe(self) -> str:
        return f"passage {self.passage:g} + question {self.question:g} + bm25 {self.keywords:g}"


@dataclass(frozen=True)
class SearchHit:
    rank: int  # 1-based
    score: float  # per article: the ScoringConfig score; raw passages: cosine similarity, -1..1
    chunk: Chunk  # the passage to show: the article's best passage for this question
    article: Article
    passage_score: float = math.nan  # cosine of the best passage
    question_score: float = math.nan  # cosine of the best author-written question or title
    keyword_score: float = math.nan  # BM25 relative to the best article, 0..1


def article_documents(articles: list[Article]) -> list[str]:
    """What BM25 indexes for each article: title, questions and body."""
    return ["\n".join((a.title, *a.questions, a.body)) for a in articles]


def article_probes(articles: list[Article]) -> list[tuple[str, str]]:
    """(article id, text) of every title and author-written question, in index order."""
    return [(a.id, text) for a in articles for text in (a.title, *a.questions)]


def normalise_query(query: str) -> str:
    """NFC text without control characters, whitespace collapsed, at most MAX_QUERY_CHARS.

    Returns "" when nothing searchable is left: no letter, digit or symbol
    (emoji are symbols, so an emoji-only question is still searched).
    """
    text = unicodedata.normalize("NFC", query[: MAX_QUERY_CHARS * 2])
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        cut = text.rfind(" ", 0, MAX_QUERY_CHARS + 1)
        text = text[: cut if cut > 0 else MAX_QUERY_CHARS]
    if not any(unicodedata.category(ch)[0] in "LNS" for ch in text):
        return ""
    return text


class FaqRetriever:
    """A loaded FAQ index; see :meth:`load_or_build`."""

    def __init__(
        self,
        index: faiss.Index,
        articles: list[Article],
        chunks: list[Chunk],
        encoder: Encoder,
        manifest: Manifest,
        question_index: faiss.Index,
        scoring: ScoringConfig = ScoringConfig(),
    ) -> None:
        self.index = index
        self.question_index = question_index  # row i = article_probes(articles)[i], exact inner product
        self.chunks = chunks
        self.articles = {a.id: a for a in articles}
        self.encoder = encoder
        self.manifest = manifest
        self.scoring = scoring
        self._order = [a.id for a in articles]
        position = {article_id: i for i, article_id in enumerate(self._order)}
        self._chunk_article = np.array([position[c.article_id] for c in chunks], dtype=np.int64)
        self._probe_article = np.array([position[a] for a, _ in article_probes(articles)], dtype=np.int64)
        if question_index.ntotal != len(self._probe_article):
            raise IndexMismatchError(
                f"question index holds {question_index.ntotal} vectors, the articles have {len(self._probe_article)} titles and questions."
            )
        self.lexical = SparseBM25(article_documents(articles))  # 80 articles: milliseconds
        self._first_passage: dict[str, Chunk] = {}
        for chunk in chunks:
            self._first_passage.setdefault(chunk.article_id, chunk)

    @classmethod
    def build(
        cls,
        articles: list[Article],
        encoder: Encoder,
        spec: IndexSpec = DEFAULT_SPEC,
        chunking: ChunkingConfig = DEFAULT_CHUNKING,
        progress: bool = False,
    ) -> FaqRetriever:
        started = time.perf_counter()
        chunks = chunk_articles(articles, chunking)
        vectors = encoder.encode([c.embed_text for c in chunks], progress=progress)
        index = build_index(vectors, spec, progress=progress)
        question_index = build_index(encoder.encode([text for _, text in article_probes(articles)]), IndexSpec("flat"))
        manifest = dataclasses.replace(
            _expected_manifest(articles, chunks, encoder, spec),
            build_seconds=round(time.perf_counter() - started, 3),
        )
        return cls(index, articles, chunks, encoder, manifest, question_index)

    def save(self, directory: Path | str) -> None:
        payload = passages_payload(list(self.articles.values()), self.chunks)
        write_index_dir(Path(directory), self.index, payload, self.manifest, self.question_index)

    @classmethod
    def load(
        cls, directory: Path | str, encoder: Encoder, spec: IndexSpec = DEFAULT_SPEC, expected: Manifest | None = None
    ) -> FaqRetriever:
        """Load a saved index; refuse it if it was built by another encoder or index type,
        or (when *expected* is given) from other content."""
        directory = Path(directory)
        manifest = read_manifest(directory)
        if manifest is None:
            raise IndexMismatchError(f"No index at {directory} (no {directory / 'manifest.json'}).")
        reference = expected or dataclasses.replace(
            manifest,
            format_version=FORMAT_VERSION,
            model_name=encoder.name,
            dimension=encoder.dimension,
            index_type=spec.describe(),
        )
        problems = manifest.differences(reference)
        if problems:
            raise IndexMismatchError(f"Index at {directory} is stale or was built differently: " + "; ".join(problems))
        index, articles, chunks, question_index = read_index_dir(directory, manifest)
        configure_search(index, spec)
        return cls(index, articles, chunks, encoder, manifest, question_index)

    @classmethod
    def load_or_build(
        cls,
        kb_dir: Path | str,
        index_dir: Path | str,
        encoder: Encoder | None = None,
        spec: IndexSpec = DEFAULT_SPEC,
        chunking: ChunkingConfig = DEFAULT_CHUNKING,
        rebuild: bool = True,
        progress: bool = False,
    ) -> FaqRetriever:
        """The saved index if it still matches the articles, encoder and index type; else a
        fresh build saved over it — or, with ``rebuild=False``, IndexMismatchError saying why."""
        encoder = encoder or load_minilm()
        articles = load_knowledge_base(kb_dir)
        expected = _expected_manifest(articles, chunk_articles(articles, chunking), encoder, spec)
        try:
            return cls.load(index_dir, encoder, spec, expected)
        except (IndexMismatchError, OSError, RuntimeError) as error:
            # faiss reports unreadable files as RuntimeError; IndexMismatchError is one too.
            if not rebuild:
                raise IndexMismatchError(f"{error} Refusing to rebuild (rebuild=False).") from error
            log.info("Building the FAQ index: %s", error)
        retriever = cls.build(articles, encoder, spec, chunking, progress)
        retriever.save(index_dir)
        return retriever

    def first_passage(self, article_id: str) -> Chunk | None:
        """The opening passage of an article (None if there is no such article)."""
        return self._first_passage.get(article_id)

    def search(self, query: str, k: int = 5, per_article: bool = True) -> list[SearchHit]:
        """With *per_article* (the default), the best *k* articles for *query* by their
        :class:`ScoringConfig` score, best first, each with its best passage; otherwise the
        best *k* raw passages by cosine. An empty or punctuation-only query finds nothing."""
        text = normalise_query(query)
        if not text or k <= 0:
            return []
        return self.search_vector(self.encoder.encode([text])[0], k, per_article, text)

    def search_vector(self, vector: np.ndarray, k: int, per_article: bool = True, text: str = "") -> list[SearchHit]:
        """:meth:`search` for an embedded question; *text* (the normalised question) feeds the
        BM25 signal, which counts as 0 when it is empty."""
        if k <= 0:
            return []
        if per_article:
            return self._rank_articles(vector, k, text)
        return self._passages(vector, k)

    # Articles are scored from at least this many passages (every passage of a knowledge base
    # this size); an article none of whose passages was fetched gets the lowest fetched score,
    # an upper bound of its own, so approximate indexes over huge collections stay cheap.
    ARTICLE_FETCH = 1024

    def _rank_articles(self, vector: np.ndarray, k: int, text: str) -> list[SearchHit]:
        query = vector.reshape(1, -1).astype(np.float32, copy=False)
        n_articles = len(self._order)
        passage_scores, passage_ids = self.index.search(query, min(self.index.ntotal, max(4 * k, self.ARTICLE_FETCH)))
        found = passage_ids[0] >= 0  # approximate indexes pad with -1
        rows, scores = passage_ids[0][found], passage_scores[0][found]
        best_passage = np.full(n_articles, float(scores[-1]) if len(scores) else -1.0)
        chunk_of: dict[int, Chunk] = {}
        for row, score in zip(rows, scores):  # sorted best first: the first passage of an article is its best
            a = int(self._chunk_article[row])
            if a not in chunk_of:
                chunk_of[a] = self.chunks[row]
                best_passage[a] = float(score)
        probe_scores, probe_ids = self.question_index.search(query, self.question_index.ntotal)
        best_question = np.full(n_articles, -1.0)
        np.maximum.at(best_question, self._probe_article[probe_ids[0]], probe_scores[0])
        keywords = self.lexical.relative_scores(text) if text else np.zeros(n_articles)
        s = self.scoring
        total = s.passage * best_passage + s.question * best_question + s.keywords * keywords
        order = np.argsort(-total, kind="stable")[:k]
        hits = []
        for rank, a in enumerate(order, 1):
            article = self.articles[self._order[a]]
            hits.append(
                SearchHit(
                    rank,
                    float(total[a]),
                    chunk_of.get(int(a)) or self._first_passage[article.id],
                    article,
                    float(best_passage[a]),
                    float(best_question[a]),
                    float(keywords[a]),
                )
            )
        return hits

    def _passages(self, vector: np.ndarray, k: int) -> list[SearchHit]:
        scores, ids = self.index.search(vector.reshape(1, -1).astype(np.float32, copy=False), min(self.index.ntotal, k))
        hits: list[SearchHit] = []
        for score, i in zip(scores[0], ids[0]):
            if i >= 0:  # approximate indexes pad with -1 when they find fewer than asked
                chunk = self.chunks[i]
                hits.append(SearchHit(len(hits) + 1, float(score), chunk, self.articles[chunk.article_id], float(score)))
        return hits


def _expected_manifest(articles: list[Article], chunks: list[Chunk], encoder: Encoder, spec: IndexSpec) -> Manifest:
    return Manifest(
        format_version=FORMAT_VERSION,
        model_name=encoder.name,
        dimension=encoder.dimension,
        content_hash=content_hash(passages_payload(articles, chunks)),
        index_type=spec.describe(),
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        build_seconds=0.0,
        article_count=len(articles),
        chunk_count=len(chunks),
        question_count=len(article_probes(articles)),
    )


_shared: dict[tuple, FaqRetriever] = {}
_shared_lock = threading.Lock()


def shared_retriever(kb_dir: Path | str, index_dir: Path | str, spec: IndexSpec = DEFAULT_SPEC) -> FaqRetriever:
    """One retriever per (knowledge base, index, spec) per process, loaded by the first caller
    while concurrent callers wait, so the model and index are never loaded twice."""
    key = (str(Path(kb_dir).resolve()), str(Path(index_dir).resolve()), spec)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = FaqRetriever.load_or_build(kb_dir, index_dir, spec=spec)
        return _shared[key]
