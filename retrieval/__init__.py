"""FAQ retrieval engine: knowledge-base articles → passages → MiniLM embeddings → FAISS.

Plain Python, no Rasa: the action server calls :func:`shared_retriever` (or
:meth:`FaqRetriever.load_or_build`), searches, and :func:`decide` turns the
scores into answer / suggest / don't know. See docs/retrieval.md.
"""

from retrieval.chunking import Chunk, ChunkingConfig, chunk_article, chunk_articles
from retrieval.decision import (
    Calibration,
    Decision,
    Outcome,
    ScoredQuery,
    Thresholds,
    calibrate,
    decide,
)
from retrieval.encoder import Encoder, load_minilm
from retrieval.engine import (
    FaqRetriever,
    ScoringConfig,
    SearchHit,
    normalise_query,
    shared_retriever,
)
from retrieval.index import IndexSpec
from retrieval.knowledge_base import Article, KnowledgeBaseError, load_knowledge_base
from retrieval.pii import find_pii, mask_pii
from retrieval.store import IndexMismatchError, Manifest

__all__ = [
    "Article",
    "Calibration",
    "Chunk",
    "ChunkingConfig",
    "Decision",
    "Encoder",
    "FaqRetriever",
    "IndexMismatchError",
    "IndexSpec",
    "KnowledgeBaseError",
    "Manifest",
    "Outcome",
    "ScoredQuery",
    "ScoringConfig",
    "SearchHit",
    "Thresholds",
    "calibrate",
    "chunk_article",
    "chunk_articles",
    "decide",
    "find_pii",
    "load_knowledge_base",
    "load_minilm",
    "mask_pii",
    "normalise_query",
    "shared_retriever",
]
