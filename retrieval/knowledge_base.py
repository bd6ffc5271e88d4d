"""Loads the FAQ knowledge base: Markdown articles with YAML front matter.

Articles are content, edited by people who are not programmers, so the loader
is strict and names the file and field at fault instead of indexing a typo.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)
ARTICLE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FIELDS = ("id", "title", "tags", "updated")
OPTIONAL_FIELDS = ("questions",)


class KnowledgeBaseError(ValueError):
    """An article file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Article:
    """One knowledge-base article; ``body`` is the Markdown after the front matter."""

    id: str
    title: str
    tags: tuple[str, ...]
    updated: dt.date
    body: str
    source: str  # path relative to the knowledge-base directory
    # Questions customers ask that this article answers, written by the article's author. They
    # are indexed next to the passages (question-to-question matching) and are the training
    # pairs of the domain-tuned encoder; calibration and held-out questions are never among them.
    questions: tuple[str, ...] = ()


def parse_article(text: str, source: str) -> Article:
    """Parse one article file's text; *source* is only used in error messages and metadata."""
    match = FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        raise KnowledgeBaseError(f"{source}: no YAML front matter (the file must start with '---').")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        raise KnowledgeBaseError(f"{source}: invalid YAML front matter: {error}") from None
    if not isinstance(meta, dict):
        raise KnowledgeBaseError(f"{source}: front matter must be a mapping of {', '.join(FIELDS)}.")
    missing = [f for f in FIELDS if f not in meta]
    unknown = sorted(set(meta) - set(FIELDS) - set(OPTIONAL_FIELDS))
    if missing or unknown:
        raise KnowledgeBaseError(
            f"{source}: front matter fields are {', '.join(FIELDS)} (optional: {', '.join(OPTIONAL_FIELDS)})"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(map(str, unknown))}" if unknown else "")
        )
    article_id, title, tags, updated = (meta[f] for f in FIELDS)
    if not isinstance(article_id, str) or not ARTICLE_ID.match(article_id):
        raise KnowledgeBaseError(f"{source}: id {article_id!r} must be lowercase words joined by '-'.")
    if not isinstance(title, str) or not title.strip():
        raise KnowledgeBaseError(f"{source}: title must be non-empty text.")
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise KnowledgeBaseError(f"{source}: tags must be a list of words, e.g. [orders, shipping].")
    if isinstance(updated, dt.datetime) or not isinstance(updated, dt.date):
        raise KnowledgeBaseError(f"{source}: updated must be a date written YYYY-MM-DD, not {updated!r}.")
    questions = meta.get("questions", [])
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        raise KnowledgeBaseError(f"{source}: questions must be a list of questions, e.g. [\"Where is my order?\"].")
    if len({" ".join(q.lower().split()) for q in questions}) != len(questions):
        raise KnowledgeBaseError(f"{source}: a question is listed twice.")
    body = match.group(2).strip()
    if not body:
        raise KnowledgeBaseError(f"{source}: the article has no text after the front matter.")
    return Article(
        article_id,
        title.strip(),
        tuple(t.strip() for t in tags),
        updated,
        body,
        source,
        tuple(" ".join(q.split()) for q in questions),
    )


def load_knowledge_base(directory: Path | str) -> list[Article]:
    """Every ``*.md`` file under *directory* (recursively), sorted by path; ids must be unique."""
    root = Path(directory)
    if not root.is_dir():
        raise KnowledgeBaseError(f"Knowledge-base directory {root} does not exist.")
    articles: list[Article] = []
    seen: dict[str, str] = {}
    asked: dict[str, str] = {}  # a question may point to one article only
    for path in sorted(root.rglob("*.md")):
        source = path.relative_to(root).as_posix()
        article = parse_article(path.read_text(encoding="utf-8"), source)
        if article.id in seen:
            raise KnowledgeBaseError(f"{source}: id {article.id!r} is already used by {seen[article.id]}.")
        for question in article.questions:
            key = " ".join(question.lower().split())
            if key in asked:
                raise KnowledgeBaseError(f"{source}: question {question!r} is also listed by {asked[key]}.")
            asked[key] = source
        seen[article.id] = source
        articles.append(article)
    if not articles:
        raise KnowledgeBaseError(f"Knowledge-base directory {root} holds no *.md articles.")
    return articles
