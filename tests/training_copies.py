"""Find test sentences that are copies of training sentences.

A held-out sentence measures generalisation only if the model was not trained on it,
and a sentence that differs from a training one only in its order number, email or
punctuation is, for the model, the same sentence. ``normalise`` maps such variants to
one key; ``training_sentences`` indexes every NLU example and every story/rule user
turn under ``data/`` by that key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# What `rasa train` reads (the Makefile's RASA_DATA).
TRAINING_DIRS = tuple(PROJECT_ROOT / "data" / name for name in ("nlu", "rules", "stories"))

# [text](entity), [text](entity:value) and [text]{"entity": ...} annotations: keep the text.
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
APOSTROPHE = re.compile(r"['\u2019]")
NOT_WORD = re.compile(r"[^\w]+")


class Sentence(NamedTuple):
    """One user sentence of a Rasa YAML file: where it is, its label and its text (annotations kept)."""

    path: Path
    label: str  # the intent of an NLU example, the story or rule name of a user turn
    text: str


def normalise(text: str) -> str:
    """The key two sentences share when they differ only in numbers, emails, case, punctuation or spacing.

    Apostrophes are dropped, not turned into spaces, so "it's" and "its" are one word.

    Invariant: ``normalise(a) == normalise(b)`` for "where is order [1004587](order_number)?"
    and "Where is order #1203345", and for any two emails in the same place.
    """
    text = ANNOTATION.sub(r"\1", text).lower()
    text = EMAIL.sub(" _email_ ", text)
    text = NUMBER.sub(" _num_ ", APOSTROPHE.sub("", text))
    return " ".join(NOT_WORD.sub(" ", text).split())


def _examples(block: str) -> Iterator[str]:
    for line in block.splitlines():
        line = line.strip()
        if line.startswith("- "):
            yield line[2:].strip()


def sentences(path: Path) -> Iterator[Sentence]:
    """Every intent example (``nlu:``) and every ``user:`` turn (``stories:``, ``rules:``) in *path*."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for entry in document.get("nlu") or []:
        if "intent" in entry:
            for text in _examples(entry.get("examples") or ""):
                yield Sentence(path, entry["intent"], text)
    for key, name_key in (("stories", "story"), ("rules", "rule")):
        for flow in document.get(key) or []:
            for step in flow.get("steps") or []:
                if isinstance(step, dict) and "user" in step:
                    yield Sentence(path, flow.get(name_key, "?"), str(step["user"]).strip())


def training_sentences(directories: tuple[Path, ...] = TRAINING_DIRS) -> dict[str, Sentence]:
    """Every training sentence under *directories*, keyed by ``normalise`` of its text."""
    index: dict[str, Sentence] = {}
    for path in sorted(p for directory in directories for p in directory.rglob("*.yml")):
        for sentence in sentences(path):
            index.setdefault(normalise(sentence.text), sentence)
    return index


def copies(test_files: list[Path], directories: tuple[Path, ...] = TRAINING_DIRS) -> list[tuple[Sentence, Sentence]]:
    """(test sentence, training sentence it copies) for every copy in *test_files*."""
    training = training_sentences(directories)
    return [(s, training[normalise(s.text)]) for path in test_files for s in sentences(path)
            if normalise(s.text) in training]
