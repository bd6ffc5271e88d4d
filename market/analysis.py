"""Single-ticker and multi-ticker analysis: typed results, no NaN.

Pure functions over :class:`~market.data.PriceHistory`; fetching and caching
live in :mod:`market.service`. Every float in a result is finite or ``None``
(``None`` means "not enough data", and ``notes`` says which data was missing).
Fractions are fractions (0.05 is +5 %); indicator values keep their customary
units (RSI 0..100, ROC and bandwidth in percent).
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional, Sequence

import numpy as np

from market import indicators as ind
from market.data import MarketDataError, PriceHistory

MIN_OBSERVATIONS = 20  # daily returns needed before volatility, beta or correlation mean anything
STALE_AFTER = timedelta(days=7)  # a period return needs a bar this close to its start date
LOOKBACK_DAYS = 365
WINDOW_TAIL = 200 + 21  # longest window (SMA200) plus the 20-bar SMA50 slope
PERIODS = ("1W", "1M", "3M", "YTD", "1Y")
REQUIRED_BARS = {
    "SMA20": 20, "SMA50": 50, "SMA200": 200, "EMA12": 12, "EMA26": 26, "RSI14": 15,
    "MACD": 26, "MACD signal": 34, "Bollinger(20)": 20, "ATR14": 14, "ROC12": 13, "Ulcer index": 14,
}


class NotEnoughData(MarketDataError):
    """The histories do not overlap enough for the requested comparison."""


def finite(value: float) -> Optional[float]:
    """The value as a float if finite, else None: the one gate NaN cannot pass."""
    value = float(value)
    return value if math.isfinite(value) else None


def _last(values: np.ndarray) -> Optional[float]:
    return finite(values[-1]) if len(values) else None


@dataclass(frozen=True)
class PeriodReturn:
    period: str
    start_date: Optional[date]
    value: Optional[float]


@dataclass(frozen=True)
class Drawdown:
    """Largest fall from a peak; dates are None when the price never fell."""

    depth: float
    peak_date: Optional[date]
    trough_date: Optional[date]
    recovery_date: Optional[date]


@dataclass(frozen=True)
class IndicatorSnapshot:
    """Indicator values on the last bar."""

    sma20: Optional[float]
    sma50: Optional[float]
    sma200: Optional[float]
    ema12: Optional[float]
    ema26: Optional[float]
    rsi14: Optional[float]
    macd: Optional[float]
    macd_signal: Optional[float]
    macd_histogram: Optional[float]
    bollinger_upper: Optional[float]
    bollinger_middle: Optional[float]
    bollinger_lower: Optional[float]
    bollinger_percent_b: Optional[float]
    bollinger_bandwidth: Optional[float]
    atr14: Optional[float]
    roc12: Optional[float]
    obv: Optional[float]
    obv_change_20: Optional[float]
    ulcer_index14: Optional[float]


@dataclass(frozen=True)
class RiskMetrics:
    volatility_1y: Optional[float]
    max_drawdown_1y: Drawdown
    max_drawdown_all: Drawdown
    current_drawdown: float
    benchmark: Optional[str]
    beta_1y: Optional[float]
    correlation_1y: Optional[float]


@dataclass(frozen=True)
class TrendSignal:
    """One piece of evidence: what was observed and how it voted (+1, 0, -1)."""

    name: str
    value: float
    observed: str
    rule: str
    vote: int


@dataclass(frozen=True)
class Trend:
    label: str
    score: Optional[float]
    signals: tuple[TrendSignal, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class TickerAnalysis:
    ticker: str
    name: str
    source: str
    as_of: date
    first_date: date
    bars: int
    last_close: float
    previous_close: Optional[float]
    change: Optional[float]
    change_pct: Optional[float]
    returns: tuple[PeriodReturn, ...]
    indicators: IndicatorSnapshot
    risk: RiskMetrics
    trend: Trend
    notes: tuple[str, ...]

    def period_return(self, period: str) -> Optional[float]:
        return next(r.value for r in self.returns if r.period == period)


def _dates(history: PriceHistory) -> np.ndarray:
    return history.arrays["date"]


def to_date(dates: np.ndarray, position: int) -> date:
    """The calendar date at *position* of a datetime64 array."""
    return dates[position].astype("datetime64[D]").item()


def _months_before(day: date, months: int) -> date:
    """Same day *months* earlier, clamped to the month's end (31 Mar -> 28/29 Feb)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _period_start(as_of: date, period: str) -> date:
    if period == "YTD":
        return date(as_of.year - 1, 12, 31)
    if period == "1W":
        return as_of - timedelta(weeks=1)
    return _months_before(as_of, {"1M": 1, "3M": 3, "1Y": 12}[period])


