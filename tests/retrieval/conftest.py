"""Fixtures for the retrieval tests: the real MiniLM encoder and the real knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import FaqRetriever, load_minilm

KB_DIR = Path(__file__).resolve().parents[2] / "data" / "knowledge_base"


@pytest.fixture(scope="session")
def encoder():
    return load_minilm()


@pytest.fixture(scope="session")
def retriever(encoder, tmp_path_factory) -> FaqRetriever:
    """The shipped knowledge base, indexed once for the whole session."""
    return FaqRetriever.load_or_build(KB_DIR, tmp_path_factory.mktemp("faq_index"), encoder)



@pytest.fixture(scope="session")
def kb_dir() -> Path:
    return KB_DIR
