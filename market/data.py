"""The market-data contract every provider honours.

Providers (bundled files, a live vendor, a cache in front of either) differ in
where bars come from, never in what they hand back: a :class:`PriceHistory` of
clean daily OHLCV bars or a :class:`Quote`, each stamped with the date the data
is valid for, so every answer can say how fresh it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import date
from typing import Mapping, Optional, Protocol, runtime_checkable

import numpy as np
import pandas as pd

OHLCV = ("open", "high", "low", "close", "volume")


class MarketDataError(Exception):
    """Base class of every error a provider raises."""


class UnknownTicker(MarketDataError):
    """The provider does not cover this ticker (a user error, never retried)."""


class ProviderUnavailable(MarketDataError):
    """The source could not answer now (timeout, outage, open circuit); try later."""


class BadVendorResponse(MarketDataError):
    """The vendor answered with something that is not the documented format."""


@dataclass(frozen=True)
class PriceHistory:
    """Daily bars of one ticker.

    ``bars`` has a tz-naive, sorted, unique ``datetime64[ns]`` index named ``date`` and
    float columns ``open high low close volume`` without NaN; ``as_of`` is the
    date of the last bar.
    """

    ticker: str
    bars: pd.DataFrame
    as_of: date
    source: str

    @cached_property
    def arrays(self) -> dict[str, np.ndarray]:
        """``date`` (datetime64[ns]) and each OHLCV column as numpy arrays, extracted once:
        pandas column access costs more than the arithmetic the analysis does with it."""
        out = {"date": self.bars.index.to_numpy(dtype="datetime64[ns]")}
        out.update((name, self.bars[name].to_numpy()) for name in OHLCV)
        return out

    def between(self, start: Optional[date], end: Optional[date]) -> "PriceHistory":
        """The bars with start <= date <= end (either bound may be None)."""
        index = self.bars.index
        lo = 0 if start is None else int(index.searchsorted(pd.Timestamp(start), side="left"))
        hi = len(index) if end is None else int(index.searchsorted(pd.Timestamp(end), side="right"))
        bars = self.bars.iloc[lo:hi]
        if bars.empty:
            raise MarketDataError(f"No {self.ticker} prices between {start} and {end}.")
        return PriceHistory(self.ticker, bars, bars.index[-1].date(), self.source)


@dataclass(frozen=True)
class Quote:
    """The latest price and its change against the previous close."""

    ticker: str
    price: float
    previous_close: Optional[float]
    change: Optional[float]
    change_pct: Optional[float]
    as_of: date
    source: str


@runtime_checkable
class MarketDataProvider(Protocol):
    """What the analysis engine needs from a source of prices."""

    name: str

    def tickers(self) -> Mapping[str, str]:
        """Covered tickers mapped to company (or index) names."""

    def history(
        self, ticker: str, start: Optional[date] = None, end: Optional[date] = None
    ) -> PriceHistory:
        """Daily OHLCV bars of *ticker* between *start* and *end* inclusive."""

    def quote(self, ticker: str) -> Quote:
        """The latest price of *ticker*."""


def normalise_ticker(ticker: str) -> str:
    """Tickers are matched case-insensitively and without surrounding blanks."""
    return ticker.strip().upper()


def clean_bars(frame: pd.DataFrame) -> pd.DataFrame:
    """Bring raw bars to the :class:`PriceHistory` contract.

    Rows without a positive open/high/low/close are dropped rather than filled,
    because a filled price would be an invented one; missing volume counts as 0.
    Duplicate dates keep the last row (vendors correct a bar by re-sending it).
    """
    bars = frame.loc[:, list(OHLCV)].astype("float64")
    index = pd.DatetimeIndex(bars.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    bars.index = index.normalize().as_unit("ns").rename("date")
    bars["volume"] = bars["volume"].fillna(0.0)
    prices = bars[["open", "high", "low", "close"]].to_numpy()
    keep = np.isfinite(prices).all(axis=1) & (prices > 0).all(axis=1)
    bars = bars[keep]
    bars = bars[~bars.index.duplicated(keep="last")].sort_index()
    return bars


def quote_from_history(history: PriceHistory) -> Quote:
    """A quote derived from the last two daily bars (the offline providers' quote)."""
    close = history.arrays["close"]
    price = float(close[-1])
    if len(close) < 2:
        return Quote(history.ticker, price, None, None, None, history.as_of, history.source)
    previous = float(close[-2])
    return Quote(
        history.ticker,
        price,
        previous,
        price - previous,
        (price / previous - 1.0) * 100.0,
        history.as_of,
        history.source,
    )
