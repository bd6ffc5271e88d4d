"""The market actions on the real engine and bundled data, with hand-built trackers.

Outages use the local vendor server from tests/market (real HTTP, Alpha
Vantage format), configured through the same settings as production.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Iterator, Sequence

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions import market, replies, services
from market.bundled import BundledProvider

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "market"))  # the shared vendor helpers
from market_helpers import API_KEY, SERVED, Vendor, daily_payload, serve_vendor  # noqa: E402

ACTIONS = {
    "stock_price": market.ActionStockPrice(),
    "stock_analysis": market.ActionStockAnalysis(),
    "stock_compare": market.ActionStockCompare(),
    "portfolio_risk": market.ActionPortfolioRisk(),
    "market_overview": market.ActionMarketOverview(),
}
NOTICE = replies.text("market.not_advice")
UNAVAILABLE = replies.text("market.unavailable")
BUNDLED_AS_OF = "Fri 1 Mar 2013"  # last bar of the bundled stock files
NUMBER_WORDS = re.compile(r"\b(nan|inf|none)\b", re.I)


def clear_market_services() -> None:
    services.market_analyst.cache_clear()
    services.market_resolver.cache_clear()


@pytest.fixture
def charts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Bundled data, in-process cache, charts written under tmp_path."""
    chart_dir = tmp_path / "charts"
    monkeypatch.setenv("CHART_DIR", str(chart_dir))
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("MARKET_DATA_PROVIDER", "bundled")
    monkeypatch.setenv("ACTION_PUBLIC_URL", "https://bot.example")
    clear_market_services()
    yield chart_dir
    clear_market_services()


def tracker(text: str, entities: Sequence[str] = (), channel: str = "rest") -> Tracker:
    latest = {"text": text, "intent": {"name": "stock"},
              "entities": [{"entity": "ticker", "value": v} for v in entities]}
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": channel}]
    return Tracker("investor-1", {}, latest, events, False, None, {}, "action_listen")