def period_returns(dates: np.ndarray, close: np.ndarray, as_of: date) -> tuple[PeriodReturn, ...]:
    """Return from the last close on or before each period's start to the last close."""
    out = []
    for period in PERIODS:
        target = np.datetime64(_period_start(as_of, period), "ns")
        position = int(np.searchsorted(dates, target, side="right")) - 1
        if position < 0 or dates[position] < target - np.timedelta64(STALE_AFTER):
            out.append(PeriodReturn(period, None, None))
            continue
        out.append(PeriodReturn(period, to_date(dates, position), finite(close[-1] / close[position] - 1.0)))
    return tuple(out)


def return_since(history: PriceHistory, start: date) -> PeriodReturn:
    """Return from the last close on or before *start* to the last close (value None
    when no bar lies within a week before *start*: the data does not reach back)."""
    dates, close = _dates(history), history.arrays["close"]
    target = np.datetime64(start, "ns")
    position = int(np.searchsorted(dates, target, side="right")) - 1
    if position < 0 or dates[position] < target - np.timedelta64(STALE_AFTER):
        return PeriodReturn(str(start), None, None)
    return PeriodReturn(str(start), to_date(dates, position), finite(close[-1] / close[position] - 1.0))


def periods_per_year(dates: np.ndarray) -> Optional[float]:
    """Observed returns per year (about 252 for daily bars), so gappy data annualises honestly."""
    span_days = (dates[-1] - dates[0]) / np.timedelta64(1, "D")
    return (len(dates) - 1) / (span_days / 365.25) if span_days > 0 else None


def annualised_volatility(dates: np.ndarray, close: np.ndarray) -> Optional[float]:
    """Sample std of simple returns between consecutive bars, annualised."""
    if len(close) < MIN_OBSERVATIONS + 1:
        return None
    returns = close[1:] / close[:-1] - 1.0
    per_year = periods_per_year(dates)
    return finite(np.std(returns, ddof=1) * math.sqrt(per_year)) if per_year else None


def max_drawdown(dates: np.ndarray, values: np.ndarray) -> Drawdown:
    """Deepest fall from a running peak, with when it peaked, bottomed and recovered."""
    falls = ind.drawdown(values)
    trough = int(np.argmin(falls))
    if falls[trough] >= 0:
        return Drawdown(0.0, None, None, None)
    peak = int(np.argmax(values[: trough + 1]))
    recovered = np.flatnonzero(values[trough:] >= values[peak])
    recovery = to_date(dates, trough + int(recovered[0])) if len(recovered) else None
    return Drawdown(float(falls[trough]), to_date(dates, peak), to_date(dates, trough), recovery)


def _since(dates: np.ndarray, day: date) -> int:
    return int(np.searchsorted(dates, np.datetime64(day, "ns"), side="left"))


