"""The stock-market skill over REST against the real servers (bundled offline prices).

Quoted prices, dates and returns are checked against data/market/*.csv.gz as the market
package reads it (BundledProvider: the files, cleaned), computed here from the closes.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import requests

from assistant.stack_process import StackProcess, texts
from market.bundled import BundledProvider
from tests.e2e.conftest import new_sender

DAY = r"(\w{3} \d{1,2} \w{3} \d{4})"  # "Fri 1 Mar 2013", as the answers write a day
AS_OF = re.compile(r"as of " + DAY, re.IGNORECASE)
PRICE = r"([\d,]+\.\d{2})"
NOT_ADVICE = "not investment advice"
LOOKBACK_DAYS = 365  # "over the last year", and the default window of comparisons and portfolios
DATA = BundledProvider()


def images(messages: list[dict]) -> list[str]:
    return [m["image"] for m in messages if m.get("image")]


def shown_day(text: str) -> date:
    return datetime.strptime(text, "%a %d %b %Y").date()


def closes(ticker: str) -> pd.Series:
    return DATA.history(ticker).bars["close"]


def common_closes(tickers: list[str]) -> pd.DataFrame:
    """Closes on the days all *tickers* traded, within a year of the earliest last day."""
    frame = pd.concat({t: closes(t) for t in tickers}, axis=1, join="inner")
    end = min(DATA.history(t).as_of for t in tickers)
    days = frame.index.date
    return frame[(days >= end - timedelta(days=LOOKBACK_DAYS)) & (days <= end)]


def search(pattern: str, text: str) -> re.Match:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in the answer:\n{text}"
    return found


def test_price_of_a_company_named_in_words(stack: StackProcess) -> None:
    text = texts(stack.say(new_sender(), "what's the price of apple?"))
    close = closes("AAPL")
    quoted = search(r"\(AAPL\) closed at " + PRICE + " on " + DAY, text)
    assert float(quoted[1].replace(",", "")) == pytest.approx(close.iloc[-1], abs=0.005)
    assert shown_day(quoted[2]) == close.index[-1].date() == shown_day(search(AS_OF.pattern, text)[1])
    day_change = search(r"([+-]\d+\.\d{2})% on the day", text)
    assert float(day_change[1]) == pytest.approx((close.iloc[-1] / close.iloc[-2] - 1) * 100, abs=0.006)
    assert "nan" not in text.lower().split()


def test_comparison_has_figures_notice_and_a_chart_the_action_server_serves(stack: StackProcess) -> None:
    messages = stack.say(new_sender(), "compare Microsoft and IBM over the last year")
    text = texts(messages)
    window = common_closes(["MSFT", "IBM"])
    heading = search(f"From {DAY} to {DAY} \\((\\d+) trading days", text)
    assert (shown_day(heading[1]), shown_day(heading[2])) == (window.index[0].date(), window.index[-1].date())
    assert int(heading[3]) == len(window)
    for ticker in ("MSFT", "IBM"):
        quoted = search(f"\\({ticker}\\): return ([+-]\\d+\\.\\d)%", text)
        assert float(quoted[1]) == pytest.approx((window[ticker].iloc[-1] / window[ticker].iloc[0] - 1) * 100, abs=0.051)
    assert shown_day(search(AS_OF.pattern, text)[1]) == window.index[-1].date()
    assert NOT_ADVICE in text.lower()
    charts = images(messages)
    assert len(charts) == 1
    served = requests.get(charts[0], timeout=10)
    assert served.status_code == 200
    assert served.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_portfolio_risk_from_weights(stack: StackProcess) -> None:
    text = texts(stack.say(new_sender(), "how risky is a portfolio of 60% AAPL and 40% IBM?"))
    window = common_closes(["AAPL", "IBM"])
    heading = search(f"Portfolio (.+?), held from {DAY} to {DAY} \\((\\d+) daily returns\\)", text)
    assert heading[1] == "AAPL 60%, IBM 40%"
    assert (shown_day(heading[2]), shown_day(heading[3])) == (window.index[0].date(), window.index[-1].date())
    assert int(heading[4]) == len(window) - 1
    daily = window.pct_change().dropna()
    held = float(np.prod(1 + 0.6 * daily["AAPL"] + 0.4 * daily["IBM"]) - 1)  # constant weights, rebalanced daily
    assert float(search(r"Return ([+-]\d+\.\d)%", text)[1]) == pytest.approx(held * 100, abs=0.051)
    assert "value at risk" in text.lower()
    assert NOT_ADVICE in text.lower()


def test_unknown_company_gets_the_covered_list(stack: StackProcess) -> None:
    text = texts(stack.say(new_sender(), "how much is tesla stock?"))
    for covered in ("AAPL", "MSFT", "IBM"):
        assert covered in text
    assert AS_OF.search(text) is None, "no figures for a ticker that is not covered"


def test_market_overview_gives_each_series_last_close_and_its_date(stack: StackProcess) -> None:
    text = texts(stack.say(new_sender(), "how's the stock market doing?"))
    # Series end on different days, so each line carries its own date.
    for ticker in DATA.tickers():
        quoted = search(re.escape(f"({ticker}): ") + PRICE + r" on (\d{4}-\d{2}-\d{2})", text)
        close = closes(ticker)
        assert float(quoted[1].replace(",", "")) == pytest.approx(close.iloc[-1], abs=0.005), ticker
        assert date.fromisoformat(quoted[2]) == close.index[-1].date(), ticker
    assert NOT_ADVICE in text.lower()


def test_analysis_of_a_ticker_gives_indicators(stack: StackProcess) -> None:
    text = texts(stack.say(new_sender(), "what's the RSI of MSFT?"))
    close = closes("MSFT")
    quoted = search(r"MSFT on (\d{4}-\d{2}-\d{2}): RSI14 (\d+\.\d{2})", text)
    assert date.fromisoformat(quoted[1]) == close.index[-1].date()
    change = close.diff()
    gain = change.clip(lower=0).ewm(alpha=1 / 14, adjust=False).mean().iloc[-1]  # Wilder's smoothing; the seed
    loss = (-change).clip(lower=0).ewm(alpha=1 / 14, adjust=False).mean().iloc[-1]  # fades over 3,000 bars
    assert float(quoted[2]) == pytest.approx(100 - 100 / (1 + gain / loss), abs=0.01)
    assert shown_day(search(AS_OF.pattern, text)[1]) == close.index[-1].date()
    assert NOT_ADVICE in text.lower()


def test_dates_outside_the_data_are_explained(stack: StackProcess) -> None:
    ibm = closes("IBM").index
    first, last = ibm[0].date(), ibm[-1].date()
    before = texts(stack.say(new_sender(), "how has the IBM stock price done since 1990?"))
    assert f"my IBM data covers {first} to {last}" in before
    after = texts(stack.say(new_sender(), "how has the IBM stock price done since 2030?"))
    assert f"my IBM data ends on {last}" in after
    impossible = texts(stack.say(new_sender(), "what has the IBM share price done since 2010-02-30?"))
    assert "not a date I can read" in impossible
