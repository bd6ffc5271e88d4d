"""Single-ticker analysis and comparisons: hand-computed cases, real data, properties."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from market.analysis import (
    MIN_OBSERVATIONS,
    NotEnoughData,
    TickerAnalysis,
    analyze_history,
    beta_and_correlation,
    compare_histories,
    max_drawdown,
    period_returns,
)
from market.codec import from_json, to_json
from market.data import PriceHistory, clean_bars


def make_history(close, dates=None, ticker: str = "TEST", spread: float = 0.01, volume: float = 1000.0) -> PriceHistory:
    close = np.asarray(close, dtype=float)
    if dates is None:
        dates = pd.bdate_range("2020-01-01", periods=len(close))
    frame = pd.DataFrame(
        {"open": close, "high": close * (1 + spread), "low": close * (1 - spread), "close": close,
         "volume": np.full(len(close), volume)},
        index=pd.DatetimeIndex(dates),
    )
    bars = clean_bars(frame)
    return PriceHistory(ticker, bars, bars.index[-1].date(), "test")


def walk(value, path="result"):
    """Yield (path, float) for every float inside a nested dataclass/tuple."""
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from walk(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, tuple):
        for k, item in enumerate(value):
            yield from walk(item, f"{path}[{k}]")
    elif isinstance(value, float):
        yield path, value


def assert_no_nan(result) -> None:
    bad = [p for p, v in walk(result) if not math.isfinite(v)]
    assert not bad, f"non-finite values leaked: {bad}"


# --- hand-computed -----------------------------------------------------------


def test_period_returns_use_last_close_on_or_before_the_start() -> None:
    dates = pd.to_datetime(["2020-12-30", "2020-12-31", "2021-01-04", "2021-01-08", "2021-01-11"])
    close = np.array([90.0, 100.0, 101.0, 105.0, 110.0])
    returns = {r.period: r for r in period_returns(dates.to_numpy(), close, date(2021, 1, 11))}
    # 1W target 2021-01-04 -> close 101; YTD from 2020-12-31 close 100
    assert returns["1W"].start_date == date(2021, 1, 4)
    assert returns["1W"].value == pytest.approx(110 / 101 - 1)
    assert returns["YTD"].start_date == date(2020, 12, 31)
    assert returns["YTD"].value == pytest.approx(0.10)
    # 1M target 2020-12-11: no bar within 7 days before it -> not enough data
    assert returns["1M"].value is None and returns["1M"].start_date is None
    assert returns["1Y"].value is None


def test_max_drawdown_dates_by_hand() -> None:
    dates = pd.bdate_range("2021-03-01", periods=7).to_numpy()
    values = np.array([100.0, 120.0, 90.0, 60.0, 100.0, 125.0, 110.0])
    dd = max_drawdown(dates, values)
    assert dd.depth == pytest.approx(60 / 120 - 1)
    assert (dd.peak_date, dd.trough_date, dd.recovery_date) == (date(2021, 3, 2), date(2021, 3, 4), date(2021, 3, 8))
    rising = max_drawdown(dates, np.arange(1.0, 8.0))
    assert rising == type(dd)(0.0, None, None, None)


def test_beta_and_correlation_of_a_levered_copy() -> None:
    rng = np.random.default_rng(7)
    market_returns = rng.normal(0, 0.01, 80)
    market = make_history(100 * np.cumprod(np.r_[1.0, 1 + market_returns]), ticker="MKT")
    levered = make_history(50 * np.cumprod(np.r_[1.0, 1 + 2 * market_returns]), ticker="LEV")
    beta, correlation = beta_and_correlation(levered, market, date(2000, 1, 1))
    assert beta == pytest.approx(2.0) and correlation == pytest.approx(1.0)
    # beta/correlation only use dates both traded: drop every other market bar
    sparse = PriceHistory("MKT", market.bars.iloc[::2], market.as_of, "test")
    beta, _ = beta_and_correlation(levered, sparse, date(2000, 1, 1))
    assert beta == pytest.approx(2.0, rel=0.05)


def test_trend_of_a_steady_rise_is_a_strong_uptrend() -> None:
    # +0.5 % a day: MACD stays above its lagging signal (a straight line would not)
    result = analyze_history(make_history(50 * 1.005 ** np.arange(300)))
    assert result.trend.label == "strong uptrend"
    assert result.trend.score == 1.0 and len(result.trend.signals) == 7 and not result.trend.missing
    names = [s.name for s in result.trend.signals]
    assert names[:3] == ["price vs SMA50", "price vs SMA200", "SMA50 vs SMA200"]
    falling = analyze_history(make_history(150 * 0.995 ** np.arange(300)))
    assert falling.trend.label == "strong downtrend"
    # at a constant rate of decline the (negative) MACD line shrinks with the price,
    # so it sits above its lagging signal: the one bullish vote
    assert {s.name: s.vote for s in falling.trend.signals}["MACD vs signal"] == 1
    assert falling.trend.score == round(-5 / 7, 4)


def test_short_history_says_what_is_missing() -> None:
    result = analyze_history(make_history([10.0, 10.5, 10.2]))
    assert result.trend.label == "not enough data" and result.trend.score is None
    assert result.indicators.sma20 is None and result.indicators.rsi14 is None
    assert result.risk.volatility_1y is None
    assert "SMA200 needs 200 bars; 3 available." in result.notes
    assert result.change == pytest.approx(-0.3) and result.change_pct == pytest.approx(-0.3 / 10.5 * 100)
    single = analyze_history(make_history([10.0]))
    assert single.previous_close is None and single.change is None
    assert_no_nan(single)


# --- real bundled data ---------------------------------------------------------


def test_real_aapl_analysis_matches_independent_pandas(bundled) -> None:
    aapl, spx = bundled.history("AAPL"), bundled.history("^GSPC")
    result = analyze_history(aapl, "Apple Inc.", spx)
    close = aapl.bars["close"]
    assert result.as_of == date(2013, 3, 1) and result.last_close == 430.47
    assert result.indicators.sma200 == pytest.approx(close.iloc[-200:].mean())
    assert result.indicators.ema26 == pytest.approx(close.ewm(span=26, adjust=False).mean().iloc[-1])
    year = close[close.index >= "2012-03-01"]
    returns = year.pct_change().dropna()
    per_year = len(returns) / ((year.index[-1] - year.index[0]).days / 365.25)
    assert result.risk.volatility_1y == pytest.approx(returns.std() * math.sqrt(per_year))
    joined = pd.concat([close, spx.bars["close"]], axis=1, join="inner").loc["2012-03-01":].pct_change().dropna()
    assert result.risk.beta_1y == pytest.approx(joined.cov().iloc[0, 1] / joined.iloc[:, 1].var())
    assert result.period_return("1Y") == pytest.approx(430.47 / close.loc["2012-03-01"] - 1)
    # AAPL lost 82 % from March 2000 to April 2003 and was back above that peak in early 2005
    dd = result.risk.max_drawdown_all
    assert dd.depth == pytest.approx(-0.818, abs=1e-3)
    assert dd.peak_date.year == 2000 and dd.trough_date.year == 2003 and dd.recovery_date.year == 2005


def test_compare_uses_common_window(bundled) -> None:
    histories = [bundled.history(t) for t in ("FB", "MSFT", "^GSPC")]
    analyses = [analyze_history(h) for h in histories]
    result = compare_histories(analyses, histories)
    # FB listed 2012-05-18 and the stock files end 2013-03-01, so the window is FB's life
    assert (result.start, result.end) == (date(2012, 5, 18), date(2013, 3, 1))
    assert result.observations == 196
    assert [r.analysis.ticker for r in result.rows] == ["FB", "MSFT", "^GSPC"]
    fb = bundled.history("FB").bars["close"]
    assert result.rows[0].window_return == pytest.approx(fb.iloc[-1] / fb.iloc[0] - 1)
    assert result.best == "^GSPC" and result.worst == "FB"
    assert [result.correlations[k][k] for k in range(3)] == pytest.approx([1.0] * 3)
    assert result.correlations[0][1] == result.correlations[1][0]
    assert_no_nan(result)


def test_compare_refuses_disjoint_histories() -> None:
    early = make_history(np.linspace(1, 2, 50), pd.bdate_range("2001-01-01", periods=50), "A")
    late = make_history(np.linspace(1, 2, 50), pd.bdate_range("2005-01-03", periods=50), "B")
    with pytest.raises(NotEnoughData, match="share only 0 trading days"):
        compare_histories([analyze_history(early), analyze_history(late)], [early, late])


# --- properties -------------------------------------------------------------------


def draw_closes(draw, n: int) -> tuple[str, np.ndarray]:
    """*n* closes of a drawn kind: constant, rising, falling or arbitrary."""
    kind = draw(st.sampled_from(["constant", "rising", "falling", "any"]))
    level = draw(st.floats(min_value=0.5, max_value=2_000.0))
    if kind == "constant":
        return kind, np.full(n, level)
    if kind in ("rising", "falling"):
        steps = np.array(draw(st.lists(st.floats(0.001, 0.05), min_size=n, max_size=n)))
        return kind, level * np.cumprod(1 + steps if kind == "rising" else 1 - steps)
    return kind, np.array(draw(st.lists(st.floats(0.5, 2_000.0), min_size=n, max_size=n)))


@st.composite
def histories(draw) -> PriceHistory:
    """Constant, monotone or arbitrary closes on dates with random gaps."""
    n = draw(st.integers(min_value=1, max_value=320))
    kind, close = draw_closes(draw, n)
    gaps = draw(st.lists(st.integers(min_value=1, max_value=40), min_size=n, max_size=n))
    dates = pd.Timestamp("2010-01-04") + pd.to_timedelta(np.cumsum(gaps), unit="D")
    volume = draw(st.floats(min_value=0.0, max_value=1e9))
    history = make_history(close, dates, volume=volume)
    return dataclasses.replace(history, ticker=kind)


@settings(max_examples=80, deadline=None)
@given(histories(), histories())
def test_analysis_never_leaks_nan_and_round_trips(history: PriceHistory, benchmark: PriceHistory) -> None:
    result = analyze_history(history, "", dataclasses.replace(benchmark, ticker="BENCH"))
    assert_no_nan(result)
    assert from_json(TickerAnalysis, to_json(result)) == result
    close = history.bars["close"].to_numpy()
    if history.ticker == "constant":
        assert result.risk.current_drawdown == 0.0 and result.risk.max_drawdown_all.depth == 0.0
        assert all(r.value in (None, 0.0) for r in result.returns)
        assert result.indicators.rsi14 in (None, 50.0)
        assert result.indicators.bollinger_percent_b is None
        assert result.risk.volatility_1y in (None, 0.0)
        assert result.trend.label in ("sideways", "not enough data")
    elif history.ticker == "rising":
        assert result.risk.max_drawdown_all.depth == 0.0 and result.risk.current_drawdown == 0.0
        assert all(r.value is None or r.value > 0 for r in result.returns)
        assert result.indicators.rsi14 in (None, 100.0)
    elif history.ticker == "falling":
        assert result.risk.max_drawdown_all.depth == pytest.approx(close[-1] / close[0] - 1)
        assert all(r.value is None or r.value < 0 for r in result.returns)
        assert result.indicators.rsi14 in (None, 0.0)


@st.composite
def comparable_histories(draw) -> list[PriceHistory]:
    """2-4 tickers on one trading calendar, as real listings are: each may start later, stop
    earlier (a delisting) or miss a few days, so they usually, not always, share enough days."""
    calendar = pd.bdate_range("2010-01-04", periods=draw(st.integers(min_value=5, max_value=320)))
    items = []
    for k in range(draw(st.integers(min_value=2, max_value=4))):
        first = draw(st.integers(min_value=0, max_value=len(calendar) // 4))
        last = len(calendar) - draw(st.integers(min_value=0, max_value=len(calendar) // 4))
        missing = draw(st.sets(st.integers(min_value=first, max_value=last - 1), max_size=(last - first) // 10))
        days = [calendar[i] for i in range(first, last) if i not in missing]
        _, close = draw_closes(draw, len(days))
        items.append(dataclasses.replace(make_history(close, days), ticker=f"T{k}"))
    return items


def shared_days_in_lookback(items: list[PriceHistory]) -> set[date]:
    """Trading days all *items* have within a year of the earliest last day (computed apart from the engine)."""
    end = min(h.as_of for h in items)
    windows = [{d.date() for d in h.bars.index if end - timedelta(days=365) <= d.date() <= end} for h in items]
    return set.intersection(*windows)


@settings(max_examples=60, deadline=None)
@given(comparable_histories())
def test_comparison_never_leaks_nan(items: list[PriceHistory]) -> None:
    analyses = [analyze_history(h) for h in items]
    shared = shared_days_in_lookback(items)
    if len(shared) < MIN_OBSERVATIONS + 1:
        event("refused: too few shared days")
        with pytest.raises(NotEnoughData, match=f"share only {len(shared)} trading days"):
            compare_histories(analyses, items)
    assume(len(shared) >= MIN_OBSERVATIONS + 1)  # the refusal is checked above; nothing else to check then
    event("compared")
    result = compare_histories(analyses, items)
    assert_no_nan(result)
    assert result.observations == len(shared)
    assert (result.start, result.end) == (min(shared), max(shared))
    assert result.tickers == tuple(h.ticker for h in items)
    for row in result.correlations:
        assert all(v is None or -1 - 1e-9 <= v <= 1 + 1e-9 for v in row)
