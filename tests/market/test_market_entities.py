"""The covered list drives the spaCy EntityRuler, the NLU synonyms and the resolver alike."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from market import spacy_model
from market.question import Resolver
from market.universe import (
    NLU_ENTITIES_PATH,
    PROJECT_ROOT,
    UNIVERSE_PATH,
    load_universe,
    nlu_entities_yaml,
    universe_hash,
)

RASA_PYTHON = PROJECT_ROOT / ".venv" / "rasa" / "bin" / "python"
SENTENCES = {
    "How is Apple doing vs msft?": ["Apple", "msft"],
    "Compare the S&P 500 with the nasdaq composite and $AAPL": ["S&P 500", "nasdaq composite", "AAPL"],
    "what about Standard & Poor's 500 and GOOGL": ["Standard & Poor's 500", "GOOGL"],
    "is it all good for facebook, META and IBM?": ["facebook", "META", "IBM"],
    "apple's price since 2010": ["apple"],
    "nothing covered here, just all of it": [],
}
TICKERS = {"Apple": "AAPL", "msft": "MSFT", "S&P 500": "^GSPC", "nasdaq composite": "^IXIC", "AAPL": "AAPL",
           "Standard & Poor's 500": "^GSPC", "GOOGL": "GOOG", "facebook": "FB", "META": "FB", "IBM": "IBM",
           "apple": "AAPL"}


def test_nlu_entities_file_is_up_to_date_with_the_covered_list() -> None:
    expected = nlu_entities_yaml(load_universe(), universe_hash())
    assert NLU_ENTITIES_PATH.read_text(encoding="utf-8") == expected, (
        "data/nlu/market_entities.yml is stale: run `make spacy-model`")


def test_nlu_file_maps_every_alias_to_its_ticker() -> None:
    text = NLU_ENTITIES_PATH.read_text(encoding="utf-8")
    for entry in load_universe():
        block = text.split(f'- synonym: "{entry.ticker}"\n', 1)[1].split("\n- ", 1)[0]
        for alias in entry.aliases:
            assert f"    - {alias}" in block or alias.lower() in block.lower(), (entry.ticker, alias)


def test_entity_ruler_finds_names_and_tickers() -> None:
    nlp = spacy_model.build_pipeline(load_universe())
    for sentence, expected in SENTENCES.items():
        doc = nlp(sentence)
        assert [e.text for e in doc.ents] == expected, sentence
        assert [e.ent_id_ for e in doc.ents] == [TICKERS[t] for t in expected]
        assert {e.label_ for e in doc.ents} <= {"ticker"}


def test_lowercase_tickers_that_are_english_words_do_not_match(tmp_path: Path) -> None:
    listing = tmp_path / "tickers.csv"
    listing.write_text("ticker,name,file,aliases\nALL,Allstate Corporation,ALL,Allstate\n"
                       "IT,Gartner Inc.,IT,Gartner\nMSFT,Microsoft Corporation,MSFT,Microsoft\n")
    universe = load_universe(listing)
    nlp = spacy_model.build_pipeline(universe)
    doc = nlp("is it all fine for ALL, IT, msft and allstate?")
    assert [(e.text, e.ent_id_) for e in doc.ents] == [("ALL", "ALL"), ("IT", "IT"), ("msft", "MSFT"),
                                                      ("allstate", "ALL")]
    found, _ = Resolver(universe).tickers("is it all fine for ALL, IT, msft and allstate?")
    assert found == ["ALL", "IT", "MSFT"]


def test_resolver_agrees_with_the_entity_ruler() -> None:
    resolver = Resolver()
    for sentence, expected in SENTENCES.items():
        found, unknown = resolver.tickers(sentence)
        assert found == list(dict.fromkeys(TICKERS[t] for t in expected)), sentence
        assert unknown == []
        for value in expected:  # what SpacyEntityExtractor hands over resolves too
            assert resolver.resolve(value) == TICKERS[value]


def test_builder_skips_when_current_and_rebuilds_on_change(tmp_path: Path) -> None:
    listing = tmp_path / "tickers.csv"
    shutil.copy(UNIVERSE_PATH, listing)
    out, nlu = tmp_path / "model", tmp_path / "market_entities.yml"
    assert spacy_model.build(out, listing, nlu) is True
    assert spacy_model.build(out, listing, nlu) is False
    manifest = json.loads((out / spacy_model.MANIFEST).read_text())
    assert manifest["covered_list_sha256"] == universe_hash(listing)
    with listing.open("a") as handle:
        handle.write("TSLA,Tesla Inc.,TSLA,Tesla\n")
    assert spacy_model.build(out, listing, nlu) is True
    assert "- synonym: \"TSLA\"" in nlu.read_text()
    assert spacy_model.build_pipeline(load_universe(listing))("Tesla").ents[0].ent_id_ == "TSLA"


def test_shipped_model_builds_and_loads_in_rasa_with_spacy_3_4(tmp_path: Path) -> None:
    if not RASA_PYTHON.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{RASA_PYTHON} is missing: run `make setup`")
        pytest.skip(f"{RASA_PYTHON} is missing: run `make setup`")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = tmp_path / "spacy_market"
    built = subprocess.run([str(RASA_PYTHON), "-m", "market.spacy_model", "--out", str(out),
                            "--nlu-out", str(tmp_path / "entities.yml")],
                           cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    assert "(spaCy 3.4" in built.stdout
    assert json.loads((out / "meta.json").read_text())["spacy_version"].startswith(">=3.4")
    checked = subprocess.run([str(RASA_PYTHON), str(Path(__file__).with_name("rasa_spacy_check.py")), str(out),
                              *SENTENCES], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert json.loads(checked.stdout.strip().splitlines()[-1]) == list(SENTENCES.values())
