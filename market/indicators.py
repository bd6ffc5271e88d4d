"""Technical indicators on numpy arrays, vectorised.

Every function takes float arrays of equal length (oldest first) and returns
arrays of that length with NaN where the indicator is not yet defined (its
warm-up). NaN never leaves this module's callers: ``analysis`` turns it into
``None``. Conventions (seeds, std, units) are listed in ``docs/market.md``.

Recursive averages run through ``scipy.signal.lfilter`` (the exact recursion,
in C) and window statistics through numpy sliding windows (two-pass, so a
flat window has exactly zero spread), so 20 years of bars cost microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import lfilter


def _smooth(values: np.ndarray, alpha: float, seed: float) -> np.ndarray:
    """y[k] = (1 - alpha) * y[k-1] + alpha * values[k], with y[-1] = seed."""
    if len(values) == 0:
        return np.empty(0)
    out, _ = lfilter([alpha], [1.0, alpha - 1.0], values, zi=[(1.0 - alpha) * seed])
    return out


def _nan(n: int) -> np.ndarray:
    return np.full(n, np.nan)


def _rolling(x: np.ndarray, period: int, statistic) -> np.ndarray:
    """statistic(window, axis=1) of each full window, aligned on its last value."""
    out = _nan(len(x))
    if len(x) >= period:
        out[period - 1 :] = statistic(sliding_window_view(x, period), axis=1)
    return out


def sma(x: np.ndarray, period: int) -> np.ndarray:
    """Simple moving average; defined from the period-th value on."""
    return _rolling(x, period, np.mean)


def ema(x: np.ndarray, period: int) -> np.ndarray:
    """Exponential average, alpha = 2/(period+1), seeded with the first value.

    Published from the period-th value on (earlier values lean on the seed).
    """
    out = _smooth(x, 2.0 / (period + 1), x[0]) if len(x) else np.empty(0)
    out[: period - 1] = np.nan
    return out


def wilder(x: np.ndarray, period: int, start: int = 0) -> np.ndarray:
    """Wilder's smoothing (alpha = 1/period), seeded with the mean of the first
    *period* values from *start*, as Wilder defined RSI and ATR."""
    out = _nan(len(x))
    first = start + period - 1
    if first >= len(x):
        return out
    seed = float(np.mean(x[start : first + 1]))
    out[first] = seed
    out[first + 1 :] = _smooth(x[first + 1 :], 1.0 / period, seed)
    return out


def rsi(close: np.ndarray, period: int = 14) -> np.ndarray:
    """Relative Strength Index, 0..100; 50 when the window had neither gains nor losses."""
    change = np.diff(close, prepend=np.nan)
    gain = np.where(change > 0, change, 0.0)
    loss = np.where(change < 0, -change, 0.0)
    avg_gain = wilder(gain, period, start=1)
    avg_loss = wilder(loss, period, start=1)
    total = avg_gain + avg_loss
    with np.errstate(invalid="ignore", divide="ignore"):
        # 100 - 100 L/(G+L) rather than 100 G/(G+L): exact 100 and 0 at the extremes
        out = np.where(total > 0, 100.0 - 100.0 * (avg_loss / total), 50.0)
    out[np.isnan(total)] = np.nan
    return out


@dataclass(frozen=True)
class Macd:
    line: np.ndarray
    signal: np.ndarray
    histogram: np.ndarray


def macd(close: np.ndarray, fast: int = 12, slow: int = 26, signal: int = 9) -> Macd:
    """MACD line (EMA fast - EMA slow), its EMA signal line and their difference.

    The signal EMA starts at the first published MACD value, so warm-up noise
    of the slow EMA never enters it.
    """
    n = len(close)
    line = _nan(n)
    sig = _nan(n)
    first = slow - 1
    if n > first:
        line = ema(close, fast) - ema(close, slow)
        line[:first] = np.nan
        sig[first:] = _smooth(line[first:], 2.0 / (signal + 1), line[first])
        sig[: first + signal - 1] = np.nan
    return Macd(line, sig, line - sig)


@dataclass(frozen=True)
class Bollinger:
    middle: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    percent_b: np.ndarray
    bandwidth: np.ndarray


def bollinger(close: np.ndarray, period: int = 20, width: float = 2.0) -> Bollinger:
    """Bollinger bands with the population standard deviation (ddof 0), as Bollinger
    specified; %B is NaN (then None) when the bands collapse onto a flat price."""
    middle = sma(close, period)
    deviation = _rolling(close, period, np.std)
    upper = middle + width * deviation
    lower = middle - width * deviation
    spread = upper - lower
    with np.errstate(invalid="ignore", divide="ignore"):
        # a spread within float rounding of the price is a flat window, not a signal
        percent_b = np.where(spread > 1e-12 * np.abs(middle), (close - lower) / spread, np.nan)
        bandwidth = spread / middle * 100.0
    return Bollinger(middle, upper, lower, percent_b, bandwidth)


def true_range(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """Greatest of high-low and the gaps from the previous close; high-low on the first bar."""
    previous = np.concatenate(([np.nan], close[:-1]))
    ranges = np.vstack((high - low, np.abs(high - previous), np.abs(low - previous)))
    return np.nanmax(ranges, axis=0)


def atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int = 14) -> np.ndarray:
    """Average True Range, Wilder-smoothed."""
    return wilder(true_range(high, low, close), period)


def roc(close: np.ndarray, period: int = 12) -> np.ndarray:
    """Rate of change over *period* bars, in percent."""
    out = _nan(len(close))
    out[period:] = (close[period:] / close[:-period] - 1.0) * 100.0
    return out


def obv(close: np.ndarray, volume: np.ndarray) -> np.ndarray:
    """On-Balance Volume, starting at 0 on the first bar; unchanged closes add nothing."""
    direction = np.sign(np.diff(close, prepend=close[:1]))
    return np.cumsum(direction * volume)


def drawdown(close: np.ndarray) -> np.ndarray:
    """Fall from the running peak as a fraction (0 at a new high, -0.25 for 25 % below)."""
    return close / np.maximum.accumulate(close) - 1.0


def ulcer_index(close: np.ndarray, period: int = 14) -> np.ndarray:
    """Martin's Ulcer Index: RMS of the percent drawdown from the highest close
    of the trailing *period* bars (fewer during the first window)."""
    padded = np.concatenate((np.full(period - 1, -np.inf), close))
    peak = sliding_window_view(padded, period).max(axis=1)
    percent = (close / peak - 1.0) * 100.0
    return np.sqrt(sma(percent**2, period))
