"""Chunking: sentence boundaries, the size limit, headings and the title as context."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retrieval import Article, ChunkingConfig, chunk_article, chunk_articles, load_knowledge_base
from retrieval.chunking import plain_text

BODY = """Read this first.

# Delivery
We ship fast. Parcels leave the same day.

- Standard: 3 days.
- Express: 1 day.

# Costs
Delivery is free over $50. Otherwise it costs $5.99.
"""


def article(body: str) -> Article:
    return Article("shipping", "Shipping", ("shipping",), dt.date(2025, 1, 1), body, "shipping.md")


def test_passages_follow_sentences_sections_and_the_size_limit() -> None:
    chunks = chunk_article(article(BODY), ChunkingConfig(max_words=8))
    assert [(c.chunk_id, c.position, c.context, c.text) for c in chunks] == [
        ("shipping#0", 0, "Shipping", "Read this first."),
        ("shipping#1", 1, "Shipping — Delivery", "We ship fast. Parcels leave the same day."),
        ("shipping#2", 2, "Shipping — Delivery", "- Standard: 3 days.\n- Express: 1 day."),
        # 5 + 4 words exceed 8: the second sentence starts a new passage.
        ("shipping#3", 3, "Shipping — Costs", "Delivery is free over $50."),
        ("shipping#4", 4, "Shipping — Costs", "Otherwise it costs $5.99."),
    ]
    assert all(c.article_id == "shipping" for c in chunks)


def test_a_large_limit_keeps_each_section_in_one_passage() -> None:
    chunks = chunk_article(article(BODY), ChunkingConfig(max_words=120))
    assert [c.text for c in chunks] == [
        "Read this first.",
        "We ship fast. Parcels leave the same day.\n- Standard: 3 days.\n- Express: 1 day.",
        "Delivery is free over $50. Otherwise it costs $5.99.",
    ]


def test_title_and_section_are_prepended_for_embedding() -> None:
    chunk = chunk_article(article(BODY))[2]
    assert chunk.embed_text == "Shipping — Costs\nDelivery is free over $50. Otherwise it costs $5.99."


def test_a_sentence_longer_than_the_limit_is_cut_between_words() -> None:
    words = [f"w{i}" for i in range(20)]
    chunks = chunk_article(article(" ".join(words) + "."), ChunkingConfig(max_words=8))
    assert [c.text.split() for c in chunks] == [words[:8], words[8:16], words[16:19] + ["w19."]]


def test_inline_markdown_is_reduced_to_words() -> None:
    assert plain_text("See **Account → Orders**, the [returns page](https://x.example/r) or `code`.") == (
        "See Account → Orders, the returns page or code."
    )
    assert plain_text("an *emphasised* word, 2 * 3 * 4 and snake_case_name") == (
        "an emphasised word, 2 * 3 * 4 and snake_case_name"
    )


def test_limit_must_leave_room_for_a_sentence() -> None:
    with pytest.raises(ValueError):
        ChunkingConfig(max_words=3)


def test_shipped_articles_fit_the_encoder_without_truncation(kb_dir: Path, encoder) -> None:
    articles = load_knowledge_base(kb_dir)
    chunks = chunk_articles(articles)
    assert {c.article_id for c in chunks} == {a.id for a in articles}
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert max(len(c.text.split()) for c in chunks) <= ChunkingConfig().max_words
    tokens = encoder.model.tokenizer([c.embed_text for c in chunks])["input_ids"]
    assert max(len(t) for t in tokens) <= encoder.model.max_seq_length


def test_every_word_of_the_body_is_in_exactly_one_passage(kb_dir: Path) -> None:
    for a in load_knowledge_base(kb_dir):
        body_words = [
            word
            for line in a.body.splitlines()
            if not line.startswith("#")
            for word in plain_text(line).split()
        ]
        passage_words = [word for c in chunk_article(a, ChunkingConfig(max_words=40)) for word in c.text.split()]
        assert passage_words == body_words, a.id