def beta_and_correlation(history: PriceHistory, benchmark: PriceHistory,
                         since: date) -> tuple[Optional[float], Optional[float]]:
    """Beta and correlation of simple returns on the dates both series traded."""
    dates_a, dates_b = _dates(history), _dates(benchmark)
    dates_a = dates_a[_since(dates_a, since):]
    offset = len(history.bars) - len(dates_a)
    # dates are sorted and unique: find each of ours in the benchmark's
    position = np.minimum(np.searchsorted(dates_b, dates_a), len(dates_b) - 1)
    shared = dates_b[position] == dates_a
    if shared.sum() < MIN_OBSERVATIONS + 1:
        return None, None
    a = history.arrays["close"][offset:][shared]
    b = benchmark.arrays["close"][position[shared]]
    ra, rb = a[1:] / a[:-1] - 1.0, b[1:] / b[:-1] - 1.0
    cov = np.cov(ra, rb, ddof=1)
    var_a, var_b, covariance = cov[0, 0], cov[1, 1], cov[0, 1]
    beta = finite(covariance / var_b) if var_b > 0 else None
    correlation = finite(covariance / math.sqrt(var_a * var_b)) if var_a > 0 and var_b > 0 else None
    return beta, correlation


def _relative(a: float, b: float) -> float:
    return (a / b - 1.0) * 100.0


def classify_trend(close: np.ndarray, sma50: np.ndarray, sma200: np.ndarray, macd: ind.Macd,
                   rsi14: np.ndarray, return_3m: Optional[float]) -> Trend:
    """Vote on seven classic trend signals; the label follows the average vote.

    Each signal votes +1 above ``centre + band``, -1 below ``centre - band`` and
    0 inside the band, so "at the average" and float noise count as neutral.
    """
    signals: list[TrendSignal] = []
    missing: list[str] = []
    price = float(close[-1])

    def vote(name: str, value: Optional[float], observed: str, rule: str,
             band: float, centre: float = 0.0) -> None:
        if value is None:
            missing.append(name)
            return
        offset = value - centre
        signals.append(TrendSignal(name, float(value), observed, rule,
                                   1 if offset > band else -1 if offset < -band else 0))

    def side(value: float) -> str:
        return "above" if value >= 0 else "below"

    s50, s200 = _last(sma50), _last(sma200)
    for average_name, average in (("SMA50", s50), ("SMA200", s200)):
        gap = None if average is None else _relative(price, average)
        vote(f"price vs {average_name}", gap, "" if gap is None else
             f"close {price:.2f} is {abs(gap):.1f}% {side(gap)} {average_name} {average:.2f}",
             "more than 0.1% above = bullish, below = bearish", band=0.1)
    cross = None if s50 is None or s200 is None else _relative(s50, s200)
    vote("SMA50 vs SMA200", cross, "" if cross is None else f"SMA50 is {abs(cross):.1f}% {side(cross)} SMA200",
         "SMA50 more than 0.1% above SMA200 (golden-cross regime) = bullish, below = bearish", band=0.1)
    slope = None
    if len(sma50) > 20 and math.isfinite(sma50[-21]) and s50 is not None:
        slope = _relative(s50, sma50[-21])
    vote("SMA50 slope (20 bars)", slope, "" if slope is None else f"SMA50 moved {slope:+.2f}% in 20 bars",
         "rising more than 0.5% = bullish, falling more than 0.5% = bearish", band=0.5)
    line, signal = _last(macd.line), _last(macd.signal)
    spread = None if line is None or signal is None else (line - signal) / price * 100.0
    vote("MACD vs signal", spread, "" if spread is None else
         f"MACD {line:.3f} is {side(spread)} its signal {signal:.3f}",
         "MACD above its signal by more than 0.01% of the price = bullish, below = bearish", band=0.01)
    strength = _last(rsi14)
    zone = "" if strength is None else (" (overbought)" if strength >= 70 else " (oversold)" if strength <= 30 else "")
    vote("RSI14", strength, "" if strength is None else f"RSI14 is {strength:.1f}{zone}",
         "above 55 = bullish momentum, below 45 = bearish", band=5.0, centre=50.0)
    change = None if return_3m is None else return_3m * 100.0
    vote("3-month return", change, "" if change is None else f"{change:+.1f}% over 3 months",
         "above +2% = bullish, below -2% = bearish", band=2.0)

    if len(signals) < 3:
        return Trend("not enough data", None, tuple(signals), tuple(missing))
    score = sum(s.vote for s in signals) / len(signals)
    label = ("strong uptrend" if score >= 0.6 else "uptrend" if score >= 0.2 else "sideways"
             if score > -0.2 else "downtrend" if score > -0.6 else "strong downtrend")
    return Trend(label, round(score, 4), tuple(signals), tuple(missing))


