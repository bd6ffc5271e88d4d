"""Portfolio risk on small examples worked out by hand (figures in the comments)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from market.analysis import NotEnoughData
from market.data import PriceHistory
from market.portfolio import Holding, historical_var, portfolio_risk, weights_of

# Period-4 daily return patterns, 5 cycles = 20 returns on 21 consecutive calendar days
# (so returns per year = 20 / (20 / 365.25) = 365.25).
A = [0.02, -0.01, 0.03, -0.02] * 5
B = [0.01, 0.01, -0.02, 0.00] * 5
PER_YEAR = 365.25


def history(ticker: str, returns: list[float]) -> PriceHistory:
    close = 100.0 * np.cumprod([1.0] + [1.0 + r for r in returns])
    index = pd.date_range("2021-06-01", periods=len(close), freq="D", name="date")
    bars = pd.DataFrame({"open": close, "high": close, "low": close, "close": close,
                         "volume": 1.0}, index=index)
    return PriceHistory(ticker, bars, index[-1].date(), "test")


HISTORIES = {"A": history("A", A), "B": history("B", B), "C": history("C", A)}


def test_two_assets_equal_weights_by_hand() -> None:
    result = portfolio_risk(HISTORIES, [Holding("A", weight=1), Holding("B", weight=1)])
    # Deviations from the means (A: 0.005, B: 0) per cycle:
    #   A: .015 -.015 .025 -.025 -> sum sq .0017 x5 = .0085
    #   B: .01 .01 -.02 0        -> sum sq .0006 x5 = .0030
    #   cross: .00015 - .00015 - .0005 + 0 = -.0005 x5 = -.0025     (all / 19 for ddof 1)
    # Portfolio returns per cycle: .015, 0, .005, -.01 (mean .0025), deviations
    #   .0125 -.0025 .0025 -.0125 -> sum sq .000325 x5 = .001625 = w'Sw x 19 (check: .25(.0085+.003-.005))
    assert (result.start, result.as_of, result.observations) == (date(2021, 6, 1), date(2021, 6, 21), 20)
    std = math.sqrt(0.001625 / 19)
    assert result.volatility == pytest.approx(std * math.sqrt(PER_YEAR))
    growth = (1.015 * 1.0 * 1.005 * 0.99) ** 5
    assert result.total_return == pytest.approx(growth - 1)
    assert result.annualised_return == pytest.approx(growth ** (PER_YEAR / 20) - 1)
    # ceil(0.05 x 20) = 1st worst return: -0.01
    assert result.var_95 == pytest.approx(0.01)
    assert result.var_95_amount is None
    assert result.sharpe == pytest.approx(0.0025 / std * math.sqrt(PER_YEAR))
    # each cycle rises to a new high on day 3, then falls 1 %
    assert result.max_drawdown.depth == pytest.approx(-0.01)
    assert result.max_drawdown.peak_date == date(2021, 6, 4)
    assert result.average_correlation == pytest.approx(-0.0025 / math.sqrt(0.0085 * 0.003))
    # risk contributions: w_A (Sw)_A / w'Sw = .5 x .5(.0085-.0025) / .001625 = .0015/.001625
    a, b = result.holdings
    assert a.risk_contribution == pytest.approx(0.0015 / 0.001625)
    assert b.risk_contribution == pytest.approx(0.000125 / 0.001625)
    ratio = 0.5 * (math.sqrt(0.0085) + math.sqrt(0.003)) / math.sqrt(0.001625)
    assert result.diversification_ratio == pytest.approx(ratio)
    assert result.effective_number_of_bets == pytest.approx(ratio**2)
    assert result.effective_number_of_holdings == pytest.approx(2.0)
    assert a.volatility == pytest.approx(math.sqrt(0.0085 / 19 * PER_YEAR))


def test_amounts_give_weights_and_money_at_risk() -> None:
    result = portfolio_risk(HISTORIES, [Holding("A", amount=600), Holding("B", amount=400)])
    assert [h.weight for h in result.holdings] == pytest.approx([0.6, 0.4])
    # cycle returns .6A + .4B: .016, -.002, .010, -.012 -> worst -.012
    assert result.var_95 == pytest.approx(0.012)
    assert result.var_95_amount == pytest.approx(0.012 * 1000)
    assert result.effective_number_of_holdings == pytest.approx(1 / (0.36 + 0.16))


def test_risk_free_rate_lowers_sharpe_by_its_daily_equivalent() -> None:
    base = portfolio_risk(HISTORIES, [Holding("A", weight=0.5), Holding("B", weight=0.5)])
    with_rf = portfolio_risk(HISTORIES, [Holding("A", weight=0.5), Holding("B", weight=0.5)], 0.05)
    daily = 1.05 ** (1 / PER_YEAR) - 1
    std = math.sqrt(0.001625 / 19)
    assert base.sharpe - with_rf.sharpe == pytest.approx(daily / std * math.sqrt(PER_YEAR))
    assert with_rf.risk_free_rate == 0.05


def test_identical_holdings_are_one_bet() -> None:
    result = portfolio_risk(HISTORIES, [Holding("A", weight=0.3), Holding("C", weight=0.7)])
    assert result.average_correlation == pytest.approx(1.0)
    assert result.diversification_ratio == pytest.approx(1.0)
    assert result.effective_number_of_bets == pytest.approx(1.0)


def test_single_holding_has_no_correlation() -> None:
    result = portfolio_risk(HISTORIES, [Holding("a", weight=5)])
    assert result.average_correlation is None
    assert result.holdings[0].risk_contribution == pytest.approx(1.0)
    assert result.effective_number_of_bets == pytest.approx(1.0)


def test_flat_portfolio_has_no_sharpe_and_no_nan() -> None:
    flat = {"F": history("F", [0.0] * 20), "G": history("G", [0.0] * 20)}
    result = portfolio_risk(flat, [Holding("F", weight=1), Holding("G", weight=1)])
    assert result.volatility == 0.0 and result.var_95 == 0.0
    assert result.sharpe is None and result.average_correlation is None
    assert result.diversification_ratio is None and result.effective_number_of_bets is None
    assert result.max_drawdown.depth == 0.0


def test_weights_validation() -> None:
    tickers, weights, total = weights_of([Holding("aapl", weight=30), Holding("MSFT", weight=50),
                                          Holding("AAPL", weight=20)])
    assert tickers == ("AAPL", "MSFT") and weights.tolist() == [0.5, 0.5] and total is None
    with pytest.raises(ValueError, match="not a mix"):
        weights_of([Holding("A", weight=1), Holding("B", amount=1)])
    with pytest.raises(ValueError, match="long-only"):
        weights_of([Holding("A", weight=-1), Holding("B", weight=2)])
    with pytest.raises(ValueError, match="add up to nothing"):
        weights_of([Holding("A", weight=0)])
    with pytest.raises(ValueError, match="at least one"):
        weights_of([])


def test_historical_var_picks_the_ceil_5_percent_worst() -> None:
    returns = np.array([0.01 * k for k in range(-3, 37)])  # 40 returns, worst -0.03, -0.02, ...
    assert historical_var(returns) == pytest.approx(0.02)  # ceil(2.0) = 2nd worst
    assert historical_var(np.array([0.01, 0.02])) == 0.0  # no losing day: floored at 0


def test_too_short_overlap_is_refused() -> None:
    short = {"S": history("S", [0.01] * 5), "A": HISTORIES["A"]}
    with pytest.raises(NotEnoughData):
        portfolio_risk(short, [Holding("S", weight=1), Holding("A", weight=1)])
