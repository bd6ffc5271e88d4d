"""What-ifs on the last portfolio: weights, equal weights, adding, removing and swapping holdings."""

from __future__ import annotations

import pytest

from market.portfolio import Holding
from market.question import Resolver, describe_holdings, revise_portfolio, weights_of

RESOLVER = Resolver()
CURRENT = [Holding("AAPL", weight=60), Holding("MSFT", weight=40)]


def shares(text: str) -> dict[str, float]:
    change = revise_portfolio(RESOLVER, CURRENT, text)
    assert not change.problem, change.problem
    return {h.ticker: round(w, 4) for h, w in zip(change.holdings, weights_of(change.holdings))}


@pytest.mark.parametrize("text,expected", [
    ("make it 70/30", {"AAPL": 0.7, "MSFT": 0.3}),
    ("what if it were 50-50", {"AAPL": 0.5, "MSFT": 0.5}),
    ("equal weights please", {"AAPL": 0.5, "MSFT": 0.5}),
    ("what if I put 80% in apple", {"AAPL": 0.8, "MSFT": 0.2}),
    ("add IBM", {"AAPL": 0.4, "MSFT": 0.2667, "IBM": 0.3333}),
    ("drop MSFT", {"AAPL": 1.0}),
    ("swap MSFT for IBM", {"AAPL": 0.6, "IBM": 0.4}),
    ("IBM instead of microsoft", {"AAPL": 0.6, "IBM": 0.4}),
    ("change MSFT to IBM", {"AAPL": 0.6, "IBM": 0.4}),
    ("sell msft and buy ibm", {"AAPL": 0.6, "IBM": 0.4}),
    ("sell apple", {"MSFT": 1.0}),
    ("half in each", {"AAPL": 0.5, "MSFT": 0.5}),
    ("flip it", {"AAPL": 0.4, "MSFT": 0.6}),
    ("reduce msft to 10%", {"AAPL": 0.9, "MSFT": 0.1}),
    ("make microsoft a quarter", {"AAPL": 0.75, "MSFT": 0.25}),
    ("what if I dropped microsoft and went with ibm instead", {"AAPL": 0.6, "IBM": 0.4}),
    ("sell apple, buy facebook", {"FB": 0.6, "MSFT": 0.4}),
    ("put a third in msft", {"AAPL": 0.6667, "MSFT": 0.3333}),
    ("what if half was in apple", {"AAPL": 0.5, "MSFT": 0.5}),
    ("take apple out", {"MSFT": 1.0}),
    ("leave microsoft out of it", {"AAPL": 1.0}),
])
def test_what_ifs(text: str, expected: dict[str, float]) -> None:
    assert shares(text) == expected


def test_impossible_what_ifs_say_why() -> None:
    assert "2 holdings" in revise_portfolio(RESOLVER, CURRENT, "make it 50/30/20").problem
    assert "no holdings" in revise_portfolio(RESOLVER, CURRENT, "drop apple and msft").problem
    assert revise_portfolio(RESOLVER, CURRENT, "how risky is it?").change == ""
    assert "How much of the portfolio should AAPL be" in revise_portfolio(RESOLVER, CURRENT, "more in apple?").problem


def test_holdings_written_back_read_the_same() -> None:
    text = describe_holdings([Holding("AAPL", weight=2), Holding("^GSPC", weight=1)])
    holdings, problem = RESOLVER.holdings(text)
    assert not problem
    assert [(h.ticker, round(h.weight or 0, 2)) for h in holdings] == [("AAPL", 66.67), ("^GSPC", 33.33)]
