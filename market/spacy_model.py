"""Build the spaCy pipeline that finds tickers and company names for Rasa.

Rasa's ``SpacyNLP`` loads ``models/spacy_market`` and ``SpacyEntityExtractor``
reports its ``ticker`` entities. The pipeline is a blank English tokenizer plus
an EntityRuler whose patterns come from the covered list
(``data/market/tickers.csv``): company names and aliases match in any case,
ticker symbols as written and in lowercase unless that is an English word
("msft" yes, "all" no). No model is downloaded.

The same run writes ``data/nlu/market_entities.yml`` (synonyms name -> ticker
and a ``ticker`` lookup table). Both are rebuilt only when the covered list's
hash (recorded in the manifest) or this builder's version changes.

It runs in the Rasa environment (spaCy 3.4) as well as the actions one, so it
imports only the standard library, spaCy and :mod:`market.universe`::

    .venv/rasa/bin/python -m market.spacy_model [--force]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterable

import spacy

from market.universe import (
    ENTITY,
    NLU_ENTITIES_PATH,
    PROJECT_ROOT,
    UNIVERSE_PATH,
    CoveredTicker,
    load_universe,
    nlu_entities_yaml,
    universe_hash,
)

DEFAULT_OUT = PROJECT_ROOT / "models" / "spacy_market"
MANIFEST = "kestrel_manifest.json"
BUILDER_VERSION = 1  # bump when the patterns' shape changes


def entity_patterns(universe: Iterable[CoveredTicker], tokenize: Callable[[str], list[str]]) -> list[dict]:
    """EntityRuler token patterns (label ``ticker``, id = the ticker) for every form.

    Forms are tokenized by the pipeline's own tokenizer, so "S&P 500" or
    "Standard & Poor's 500" match however spaCy splits them.
    """
    patterns = []
    for entry in universe:
        for form in entry.ticker_forms:
            patterns.append({"label": ENTITY, "id": entry.ticker,
                             "pattern": [{"ORTH": token} for token in tokenize(form)]})
        for name in entry.names:
            patterns.append({"label": ENTITY, "id": entry.ticker,
                             "pattern": [{"LOWER": token.lower()} for token in tokenize(name)]})
    return patterns


def build_pipeline(universe: Iterable[CoveredTicker]) -> "spacy.language.Language":
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(entity_patterns(universe, lambda text: [t.text for t in nlp.make_doc(text)]))
    nlp.meta["name"] = "spacy_market"
    nlp.meta["description"] = "Kestrel ticker EntityRuler built from data/market/tickers.csv"
    return nlp


def manifest_for(source: Path) -> dict:
    return {"covered_list_sha256": universe_hash(source), "builder_version": BUILDER_VERSION}


def is_current(out_dir: Path, source: Path) -> bool:
    manifest = out_dir / MANIFEST
    return manifest.is_file() and json.loads(manifest.read_text()) == manifest_for(source)


def build(out_dir: Path = DEFAULT_OUT, source: Path = UNIVERSE_PATH, nlu_path: Path = NLU_ENTITIES_PATH,
          force: bool = False) -> bool:
    """(Re)build the model and the NLU file; returns False when both were up to date."""
    universe = load_universe(source)
    nlu_text = nlu_entities_yaml(universe, universe_hash(source))
    nlu_current = nlu_path.is_file() and nlu_path.read_text(encoding="utf-8") == nlu_text
    if not force and nlu_current and is_current(out_dir, source):
        print(f"[spacy-model] {out_dir} is up to date with {source.name}")
        return False
    if not nlu_current:
        nlu_path.parent.mkdir(parents=True, exist_ok=True)
        nlu_path.write_text(nlu_text, encoding="utf-8")
        print(f"[spacy-model] wrote {nlu_path}")
    nlp = build_pipeline(universe)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir.parent) as tmp:
        staged = Path(tmp) / "model"
        nlp.to_disk(staged)
        (staged / MANIFEST).write_text(json.dumps(manifest_for(source), indent=2) + "\n")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staged.rename(out_dir)
    count = len(nlp.get_pipe("entity_ruler").patterns)
    print(f"[spacy-model] built {out_dir}: {len(universe)} tickers, {count} patterns (spaCy {spacy.__version__})")
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model directory (default: %(default)s)")
    parser.add_argument("--source", type=Path, default=UNIVERSE_PATH, help="covered list (default: %(default)s)")
    parser.add_argument("--nlu-out", type=Path, default=NLU_ENTITIES_PATH, help="Rasa NLU file (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    build(args.out, args.source, args.nlu_out, args.force)


if __name__ == "__main__":
    sys.exit(main())
