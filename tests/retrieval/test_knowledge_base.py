"""The article loader: the shipped articles load, malformed ones are refused by name."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from retrieval import KnowledgeBaseError, load_knowledge_base
from retrieval.calibration import HELDOUT_SET
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


def words(text: str) -> frozenset[str]:
    return frozenset(re.sub(r"[^\w ]", " ", text.lower().replace("'", "")).split())


def near_copies(questions: list[str], others: list[str], overlap: float = 0.7) -> list[tuple[str, str]]:
    """Pairs whose word sets overlap by at least *overlap* (Jaccard): the same question reworded
    by a word or two, which would measure recall of the index instead of generalisation."""
    found = []
    for q in questions:
        a = words(q)
        for o in others:
            b = words(o)
            if len(a & b) / len(a | b) >= overlap:
                found.append((q, o))
    return found


def test_the_three_question_sets_are_separate_and_cover_every_article(kb_dir: Path) -> None:
    """Article questions (indexed, trained on), calibration questions (thresholds only) and
    held-out questions (measuring only, outside data/) never share a question or a near-copy."""
    articles = load_knowledge_base(kb_dir)
    ids = {a.id for a in articles}
    assert len(ids) >= 80
    indexed = [q for a in articles for q in a.questions]
    assert all(len(a.questions) >= 4 for a in articles), "every article lists at least 4 questions"
    calibration = load_paraphrases(kb_dir / "paraphrases" / "calibration.yml", ids)
    heldout = load_paraphrases(HELDOUT_SET, ids)
    assert "heldout" in HELDOUT_SET.as_posix() and kb_dir.resolve() not in HELDOUT_SET.parents
    assert sum(p.article is not None for p in heldout) >= 200 and sum(p.article is None for p in heldout) >= 50
    assert sum(p.article is not None for p in calibration) >= 150 and sum(p.article is None for p in calibration) >= 40
    for split in (calibration, heldout):
        assert {p.article for p in split} - {None} == ids
    cal_q, held_q = [p.question for p in calibration], [p.question for p in heldout]
    assert not near_copies(held_q, indexed + cal_q), "held-out questions that are near-copies of data/"
    assert not near_copies(cal_q, indexed), "calibration questions that are near-copies of article questions"
    bodies = " ".join(" ".join(a.body.lower().split()) for a in articles)
    # Whole questions only: two- and three-word queries ("return policy") are article phrases anyway.
    normalised = {" ".join(q.lower().split()).rstrip("?") for q in cal_q + held_q if len(q.split()) >= 4}
    copied = [q for q in normalised if q in bodies]
    assert not copied, f"calibration or held-out questions copied into articles: {copied}"


def test_near_copies_are_found_up_to_case_and_punctuation() -> None:
    assert near_copies(["Do you sell my data?"], ["do you sell my personal data"]) != []
    assert near_copies(["Do you sell my data?"], ["Who do you share my address with?"]) == []


def test_article_questions_are_read_and_checked(tmp_path: Path) -> None:
    text = GOOD.replace("updated: 2025-03-04\n", 'updated: 2025-03-04\nquestions:\n  - "Do  gift cards expire?"\n')
    assert parse_article(text, "gift-cards.md").questions == ("Do gift cards expire?",)
    assert parse_article(GOOD, "gift-cards.md").questions == ()
    for bad in ("questions: refunds\n", "questions: [1, 2]\n", "questions: ['', x]\n", "questions: [A?, a?]\n"):
        with pytest.raises(KnowledgeBaseError, match="question"):
            parse_article(GOOD.replace("updated: 2025-03-04\n", "updated: 2025-03-04\n" + bad), "gift-cards.md")
    (tmp_path / "a.md").write_text(text)
    (tmp_path / "b.md").write_text(text.replace("id: gift-cards", "id: other"))
    with pytest.raises(KnowledgeBaseError, match="also listed by a.md"):
        load_knowledge_base(tmp_path)


def test_paraphrase_with_unknown_article_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yml"
    path.write_text("- question: Where is it?\n  article: nowhere\n")
    with pytest.raises(KnowledgeBaseError, match="entry 1 names unknown article 'nowhere'"):
        load_paraphrases(path, {"order-tracking"})
