"""The article loader: the shipped articles load, malformed ones are refused by name."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retrieval import KnowledgeBaseError, load_knowledge_base
from retrieval.calibration import TEST_SET
from retrieval.evaluation import load_paraphrases
from retrieval.knowledge_base import parse_article

GOOD = """---
id: gift-cards
title: Gift cards
tags: [payments, gifts]
updated: 2025-03-04
---
# Buying
Gift cards never expire.
"""


def test_shipped_knowledge_base_loads(kb_dir: Path) -> None:
    articles = load_knowledge_base(kb_dir)
    assert len(articles) >= 12
    assert len({a.id for a in articles}) == len(articles)
    returns = next(a for a in articles if a.id == "returns-policy")
    assert returns.title == "Returning an item"
    assert returns.tags == ("returns", "policy")
    assert returns.updated == dt.date(2025, 10, 10)
    assert returns.source == "returns-policy.md"
    assert returns.body.startswith("# Our 30-day return policy")


def test_parse_article_fields() -> None:
    article = parse_article(GOOD, "gift-cards.md")
    assert (article.id, article.title, article.tags, article.updated) == (
        "gift-cards",
        "Gift cards",
        ("payments", "gifts"),
        dt.date(2025, 3, 4),
    )
    assert article.body == "# Buying\nGift cards never expire."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# No front matter\nText.", "no YAML front matter"),
        (GOOD.replace("title: Gift cards\n", ""), "missing title"),
        (GOOD.replace("tags:", "author: me\ntags:"), "unknown author"),
        (GOOD.replace("id: gift-cards", "id: Gift Cards"), "lowercase words"),
        (GOOD.replace("tags: [payments, gifts]", "tags: payments"), "tags must be a list"),
        (GOOD.replace("updated: 2025-03-04", "updated: March 2025"), "YYYY-MM-DD"),
        (GOOD.replace("updated: 2025-03-04", "updated: 2025-03-04 10:00:00"), "YYYY-MM-DD"),
        (GOOD.replace("title: Gift cards", "title: [oops"), "invalid YAML"),
        (GOOD.split("# Buying")[0], "no text after the front matter"),
    ],
)
def test_malformed_articles_are_refused_with_the_file_name(text: str, message: str) -> None:
    with pytest.raises(KnowledgeBaseError, match=message) as error:
        parse_article(text, "faq/gift-cards.md")
    assert str(error.value).startswith("faq/gift-cards.md:")


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(GOOD)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text(GOOD)
    with pytest.raises(KnowledgeBaseError, match=r"sub/b.md: id 'gift-cards' is already used by a.md"):
        load_knowledge_base(tmp_path)


def test_empty_or_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="holds no"):
        load_knowledge_base(tmp_path)
    with pytest.raises(KnowledgeBaseError, match="does not exist"):
        load_knowledge_base(tmp_path / "missing")


def test_shipped_paraphrases_cover_every_article_in_both_splits(kb_dir: Path) -> None:
    articles = load_knowledge_base(kb_dir)
    ids = {a.id for a in articles}
    assert len(ids) >= 80
    calibration = load_paraphrases(kb_dir / "paraphrases" / "calibration.yml", ids)
    test = load_paraphrases(TEST_SET, ids)
    assert len(calibration) + len(test) >= 150
    for split in (calibration, test):
        assert {p.article for p in split} - {None} == ids
        assert sum(p.article is None for p in split) >= 10
    normalised = lambda ps: {" ".join(p.question.lower().split()) for p in ps}  # noqa: E731
    assert not normalised(calibration) & normalised(test), "a question is in both splits"
    bodies = " ".join(" ".join(a.body.lower().split()) for a in articles)
    copied = [q for q in normalised(calibration) | normalised(test) if q.rstrip("?") in bodies]
    assert not copied, f"paraphrases copied into articles: {copied}"


def test_paraphrase_with_unknown_article_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yml"
    path.write_text("- question: Where is it?\n  article: nowhere\n")
    with pytest.raises(KnowledgeBaseError, match="entry 1 names unknown article 'nowhere'"):
        load_paraphrases(path, {"order-tracking"})
