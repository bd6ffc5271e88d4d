"""The on-disk index directory: FAISS index, passages and a manifest.

The manifest records what the index was built from (model, dimension, content
hash, index type) so a process never answers from an index that no longer
matches the articles or the encoder: it is rebuilt or refused, never trusted.
Directories are written aside and swapped in, so a reader never sees half a build.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import faiss

from retrieval.chunking import Chunk
from retrieval.knowledge_base import Article

FORMAT_VERSION = 2  # 2: question index (titles and author-written questions) next to the passages
MANIFEST = "manifest.json"
PASSAGES = "passages.json"
FAISS_FILE = "index.faiss"
QUESTIONS_FILE = "questions.faiss"
CHECKED_FIELDS = ("format_version", "model_name", "dimension", "content_hash", "index_type")


class IndexMismatchError(RuntimeError):
    """The saved index does not match the articles, the encoder or the index type asked for."""


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model_name: str
    dimension: int
    content_hash: str
    index_type: str
    built_at: str  # ISO 8601, UTC
    build_seconds: float
    article_count: int
    chunk_count: int
    question_count: int = 0  # rows of the question index: every article's title and questions

    def differences(self, expected: Manifest) -> list[str]:
        """Human-readable list of the checked fields where *self* (on disk) differs from *expected*."""
        return [
            f"{name}: index has {getattr(self, name)!r}, expected {getattr(expected, name)!r}"
            for name in CHECKED_FIELDS
            if getattr(self, name) != getattr(expected, name)
        ]


def passages_payload(articles: list[Article], chunks: list[Chunk]) -> bytes:
    """Canonical serialisation of everything the index answers with; its hash is the content hash."""
    document = {
        "articles": [
            {**dataclasses.asdict(a), "tags": list(a.tags), "questions": list(a.questions), "updated": a.updated.isoformat()} for a in articles
        ],
        "chunks": [dataclasses.asdict(c) for c in chunks],
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def content_hash(payload: bytes) -> str:
    return "sha256:" + hashlib.sha256(payload).hexdigest()


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest in *directory*, or None if there is no index there yet."""
    path = directory / MANIFEST
    if not path.exists():
        return None
    try:
        return Manifest(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as error:
        raise IndexMismatchError(f"{path} is not a valid index manifest ({error}).") from None


def write_index_dir(
    directory: Path, index: faiss.Index, payload: bytes, manifest: Manifest, question_index: faiss.Index
) -> None:
    """Write the four files into a sibling temporary directory, then swap it into place."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        faiss.write_index(index, str(staging / FAISS_FILE))
        faiss.write_index(question_index, str(staging / QUESTIONS_FILE))
        (staging / PASSAGES).write_bytes(payload)
        (staging / MANIFEST).write_text(json.dumps(dataclasses.asdict(manifest), indent=2) + "\n", encoding="utf-8")
        old = None
        if directory.exists():
            old = directory.parent / f"{staging.name}-old"
            os.replace(directory, old)
        os.replace(staging, directory)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def read_index_dir(
    directory: Path, manifest: Manifest
) -> tuple[faiss.Index, list[Article], list[Chunk], faiss.Index]:
    """Load index and passages, checking them against *manifest* (a corrupt or torn copy is refused)."""
    payload = (directory / PASSAGES).read_bytes()
    if content_hash(payload) != manifest.content_hash:
        raise IndexMismatchError(f"{directory / PASSAGES} does not match the hash in its manifest.")
    document = json.loads(payload)
    articles = [
        Article(
            **{
                **a,
                "tags": tuple(a["tags"]),
                "questions": tuple(a.get("questions", ())),
                "updated": dt.date.fromisoformat(a["updated"]),
            }
        )
        for a in document["articles"]
    ]
    chunks = [Chunk(**c) for c in document["chunks"]]
    index = faiss.read_index(str(directory / FAISS_FILE))
    if index.d != manifest.dimension or index.ntotal != len(chunks):
        raise IndexMismatchError(
            f"{directory / FAISS_FILE} holds {index.ntotal} vectors of dimension {index.d}, "
            f"the manifest says {len(chunks)} of dimension {manifest.dimension}."
        )
    questions = faiss.read_index(str(directory / QUESTIONS_FILE))
    if questions.d != manifest.dimension or questions.ntotal != manifest.question_count:
        raise IndexMismatchError(
            f"{directory / QUESTIONS_FILE} holds {questions.ntotal} vectors of dimension {questions.d}, "
            f"the manifest says {manifest.question_count} of dimension {manifest.dimension}."
        )
    return index, articles, chunks, questions
