"""Indicators on small hand-computed series, and their invariants on generated ones."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market import indicators as ind


def test_sma_and_ema_by_hand() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert ind.sma(x, 3)[2:].tolist() == [2.0, 3.0, 4.0]
    assert np.isnan(ind.sma(x, 3)[:2]).all()
    # alpha = 2/(3+1) = 0.5 seeded with 1: 1, 1.5, 2.25, 3.125, 4.0625; first two hidden
    assert ind.ema(x, 3)[2:].tolist() == [2.25, 3.125, 4.0625]


def test_wilder_seed_then_recursion() -> None:
    x = np.array([2.0, 4.0, 6.0, 8.0])
    out = ind.wilder(x, 2)
    # seed mean(2, 4) = 3 at index 1; then 3*1/2 + 6/2 = 4.5; 4.5/2 + 8/2 = 6.25
    assert np.isnan(out[0]) and out[1:].tolist() == [3.0, 4.5, 6.25]
    assert np.isnan(ind.wilder(x, 5)).all()


def test_rsi_edges() -> None:
    assert ind.rsi(np.arange(1.0, 20.0))[14:].tolist() == [100.0] * 5
    assert ind.rsi(np.arange(20.0, 1.0, -1.0))[14:].tolist() == [0.0] * 5
    assert ind.rsi(np.full(20, 7.0))[14:].tolist() == [50.0] * 6
    # one gain of 1 and one loss of 1 among 14 changes: averages equal -> 50
    close = np.array([10.0] * 13 + [11.0, 10.0])
    assert ind.rsi(close)[14] == pytest.approx(50.0)


def test_true_range_uses_gaps_from_previous_close() -> None:
    high, low = np.array([10.0, 12.0, 9.0]), np.array([9.0, 11.5, 8.0])
    close = np.array([9.5, 12.0, 8.5])
    # bar 0: 10-9; bar 1: |12-9.5| = 2.5; bar 2: |8-12| = 4
    assert ind.true_range(high, low, close).tolist() == [1.0, 2.5, 4.0]


def test_roc_obv_drawdown_by_hand() -> None:
    close = np.array([10.0, 11.0, 11.0, 9.9, 12.0])
    assert ind.roc(close, 2)[2:] == pytest.approx([10.0, -10.0, 9.0909090909])
    volume = np.array([5.0, 100.0, 200.0, 300.0, 400.0])
    assert ind.obv(close, volume).tolist() == [0.0, 100.0, 100.0, -200.0, 200.0]
    assert ind.drawdown(close) == pytest.approx([0.0, 0.0, 0.0, -0.1, 0.0])


def test_bollinger_population_std_by_hand() -> None:
    close = np.array([1.0, 2.0, 3.0, 4.0])
    bands = ind.bollinger(close, period=4, width=2.0)
    # mean 2.5, population variance (2.25+0.25+0.25+2.25)/4 = 1.25
    sd = np.sqrt(1.25)
    assert bands.middle[3] == 2.5
    assert bands.upper[3] == pytest.approx(2.5 + 2 * sd)
    assert bands.percent_b[3] == pytest.approx((4.0 - (2.5 - 2 * sd)) / (4 * sd))
    flat = ind.bollinger(np.full(25, 3.0))
    assert flat.upper[-1] == flat.lower[-1] == 3.0 and np.isnan(flat.percent_b[-1])


def test_macd_signal_starts_at_first_macd_value() -> None:
    close = np.linspace(10.0, 20.0, 40)
    result = ind.macd(close)
    assert np.isnan(result.line[:25]).all() and np.isfinite(result.line[25:]).all()
    assert np.isnan(result.signal[:33]).all() and np.isfinite(result.signal[33:]).all()
    manual = result.line[25]
    for value in result.line[26:34]:
        manual = manual + 0.2 * (value - manual)
    assert result.signal[33] == pytest.approx(manual, abs=1e-12)


closes = st.lists(st.floats(min_value=0.5, max_value=5_000.0), min_size=2, max_size=300).map(np.array)


@settings(max_examples=60, deadline=None)
@given(closes)
def test_bounded_indicators_stay_in_range(close: np.ndarray) -> None:
    r = ind.rsi(close)
    assert ((r[~np.isnan(r)] >= 0) & (r[~np.isnan(r)] <= 100)).all()
    bands = ind.bollinger(close)
    ok = ~np.isnan(bands.middle)
    assert (bands.lower[ok] <= bands.middle[ok] + 1e-9).all()
    assert (bands.middle[ok] <= bands.upper[ok] + 1e-9).all()
    spread = close * 0.01
    a = ind.atr(close + spread, close - spread, close)
    assert (a[~np.isnan(a)] >= 0).all()
    assert (ind.drawdown(close) <= 0).all()
    u = ind.ulcer_index(close)
    assert (u[~np.isnan(u)] >= 0).all()
    # warm-up lengths are fixed, whatever the data
    assert np.isnan(r[:14]).all() and np.isfinite(r[14:]).all()
    assert np.isfinite(ind.sma(close, 2)[1:]).all()
