"""The stock-market skill over REST against the real servers (bundled offline prices)."""

from __future__ import annotations

import re

import requests

from assistant.stack_process import StackProcess, texts
from tests.e2e.conftest import new_sender

AS_OF = re.compile(r"as of \w{3} \d{1,2} \w{3} \d{4}", re.IGNORECASE)
NOT_ADVICE = "not investment advice"


def images(messages: list[dict]) -> list[str]:
    return [m["image"] for m in messages if m.get("image")]


def test_price_of_a_company_named_in_words(stack: StackProcess) -> None:
    text = texts(stack.say(new_sender(), "what's the price of apple?"))
    assert "AAPL" in text
    assert AS_OF.search(text), text
    assert "nan" not in text.lower().split()


def test_comparison_has_figures_notice_and_a_chart_the_action_server_serves(stack: StackProcess) -> None:
    messages = stack.say(new_sender(), "compare Microsoft and IBM over the last year")
    text = texts(messages)
    assert "MSFT" in text and "IBM" in text
    assert AS_OF.search(text), text
    assert NOT_ADVICE in text.lower()
    charts = images(messages)
    assert len(charts) == 1
    served = requests.get(charts[0], timeout=10)
    assert served.status_code == 200
    assert served.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_portfolio_risk_from_weights(stack: StackProcess) -> None:
    text = texts(stack.say(new_sender(), "how risky is a portfolio of 60% AAPL and 40% IBM?"))
    assert "VaR" in text or "value at risk" in text.lower()
    assert "60" in text and "40" in text
    assert NOT_ADVICE in text.lower()


def test_unknown_company_gets_the_covered_list(stack: StackProcess) -> None:
    text = texts(stack.say(new_sender(), "how much is tesla stock?"))
    for covered in ("AAPL", "MSFT", "IBM"):
        assert covered in text
    assert AS_OF.search(text) is None, "no figures for a ticker that is not covered"


def test_market_overview_covers_the_indices(stack: StackProcess) -> None:
    text = texts(stack.say(new_sender(), "how's the stock market doing?"))
    lines = {ticker: line for line in text.splitlines() for ticker in ("^GSPC", "^IXIC") if ticker in line}
    assert set(lines) == {"^GSPC", "^IXIC"}
    # Series end on different days, so each line carries its own as-of date.
    assert all(re.search(r" on \d{4}-\d{2}-\d{2}", line) for line in lines.values()), lines
    assert NOT_ADVICE in text.lower()


def test_analysis_of_a_ticker_gives_indicators(stack: StackProcess) -> None:
    text = texts(stack.say(new_sender(), "what's the RSI of MSFT?"))
    assert "RSI14" in text and "MSFT" in text
    assert AS_OF.search(text), text
    assert NOT_ADVICE in text.lower()


def test_dates_outside_the_data_are_explained(stack: StackProcess) -> None:
    before = texts(stack.say(new_sender(), "how has the IBM stock price done since 1990?"))
    assert "my IBM data covers 2000-03-01 to 2013-03-01" in before
    after = texts(stack.say(new_sender(), "how has the IBM stock price done since 2030?"))
    assert "my IBM data ends on 2013-03-01" in after
    impossible = texts(stack.say(new_sender(), "what has the IBM share price done since 2010-02-30?"))
    assert "not a date I can read" in impossible