def analyze_history(history: PriceHistory, name: str = "",
                    benchmark: Optional[PriceHistory] = None) -> TickerAnalysis:
    """Everything the assistant says about one ticker, from its daily bars."""
    dates = _dates(history)
    columns = history.arrays
    close, high, low, volume = columns["close"], columns["high"], columns["low"], columns["volume"]
    n = len(close)

    # Window indicators depend on their last `period` bars only, so they run on
    # the tail (identical values, a fraction of the work on 20 years of bars).
    # Recursive ones (EMA, RSI, MACD, ATR) and OBV need the whole history.
    tail = close[-WINDOW_TAIL:]
    sma20, sma50, sma200 = ind.sma(tail, 20), ind.sma(tail, 50), ind.sma(tail, 200)
    rsi14 = ind.rsi(close, 14)
    macd = ind.macd(close)
    bands = ind.bollinger(tail)
    obv = ind.obv(close, volume)
    snapshot = IndicatorSnapshot(
        sma20=_last(sma20), sma50=_last(sma50), sma200=_last(sma200),
        ema12=_last(ind.ema(close, 12)), ema26=_last(ind.ema(close, 26)), rsi14=_last(rsi14),
        macd=_last(macd.line), macd_signal=_last(macd.signal), macd_histogram=_last(macd.histogram),
        bollinger_upper=_last(bands.upper), bollinger_middle=_last(bands.middle),
        bollinger_lower=_last(bands.lower), bollinger_percent_b=_last(bands.percent_b),
        bollinger_bandwidth=_last(bands.bandwidth), atr14=_last(ind.atr(high, low, close, 14)),
        roc12=_last(ind.roc(tail, 12)), obv=_last(obv),
        obv_change_20=finite(obv[-1] - obv[-21]) if n > 20 else None,
        ulcer_index14=_last(ind.ulcer_index(tail, 14)),
    )

    returns = period_returns(dates, close, history.as_of)
    year_ago = history.as_of - timedelta(days=LOOKBACK_DAYS)
    first = _since(dates, year_ago)
    year_dates, year_close = dates[first:], close[first:]
    beta = correlation = None
    if benchmark is not None:
        beta, correlation = beta_and_correlation(history, benchmark, year_ago)
    risk = RiskMetrics(
        volatility_1y=annualised_volatility(year_dates, year_close),
        max_drawdown_1y=max_drawdown(year_dates, year_close),
        max_drawdown_all=max_drawdown(dates, close),
        current_drawdown=float(ind.drawdown(close)[-1]),
        benchmark=benchmark.ticker if benchmark is not None else None,
        beta_1y=beta,
        correlation_1y=correlation,
    )
    return_3m = next(r.value for r in returns if r.period == "3M")
    trend = classify_trend(close, sma50, sma200, macd, rsi14, return_3m)

    notes = [f"{label} needs {need} bars; {n} available." for label, need in REQUIRED_BARS.items() if n < need]
    notes += [f"{r.period} return: no price near {_period_start(history.as_of, r.period)}."
              for r in returns if r.value is None]
    if first == 0 and to_date(dates, 0) > year_ago:
        notes.append(f"1-year figures cover only {to_date(dates, 0)} to {history.as_of}.")
    if risk.volatility_1y is None:
        notes.append(f"1-year volatility needs {MIN_OBSERVATIONS} daily returns.")
    if benchmark is not None and beta is None:
        notes.append(f"Beta needs {MIN_OBSERVATIONS} daily returns shared with {benchmark.ticker} in the last year.")

    previous = float(close[-2]) if n > 1 else None
    return TickerAnalysis(
        ticker=history.ticker, name=name or history.ticker, source=history.source,
        as_of=history.as_of, first_date=to_date(dates, 0), bars=n,
        last_close=float(close[-1]), previous_close=previous,
        change=None if previous is None else float(close[-1] - previous),
        change_pct=None if previous is None else finite(_relative(close[-1], previous)),
        returns=returns, indicators=snapshot, risk=risk, trend=trend, notes=tuple(notes),
    )


