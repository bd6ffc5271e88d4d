"""Splits articles into passages small enough for the sentence encoder.

all-MiniLM-L6-v2 reads at most 256 word pieces and was trained on ~128, so a
long article embedded whole loses its tail and blurs its topics. Passages are
cut on sentence boundaries (spaCy's rule-based sentencizer, no downloaded
model), never across a heading, and carry the article title and section so a
passage like "It takes 3 to 5 days." still says what it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

import spacy

from retrieval.knowledge_base import Article

HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
INLINE_MARKUP = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links keep their text
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
)


@dataclass(frozen=True)
class ChunkingConfig:
    """``max_words``: passage size limit; a longer single sentence is cut at word boundaries."""

    max_words: int = 120

    def __post_init__(self) -> None:
        if self.max_words < 8:
            raise ValueError("max_words must be at least 8")


@dataclass(frozen=True)
class Chunk:
    """A passage of one article. ``context`` is "title — section", prepended when embedding."""

    chunk_id: str
    article_id: str
    position: int
    context: str
    text: str

    @property
    def embed_text(self) -> str:
        return f"{self.context}\n{self.text}"


@lru_cache(maxsize=1)
def sentencizer() -> spacy.language.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def plain_text(markdown_line: str) -> str:
    """Inline Markdown (emphasis, links, code) reduced to its words."""
    for pattern, replacement in INLINE_MARKUP:
        markdown_line = pattern.sub(replacement, markdown_line)
    return " ".join(markdown_line.split())


def _sections(body: str) -> Iterator[tuple[str, list[str]]]:
    """(heading, blocks) pairs; a block is a paragraph or one list item, in plain text."""
    heading, blocks, current = "", [], []

    def flush_block() -> None:
        if current:
            blocks.append(plain_text(" ".join(current)))
            current.clear()

    for line in body.splitlines():
        if (match := HEADING.match(line)) is not None:
            flush_block()
            if blocks:
                yield heading, blocks
            heading, blocks = plain_text(match.group(1)), []
        elif not line.strip():
            flush_block()
        else:
            if LIST_ITEM.match(line):
                flush_block()
            current.append(line.strip())
    flush_block()
    if blocks:
        yield heading, blocks


def _pieces(sentence: str, max_words: int) -> Iterator[str]:
    words = sentence.split()
    for start in range(0, len(words), max_words):
        yield " ".join(words[start : start + max_words])


def _pack(blocks: list[str], max_words: int) -> Iterator[str]:
    """Greedy packing of whole sentences; blocks keep their line breaks inside a passage."""
    lines: list[list[str]] = []
    words = 0
    for doc in sentencizer().pipe(blocks):
        new_block = True
        for sentence in doc.sents:
            for piece in _pieces(sentence.text, max_words):
                size = len(piece.split())
                if lines and words + size > max_words:
                    yield "\n".join(" ".join(line) for line in lines)
                    lines, words, new_block = [], 0, True
                if new_block:
                    lines.append([])
                    new_block = False
                lines[-1].append(piece)
                words += size
    if lines:
        yield "\n".join(" ".join(line) for line in lines)


def chunk_article(article: Article, config: ChunkingConfig = ChunkingConfig()) -> list[Chunk]:
    """The article's passages in reading order, ids ``<article id>#<position>``."""
    chunks: list[Chunk] = []
    for heading, blocks in _sections(article.body):
        context = f"{article.title} — {heading}" if heading else article.title
        for text in _pack(blocks, config.max_words):
            position = len(chunks)
            chunks.append(Chunk(f"{article.id}#{position}", article.id, position, context, text))
    return chunks


def chunk_articles(articles: Iterable[Article], config: ChunkingConfig = ChunkingConfig()) -> list[Chunk]:
    return [chunk for article in articles for chunk in chunk_article(article, config)]