def ask(intent: str, text: str, entities: Sequence[str] = (), channel: str = "rest") -> tuple[str, list[str]]:
    """Run the intent's action; returns all text joined and the image URLs."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ACTIONS[intent].run(dispatcher, tracker(text, entities, channel), {}))
    assert {e["name"] for e in events} <= {"market_tickers", "market_period", "portfolio"}, \
        "the market skill only remembers what it answered about"
    texts = [m["text"] for m in dispatcher.messages if m.get("text")]
    images = [m["image"] for m in dispatcher.messages if m.get("image")]
    return "\n".join(texts), images


def assert_clean(answer: str) -> None:
    assert not NUMBER_WORDS.search(answer), f"a missing value leaked into the answer:\n{answer}"


def test_action_names_match_the_contract() -> None:
    assert {name: action.name() for name, action in ACTIONS.items()} == {
        "stock_price": "action_stock_price", "stock_analysis": "action_stock_analysis",
        "stock_compare": "action_stock_compare", "portfolio_risk": "action_portfolio_risk",
        "market_overview": "action_market_overview"}


def test_the_action_server_registers_exactly_the_market_actions() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    registered = {name for name in executor.actions if "stock" in name or "market" in name or "portfolio" in name}
    assert registered == {action.name() for action in ACTIONS.values()}


def test_price_resolves_company_names_and_states_the_date(charts: Path) -> None:
    close = BundledProvider().quote("AAPL").price
    answer, images = ask("stock_price", "how much is apple stock?")
    assert f"Apple Inc. (AAPL) closed at {close:,.2f} on {BUNDLED_AS_OF}" in answer
    assert "Data as of Fri 1 Mar 2013" in answer and answer.endswith(NOTICE)
    assert images == []
    assert_clean(answer)


def test_price_over_a_period_and_before_the_data_starts(charts: Path) -> None:
    history = BundledProvider().history("MSFT")
    closes = history.bars["close"]
    expected = closes.iloc[-1] / closes[:"2012-12-01"].iloc[-1] - 1  # 3 months before 1 Mar 2013
    answer, _ = ask("stock_price", "MSFT over the last 3 months", ["MSFT"])
    assert f"MSFT over 3 months (since 2012-11-30): {expected * 100:+.1f}%" in answer
    missing, _ = ask("stock_price", "facebook over the past 5 years")
    assert "I have no price near 2008-03-01; my FB data covers 2012-05-18 to 2013-03-01" in missing
    after, _ = ask("stock_price", "AAPL since 2015")
    assert "AAPL since 2015-01-01: my AAPL data ends on 2013-03-01, before that." in after
    assert_clean(missing)


@pytest.mark.parametrize("text, entities", [
    ("what is the price of ZZZZ?", ()),
    ("how is $TSLA doing", ()),
    ("price of Tesla please", ("Tesla",)),
    ("how much is nvidia stock", ()),
])
def test_unknown_tickers_get_the_covered_list(charts: Path, text: str, entities: tuple) -> None:
    answer, _ = ask("stock_price", text, entities)
    unknown = entities[0] if entities else re.search(r"ZZZZ|TSLA|nvidia", text).group(0)
    assert f"I don't have market data for {unknown}" in answer
    for covered in ("AAPL (Apple Inc.)", "^GSPC (S&P 500 Index)", "MSFT"):
        assert covered in answer


def test_no_ticker_is_a_polite_question(charts: Path) -> None:
    for intent in ("stock_price", "stock_analysis", "stock_compare", "portfolio_risk"):
        answer, images = ask(intent, "what do you think?")
        assert answer.startswith("Which stock or index"), intent
        assert "AAPL (Apple Inc.)" in answer and images == []


def test_analysis_sends_a_chart_on_image_channels_only(charts: Path) -> None:
    answer, images = ask("stock_analysis", "analyse msft", ["MSFT"], channel="socketio")
    assert "Microsoft Corporation (MSFT) closed at" in answer and "Trend:" in answer
    assert answer.endswith(NOTICE) and "Data as of Fri 1 Mar 2013" in answer
    assert len(images) == 1 and images[0].startswith("https://bot.example/charts/MSFT-")
    chart = charts / images[0].rsplit("/", 1)[1]
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    written = chart.stat().st_mtime_ns
    again, images_again = ask("stock_analysis", "analyse msft", ["MSFT"], channel="socketio")
    assert images_again == images and chart.stat().st_mtime_ns == written, "an existing chart is reused"
    text_only, no_images = ask("stock_analysis", "analyse msft", ["MSFT"], channel="cmdline")
    assert no_images == [] and text_only == answer
    assert_clean(answer)


def test_chart_failure_leaves_the_text_answer(charts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = charts.parent / "not-a-directory"
    blocked.write_text("a file where the chart directory should be")
    monkeypatch.setenv("CHART_DIR", str(blocked))
    answer, images = ask("stock_analysis", "analyse apple", channel="socketio")
    assert images == [] and "Apple Inc. (AAPL) closed at" in answer and answer.endswith(NOTICE)


def test_asked_indicators_come_first_and_shape_the_chart(charts: Path) -> None:
    answer, images = ask("stock_analysis", "RSI and MACD of IBM over the last 6 months")
    analysis = services.market_analyst().analyze("IBM")
    assert answer.splitlines()[0] == (f"IBM on 2013-03-01: RSI14 {analysis.indicators.rsi14:,.2f}, "
                                      f"MACD {analysis.indicators.macd:,.2f}.")
    default, default_images = ask("stock_analysis", "analyse IBM")
    assert images and default_images and images != default_images, "other indicators, other chart"


def test_short_history_analysis_has_no_missing_values(charts: Path) -> None:
    answer, _ = ask("stock_analysis", "analyse FB")
    assert "Not enough data for:" in answer and "SMA200 needs 200 bars" in answer
    assert "SMA200" not in answer.split("Levels:")[1].splitlines()[0]
    assert_clean(answer)


def test_compare_uses_the_common_window_and_period(charts: Path) -> None:
    answer, images = ask("stock_compare", "compare Apple, google and the S&P 500 YTD", channel="slack")
    comparison = services.market_analyst().compare(["AAPL", "GOOG", "^GSPC"], lookback_days=60)
    assert "From Mon 31 Dec 2012 to Fri 1 Mar 2013" in answer
    for row in comparison.rows:
        assert f"({row.analysis.ticker}): return {row.window_return * 100:+.1f}%" in answer
    assert f"Best: {comparison.best}; worst: {comparison.worst}." in answer
    assert len(images) == 1 and answer.endswith(NOTICE)
    assert_clean(answer)


def test_compare_with_one_ticker_uses_the_benchmark(charts: Path) -> None:
    answer, _ = ask("stock_compare", "how does IBM compare?", ["IBM"])
    assert "compare it with the benchmark ^GSPC" in answer and "(^GSPC): return" in answer


@pytest.mark.parametrize("text", ["vs msft", "compared with Microsoft?", "and against MSFT",
                                  "throw microsoft in there too"])
def test_a_comparison_naming_one_ticker_after_another_compares_the_two(charts: Path, text: str) -> None:
    latest = {"text": text, "intent": {"name": "stock_compare"}, "entities": [{"entity": "ticker", "value": "MSFT"}]}
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": "rest"}]
    after_ibm = Tracker("investor-1", {"market_tickers": ["IBM"]}, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ACTIONS["stock_compare"].run(dispatcher, after_ibm, {}))
    answer = "\n".join(m["text"] for m in dispatcher.messages if m.get("text"))
    assert "(IBM): return" in answer and "(MSFT): return" in answer and "benchmark" not in answer


def test_compare_with_an_unknown_company_names_it(charts: Path) -> None:
    answer, images = ask("stock_compare", "compare tesla and apple")
    assert answer.startswith("I don't have market data for tesla. I cover:") and images == []


def test_compare_without_common_dates_explains(charts: Path) -> None:
    answer, _ = ask("stock_compare", "compare FB and IBM since 2013-02-25")
    assert answer.startswith("I can't compare those:") and "at least 21 are needed" in answer


@pytest.mark.parametrize("text, weights", [
    ("risk of 40% AAPL, 60% MSFT", {"AAPL": 40, "MSFT": 60}),
    ("$5000 in Apple and $2000 in MSFT", {"AAPL": 71, "MSFT": 29}),
    ("how risky is a portfolio of AAPL, MSFT and IBM", {"AAPL": 33, "MSFT": 33, "IBM": 33}),
])
def test_portfolio_weights_from_text(charts: Path, text: str, weights: dict) -> None:
    answer, _ = ask("portfolio_risk", text)
    listed = ", ".join(f"{t} {w}%" for t, w in weights.items())
    assert answer.startswith(f"Portfolio {listed}")
    assert "95% one-day value at risk" in answer and "Sharpe ratio" in answer
    assert ("of the 7,000 held" in answer) == text.startswith("$")
    assert answer.endswith(NOTICE)
    assert_clean(answer)


@pytest.mark.parametrize("text, reply", [
    ("40% AAPL, $600 MSFT", "not a mix"),
    ("40% AAPL and MSFT", "but not for MSFT"),
    ("50% AAPL, 50% ZZZZ", "I don't have market data for ZZZZ"),
])
def test_portfolio_problems_are_explained(charts: Path, text: str, reply: str) -> None:
    answer, _ = ask("portfolio_risk", text)
    assert reply in answer and "Sharpe" not in answer


def test_overview_lists_every_covered_series_with_its_date(charts: Path) -> None:
    answer, _ = ask("market_overview", "how are the markets today?")
    for ticker in BundledProvider().tickers():
        assert f"({ticker}):" in answer
    assert "on 2018-12-31" in answer and "on 2013-03-01" in answer and answer.endswith(NOTICE)
    assert_clean(answer)


def test_bad_period_is_explained(charts: Path) -> None:
    answer, _ = ask("stock_price", "AAPL since 2010-13-45")
    assert "is not a date I can read" in answer


@pytest.fixture
def live_vendor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Vendor]:
    """The analyst configured for the local Alpha-Vantage-format vendor (it serves IBM)."""
    bundled = BundledProvider()
    bodies = {t: json.dumps(daily_payload(bundled.history(t))).encode() for t in SERVED}
    with serve_vendor(Vendor(bundled, bodies)) as vendor:
        monkeypatch.setenv("MARKET_DATA_PROVIDER", "alphavantage")
        monkeypatch.setenv("MARKET_API_BASE_URL", vendor.url)
        monkeypatch.setenv("MARKET_API_KEY", API_KEY)
        monkeypatch.setenv("REDIS_URL", "")
        monkeypatch.setenv("CHART_DIR", str(tmp_path))
        clear_market_services()
        yield vendor
        clear_market_services()


def test_outage_answers_from_cache_then_says_unavailable(live_vendor: Vendor) -> None:
    first, _ = ask("stock_analysis", "analyse IBM", channel="cmdline")
    assert "(IBM) closed at" in first and "alphavantage data" in first
    live_vendor.then(*["500"] * 30)
    cached, _ = ask("stock_analysis", "analyse IBM", channel="cmdline")
    assert cached == first, "the cached answer survives the outage"
    down, _ = ask("stock_compare", "compare IBM and MSFT", channel="cmdline")
    assert down == UNAVAILABLE, "MSFT was never cached and the vendor is down"
    clear_market_services()
    unavailable, _ = ask("stock_analysis", "analyse IBM", channel="cmdline")
    assert unavailable == UNAVAILABLE
    for intent, text in (("stock_price", "IBM price"), ("market_overview", "markets?"),
                         ("portfolio_risk", "IBM and MSFT")):
        answer, _ = ask(intent, text)
        assert answer == UNAVAILABLE, intent


def test_vendor_without_the_ticker_lists_coverage(live_vendor: Vendor) -> None:
    answer, _ = ask("stock_price", "price of MSFT")
    assert answer.startswith("I don't have data for that ticker. I cover:")