@dataclass(frozen=True)
class ComparisonRow:
    """One ticker in a comparison: its own analysis plus figures over the common window."""

    analysis: TickerAnalysis
    window_return: float
    window_volatility: Optional[float]
    window_max_drawdown: Drawdown


@dataclass(frozen=True)
class Comparison:
    tickers: tuple[str, ...]
    start: date
    end: date
    observations: int
    rows: tuple[ComparisonRow, ...]
    correlations: tuple[tuple[Optional[float], ...], ...]
    best: str
    worst: str


def common_closes(histories: Sequence[PriceHistory], lookback_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Dates every history traded within *lookback_days* of the last such date, and
    the closes on them (one column per history)."""
    end = min(h.as_of for h in histories)
    start = end - timedelta(days=lookback_days)
    lo, hi = np.datetime64(start, "ns"), np.datetime64(end, "ns")
    windows = []
    for history in histories:
        dates = _dates(history)
        windows.append(dates[np.searchsorted(dates, lo, side="left"):np.searchsorted(dates, hi, side="right")])
    common = windows[0]
    for window in windows[1:]:
        common = common[np.isin(common, window, assume_unique=True)]
    if len(common) < MIN_OBSERVATIONS + 1:
        raise NotEnoughData(
            f"{', '.join(h.ticker for h in histories)} share only {len(common)} trading days "
            f"between {start} and {end}; at least {MIN_OBSERVATIONS + 1} are needed."
        )
    closes = np.column_stack([
        h.arrays["close"][np.searchsorted(_dates(h), common)] for h in histories
    ])
    return common, closes


def _correlation_matrix(returns: np.ndarray) -> tuple[tuple[Optional[float], ...], ...]:
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.corrcoef(returns, rowvar=False)
    matrix = np.atleast_2d(matrix)
    matrix = (matrix + matrix.T) / 2.0  # corrcoef is symmetric only up to rounding
    return tuple(tuple(finite(v) for v in row) for row in matrix)


def compare_histories(analyses: Sequence[TickerAnalysis], histories: Sequence[PriceHistory],
                      lookback_days: int = LOOKBACK_DAYS) -> Comparison:
    """Put tickers side by side over the same window (the dates all of them traded)."""
    dates, closes = common_closes(histories, lookback_days)
    returns = closes[1:] / closes[:-1] - 1.0
    rows = []
    for k, analysis in enumerate(analyses):
        column = closes[:, k]
        rows.append(ComparisonRow(
            analysis=analysis,
            window_return=float(column[-1] / column[0] - 1.0),
            window_volatility=annualised_volatility(dates, column),
            window_max_drawdown=max_drawdown(dates, column),
        ))
    ranked = sorted(rows, key=lambda r: r.window_return)
    return Comparison(
        tickers=tuple(a.ticker for a in analyses),
        start=to_date(dates, 0),
        end=to_date(dates, -1),
        observations=len(dates),
        rows=tuple(rows),
        correlations=_correlation_matrix(returns),
        best=ranked[-1].analysis.ticker,
        worst=ranked[0].analysis.ticker,
    )
