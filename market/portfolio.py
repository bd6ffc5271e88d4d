"""Risk of a long-only portfolio given as tickers with weights or amounts.

The portfolio is held at constant weights (rebalanced daily) over the last
year of dates on which every holding traded. Formulas, with r the daily
portfolio returns, n their count and p the observed returns per year:

* total return = prod(1 + r) - 1; annualised = (1 + total)^(p / n) - 1
* volatility = std(r, ddof=1) * sqrt(p)
* 95 % historical VaR (one day) = -(ceil(0.05 n)-th worst r), floored at 0
* Sharpe = (mean(r) - rf_daily) / std(r) * sqrt(p), rf_daily = (1 + rf)^(1/p) - 1
* risk contribution_i = w_i (S w)_i / (w' S w), S the sample covariance
* diversification ratio DR = sum(w_i sigma_i) / sigma_p; effective number of
  bets = DR^2 (N for N uncorrelated equal-risk holdings, 1 if all move together)
* effective number of holdings = 1 / sum(w_i^2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Mapping, Optional, Sequence

import numpy as np

from market.analysis import (
    LOOKBACK_DAYS,
    Drawdown,
    to_date,
    common_closes,
    finite,
    max_drawdown,
    periods_per_year,
)
from market.data import PriceHistory, normalise_ticker

VAR_LEVEL = 0.95


@dataclass(frozen=True)
class Holding:
    """A position: give either its weight (any positive scale) or its amount of money."""

    ticker: str
    weight: Optional[float] = None
    amount: Optional[float] = None


@dataclass(frozen=True)
class HoldingRisk:
    ticker: str
    weight: float
    window_return: float
    volatility: Optional[float]
    risk_contribution: Optional[float]


@dataclass(frozen=True)
class PortfolioRisk:
    holdings: tuple[HoldingRisk, ...]
    start: date
    as_of: date
    observations: int
    total_return: float
    annualised_return: Optional[float]
    volatility: Optional[float]
    var_95: float
    var_95_amount: Optional[float]
    sharpe: Optional[float]
    risk_free_rate: float
    max_drawdown: Drawdown
    average_correlation: Optional[float]
    diversification_ratio: Optional[float]
    effective_number_of_bets: Optional[float]
    effective_number_of_holdings: float


def weights_of(holdings: Sequence[Holding]) -> tuple[tuple[str, ...], np.ndarray, Optional[float]]:
    """Tickers (merged when repeated), weights summing to 1 and the total amount if amounts were given."""
    if not holdings:
        raise ValueError("A portfolio needs at least one holding.")
    by_weight = all(h.weight is not None and h.amount is None for h in holdings)
    by_amount = all(h.amount is not None and h.weight is None for h in holdings)
    if not (by_weight or by_amount):
        raise ValueError("Give every holding a weight, or every holding an amount, not a mix.")
    merged: dict[str, float] = {}
    for h in holdings:
        size = float(h.weight if by_weight else h.amount)  # type: ignore[arg-type]
        if not math.isfinite(size) or size < 0:
            raise ValueError(f"{h.ticker}: sizes must be zero or positive (long-only), not {size}.")
        ticker = normalise_ticker(h.ticker)
        merged[ticker] = merged.get(ticker, 0.0) + size
    total = sum(merged.values())
    if total <= 0:
        raise ValueError("The holdings add up to nothing.")
    tickers = tuple(merged)
    weights = np.array([merged[t] for t in tickers]) / total
    return tickers, weights, (total if by_amount else None)


def historical_var(returns: np.ndarray, level: float = VAR_LEVEL) -> float:
    """Loss not exceeded on *level* of the days: minus the ceil((1-level) n)-th worst return."""
    rank = math.ceil(round((1.0 - level) * len(returns), 9))  # round: 1 - 0.95 is 0.05000000000000004
    worst = np.sort(returns)[max(rank - 1, 0)]
    return max(0.0, -float(worst))


def portfolio_risk(histories: Mapping[str, PriceHistory], holdings: Sequence[Holding],
                   risk_free_rate: float = 0.0, lookback_days: int = LOOKBACK_DAYS) -> PortfolioRisk:
    """Risk figures of the holdings over the last year they all traded."""
    tickers, weights, total_amount = weights_of(holdings)
    dates, closes = common_closes([histories[t] for t in tickers], lookback_days)
    asset_returns = closes[1:] / closes[:-1] - 1.0
    returns = asset_returns @ weights
    n = len(returns)
    per_year = periods_per_year(dates)
    growth = np.concatenate(([1.0], np.cumprod(1.0 + returns)))
    total_return = float(growth[-1] - 1.0)

    covariance = np.atleast_2d(np.cov(asset_returns, rowvar=False, ddof=1))
    sigmas = np.sqrt(np.diag(covariance))
    variance = float(weights @ covariance @ weights)
    sigma = math.sqrt(max(variance, 0.0))
    std = float(np.std(returns, ddof=1))
    if variance > 0:
        contributions = weights * (covariance @ weights) / variance
        ratio: Optional[float] = float(weights @ sigmas) / sigma
    else:
        contributions, ratio = np.full(len(tickers), np.nan), None

    average_correlation = None
    if len(tickers) > 1 and (sigmas > 0).all():
        correlation = covariance / np.outer(sigmas, sigmas)
        average_correlation = finite(correlation[np.triu_indices(len(tickers), k=1)].mean())

    sharpe = None
    if per_year and std > 0:
        rf_daily = (1.0 + risk_free_rate) ** (1.0 / per_year) - 1.0
        sharpe = finite((returns.mean() - rf_daily) / std * math.sqrt(per_year))
    var_95 = historical_var(returns)

    rows = tuple(
        HoldingRisk(
            ticker=t,
            weight=float(weights[k]),
            window_return=float(closes[-1, k] / closes[0, k] - 1.0),
            volatility=finite(sigmas[k] * math.sqrt(per_year)) if per_year else None,
            risk_contribution=finite(contributions[k]),
        )
        for k, t in enumerate(tickers)
    )
    return PortfolioRisk(
        holdings=rows,
        start=to_date(dates, 0),
        as_of=to_date(dates, -1),
        observations=n,
        total_return=total_return,
        annualised_return=finite((1.0 + total_return) ** (per_year / n) - 1.0) if per_year else None,
        volatility=finite(std * math.sqrt(per_year)) if per_year else None,
        var_95=var_95,
        var_95_amount=None if total_amount is None else var_95 * total_amount,
        sharpe=sharpe,
        risk_free_rate=risk_free_rate,
        max_drawdown=max_drawdown(dates, growth),
        average_correlation=average_correlation,
        diversification_ratio=finite(ratio) if ratio is not None else None,
        effective_number_of_bets=finite(ratio**2) if ratio is not None else None,
        effective_number_of_holdings=float(1.0 / np.sum(weights**2)),
    )
