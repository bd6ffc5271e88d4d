"""The NLU hold-out and the test stories stay out of the training data.

`rasa test nlu` on tests/nlu_holdout.yml and `rasa test core` on tests/stories measure
how the model does on messages it has not seen; a sentence that is in data/ (up to its
numbers, emails, case and punctuation: ``tests.training_copies.normalise``) measures
recall of the training set instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.training_copies import (
    ANNOTATION,
    PROJECT_ROOT,
    Sentence,
    copies,
    normalise,
    sentences,
    training_sentences,
)

HOLDOUT = PROJECT_ROOT / "tests" / "nlu_holdout.yml"
STORIES = sorted((PROJECT_ROOT / "tests" / "stories").glob("*.yml"))


def entity_only(text: str) -> bool:
    """A turn that is nothing but annotated entities ("[1840213](order_number)", "[MSFT](ticker)?"):
    it has no wording of its own to rephrase, so a test story may use one (the hold-out may not)."""
    return not re.search(r"\w", ANNOTATION.sub("", text))


def describe(found: list[tuple[Sentence, Sentence]]) -> str:
    return "\n".join(f"  {test.path.name} ({test.label}): {test.text!r} is {train.text!r} in "
                     f"{train.path.relative_to(PROJECT_ROOT)}" for test, train in found)


def test_normalise_maps_number_email_and_punctuation_variants_together() -> None:
    assert normalise("Where is order [1004587](order_number)?") == normalise("where is order #1203345")
    assert normalise("it's [jane.doe@example.com](email)") == normalise("its bob@example.org.")
    assert normalise("cancel [#1203345](order_number)") != normalise("cancel my order")


def test_copies_are_found_in_every_kind_of_training_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "nlu.yml").write_text('nlu:\n- intent: inform\n  examples: |\n    - my order is [1004587](order_number)\n')
    (data / "stories.yml").write_text("stories:\n- story: s\n  steps:\n  - user: |\n      hello there\n    intent: greet\n")
    test = tmp_path / "test.yml"
    test.write_text("nlu:\n- intent: inform\n  examples: |\n    - My order is 1999999!\n    - a new sentence\n"
                    "- intent: greet\n  examples: |\n    - Hello there.\n")
    found = copies([test], (data,))
    assert [(t.text, train.path.name) for t, train in found] == [("My order is 1999999!", "nlu.yml"),
                                                                 ("Hello there.", "stories.yml")]


def test_the_nlu_holdout_contains_no_training_sentence() -> None:
    found = copies([HOLDOUT])
    assert not found, "hold-out sentences that are training sentences; write new ones:\n" + describe(found)


def test_the_nlu_holdout_exercises_every_intent_a_customer_can_type() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    typed = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}
    typed = {i for i in typed if not i.startswith("EXTERNAL_")}
    held = {s.label for s in sentences(HOLDOUT)}
    assert typed <= held, f"intents with no hold-out example: {sorted(typed - held)}"


@pytest.mark.parametrize("story_file", STORIES, ids=lambda p: p.name)
def test_test_story_user_turns_are_not_training_sentences(story_file: Path) -> None:
    found = [(test, train) for test, train in copies([story_file]) if not entity_only(test.text)]
    assert not found, "user turns copied from the training data; rephrase them:\n" + describe(found)


def test_only_turns_made_of_entities_alone_are_entity_only() -> None:
    assert entity_only("[1840213](order_number)") and entity_only('[MSFT]{"entity": "ticker"}?')
    assert not entity_only("and [IBM](ticker)?") and not entity_only("it's [a@example.org](email)")


def test_the_training_data_is_read() -> None:
    """Guards the guard: an empty index would let every copy through."""
    training = training_sentences()
    assert len(training) > 500
    assert normalise("where is my order") in training
