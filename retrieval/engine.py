"""FAQ search: question in, ranked passages with their articles out.

Build once (or load a saved index whose manifest still matches), then answer
any number of concurrent questions: the encoder serialises its tokenizer and
FAISS searches are read-only, so one retriever serves every thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
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


@dataclass(frozen=True)
class SearchHit:
    rank: int  # 1-based
    score: float  # cosine similarity, -1..1
    chunk: Chunk
    article: Article


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
    ) -> None:
        self.index = index
        self.chunks = chunks
        self.articles = {a.id: a for a in articles}
        self.encoder = encoder
        self.manifest = manifest

    @classmethod
    def build(
        cls,
        articles: list[Article],
        encoder: Encoder,
        spec: IndexSpec = IndexSpec(),
        chunking: ChunkingConfig = ChunkingConfig(),
        progress: bool = False,
    ) -> "FaqRetriever":
        started = time.perf_counter()
        chunks = chunk_articles(articles, chunking)
        vectors = encoder.encode([c.embed_text for c in chunks], progress=progress)
        index = build_index(vectors, spec, progress=progress)
        manifest = dataclasses.replace(
            _expected_manifest(articles, chunks, encoder, spec),
            build_seconds=round(time.perf_counter() - started, 3),
        )
        return cls(index, articles, chunks, encoder, manifest)

    def save(self, directory: Path | str) -> None:
        payload = passages_payload(list(self.articles.values()), self.chunks)
        write_index_dir(Path(directory), self.index, payload, self.manifest)

    @classmethod
    def load(
        cls, directory: Path | str, encoder: Encoder, spec: IndexSpec = IndexSpec(), expected: Manifest | None = None
    ) -> "FaqRetriever":
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
        index, articles, chunks = read_index_dir(directory, manifest)
        configure_search(index, spec)
        return cls(index, articles, chunks, encoder, manifest)

    @classmethod
    def load_or_build(
        cls,
        kb_dir: Path | str,
        index_dir: Path | str,
        encoder: Encoder | None = None,
        spec: IndexSpec = IndexSpec(),
        chunking: ChunkingConfig = ChunkingConfig(),
        rebuild: bool = True,
        progress: bool = False,
    ) -> "FaqRetriever":
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
        return next((c for c in self.chunks if c.article_id == article_id), None)

    def search(self, query: str, k: int = 5, per_article: bool = True) -> list[SearchHit]:
        """The best *k* passages for *query*, best first; with *per_article*, only the best
        passage of each article. An empty or punctuation-only query finds nothing."""
        text = normalise_query(query)
        if not text or k <= 0:
            return []
        return self.search_vector(self.encoder.encode([text])[0], k, per_article)

    def search_vector(self, vector: np.ndarray, k: int, per_article: bool = True) -> list[SearchHit]:
        total = self.index.ntotal
        fetch = min(total, k * 4 if per_article else k)
        while True:
            scores, ids = self.index.search(vector.reshape(1, -1).astype(np.float32, copy=False), fetch)
            hits: list[SearchHit] = []
            seen: set[str] = set()
            for score, i in zip(scores[0], ids[0]):
                if i < 0:  # approximate indexes pad with -1 when they find fewer than asked
                    continue
                chunk = self.chunks[i]
                if per_article and chunk.article_id in seen:
                    continue
                seen.add(chunk.article_id)
                hits.append(SearchHit(len(hits) + 1, float(score), chunk, self.articles[chunk.article_id]))
                if len(hits) == k:
                    return hits
            if fetch >= total:
                return hits
            fetch = min(total, fetch * 4)


def _expected_manifest(articles: list[Article], chunks: list[Chunk], encoder: Encoder, spec: IndexSpec) -> Manifest:
    return Manifest(
        format_version=FORMAT_VERSION,
        model_name=encoder.name,
        dimension=encoder.dimension,
        content_hash=content_hash(passages_payload(articles, chunks)),
        index_type=spec.describe(),
        built_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        build_seconds=0.0,
        article_count=len(articles),
        chunk_count=len(chunks),
    )


_shared: dict[tuple, FaqRetriever] = {}
_shared_lock = threading.Lock()


def shared_retriever(kb_dir: Path | str, index_dir: Path | str, spec: IndexSpec = IndexSpec()) -> FaqRetriever:
    """One retriever per (knowledge base, index, spec) per process, loaded by the first caller
    while concurrent callers wait, so the model and index are never loaded twice."""
    key = (str(Path(kb_dir).resolve()), str(Path(index_dir).resolve()), spec)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = FaqRetriever.load_or_build(kb_dir, index_dir, spec=spec)
        return _shared[key]
