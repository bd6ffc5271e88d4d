"""Reading tickers, periods, holdings and indicators from what customers type."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from market.portfolio import Holding
from market.question import Resolver, chart_indicators, parse_period

RESOLVER = Resolver()


@pytest.mark.parametrize("text, tickers, unknown", [
    ("How is Apple doing vs msft?", ["AAPL", "MSFT"], []),
    ("compare $TSLA, ZZZZ and Google", ["GOOG"], ["TSLA", "ZZZZ"]),
    ("S&P 500 vs the Nasdaq YTD, and IBM's RSI", ["^GSPC", "^IXIC", "IBM"], []),
    ("is it all OK for the USD and ETF buyers?", [], []),
    ("what is the price of ^GSPC and ^ixic", ["^GSPC", "^IXIC"], []),
    ("how much is tesla stock", [], ["tesla"]),
    ("share price for amazon", [], ["amazon"]),
    ("compare apple, tesla, and google", ["AAPL", "GOOG"], ["tesla"]),
    ("is apple more correlated with the nasdaq or the s&p", ["AAPL", "^IXIC", "^GSPC"], []),
    ("what's the price of that stock", [], []),
    ("what if I dropped facebook and went with ibm instead", ["FB", "IBM"], []),
    # a holding with its size is a company even next to covered ones; a size word is not
    ("I hold 60% microsoft and 40% amazon", ["MSFT"], ["amazon"]),
    ("$5000 in apple and $2000 into tesla", ["AAPL"], ["tesla"]),
    ("make it a 50% split between apple and ibm", ["AAPL", "IBM"], []),
    ("a portfolio of msft, ibm and fb, equal weights", ["MSFT", "IBM", "FB"], []),
    ("apple and ibm, evenly", ["AAPL", "IBM"], []),
])
def test_tickers_in_text(text: str, tickers: list, unknown: list) -> None:
    assert RESOLVER.tickers(text) == (tickers, unknown)


def test_entity_values_come_first_and_unresolvable_ones_are_unknown() -> None:
    found, unknown = RESOLVER.tickers("how are microsoft and tesla doing", ["Tesla", "MSFT"])
    assert found == ["MSFT"] and unknown == ["Tesla"]


@pytest.mark.parametrize("text, label, start", [
    ("last 3 months", "3 months", date(2012, 12, 1)),
    ("AAPL YTD", "year to date", date(2012, 12, 31)),
    ("over 1y", "1 year", date(2012, 3, 1)),
    ("the past week", "1 week", date(2013, 2, 22)),
    ("past 10 days", "10 days", date(2013, 2, 19)),
    ("since 2010", "since 2010-01-01", date(2010, 1, 1)),
    ("since 2011-06-15", "since 2011-06-15", date(2011, 6, 15)),
])
def test_periods_resolve_against_the_data_date(text: str, label: str, start: date) -> None:
    period, problem = parse_period(text)
    assert problem == "" and period is not None and period.label == label
    assert period.start(date(2013, 3, 1)) == start


@pytest.mark.parametrize("text", ["AAPL price", "the 50-day moving average of MSFT", "S&P 500", "$5000 in MSFT"])
def test_no_period_when_none_is_named(text: str) -> None:
    assert parse_period(text) == (None, "")


def test_unreadable_periods_are_explained() -> None:
    assert "not a date I can read" in parse_period("since 2010-02-30")[1]
    assert "longer than any data" in parse_period("last 900 years")[1]


@pytest.mark.parametrize("text, holdings", [
    ("40% AAPL, 60% MSFT", [Holding("AAPL", weight=40), Holding("MSFT", weight=60)]),
    ("MSFT 60 percent and apple 40 percent", [Holding("MSFT", weight=60), Holding("AAPL", weight=40)]),
    ("$5000 in Apple and $2000 in MSFT", [Holding("AAPL", amount=5000), Holding("MSFT", amount=2000)]),
    ("5k USD of google, 2.5k usd of FB", [Holding("GOOG", amount=5000), Holding("FB", amount=2500)]),
    ("AAPL, MSFT and IBM", [Holding("AAPL", weight=1), Holding("MSFT", weight=1), Holding("IBM", weight=1)]),
    # no separator: the i-th size belongs to the i-th name; a period is not a size
    ("what would 40% apple 60% ibm have done since 2008", [Holding("AAPL", weight=40), Holding("IBM", weight=60)]),
    ("apple 70 msft 30 over 3 years", [Holding("AAPL", weight=70), Holding("MSFT", weight=30)]),
])
def test_holdings(text: str, holdings: list) -> None:
    assert RESOLVER.holdings(text) == (holdings, "")


@pytest.mark.parametrize("text, problem", [
    ("40% AAPL, $600 MSFT", "not a mix"),
    ("40% AAPL and MSFT", "not for MSFT"),
    ("AAPL MSFT 40%", "one size per holding"),
    ("0% AAPL, 0% MSFT", "must be positive"),
])
def test_holdings_problems(text: str, problem: str) -> None:
    holdings, reason = RESOLVER.holdings(text)
    assert holdings == [] and problem in reason


def test_chart_indicators() -> None:
    assert chart_indicators("RSI, MACD and Bollinger bands please") == ("rsi", "macd", "bollinger")
    assert chart_indicators("the 200-day") == ("sma200",)
    assert chart_indicators("how is it doing") == ()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_read_without_errors(text: str) -> None:
    found, unknown = RESOLVER.tickers(text, [text[:10]])
    assert set(found) <= set(RESOLVER.names)
    holdings, reason = RESOLVER.holdings(text)
    assert bool(holdings) + bool(reason) <= 1
    period, problem = parse_period(text)
    if period is not None:
        assert period.lookback_days(date(2013, 3, 1)) >= 1
    chart_indicators(text)
