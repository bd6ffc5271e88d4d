"""What a ticker looks like: a PNG chart, or the same story in text.

Charts use matplotlib's object API on the Agg canvas (no pyplot state, no
display), so concurrent actions can render safely. Indicators are computed on
the whole history and then cut to the window, so a 200-day average is already
defined on the first day shown. Channels without images get
:func:`text_summary` instead.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Optional, Sequence

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from market import indicators as ind
from market.analysis import TickerAnalysis
from market.data import PriceHistory

DEFAULT_DAYS = 365
DEFAULT_INDICATORS = ("sma50", "sma200", "bollinger", "volume", "rsi", "macd")
OVERLAYS = ("sma20", "sma50", "sma200", "ema12", "ema26", "bollinger")
PANELS = ("volume", "rsi", "macd")


def render_chart(history: PriceHistory, indicators: Sequence[str] = DEFAULT_INDICATORS,
                 days: int = DEFAULT_DAYS) -> bytes:
    """PNG bytes of the close over the last *days* with overlays and indicator panels."""
    unknown = sorted(set(indicators) - set(OVERLAYS) - set(PANELS))
    if unknown:
        raise ValueError(f"Unknown chart indicators {unknown}; choose from {OVERLAYS + PANELS}.")
    bars = history.bars
    close = bars["close"].to_numpy()
    window = bars.index >= bars.index[-1] - timedelta(days=days)
    x = bars.index[window]
    panels = [p for p in PANELS if p in indicators]

    figure = Figure(figsize=(10, 4 + 1.6 * len(panels)), dpi=100)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(1 + len(panels), 1, height_ratios=[3] + [1] * len(panels), hspace=0.08)
    price = figure.add_subplot(grid[0])
    price.plot(x, close[window], color="black", linewidth=1.2, label="close")
    for name in indicators:
        if name.startswith(("sma", "ema")):
            period = int(name[3:])
            series = ind.sma(close, period) if name.startswith("sma") else ind.ema(close, period)
            price.plot(x, series[window], linewidth=1.0, label=name.upper())
        elif name == "bollinger":
            bands = ind.bollinger(close)
            price.fill_between(x, bands.lower[window], bands.upper[window], color="tab:blue", alpha=0.12,
                               label="Bollinger (20, 2)")
    price.set_title(f"{history.ticker} daily close, {x[0].date()} to {x[-1].date()} "
                    f"(as of {history.as_of}, source: {history.source})")
    price.legend(loc="upper left", fontsize=8)
    price.grid(alpha=0.3)

    for k, name in enumerate(panels, start=1):
        axis = figure.add_subplot(grid[k], sharex=price)
        if name == "volume":
            axis.bar(x, bars["volume"].to_numpy()[window] / 1e6, color="grey", width=1.0)
            axis.set_ylabel("volume (M)")
        elif name == "rsi":
            axis.plot(x, ind.rsi(close)[window], color="tab:purple", linewidth=1.0)
            for level in (30, 70):
                axis.axhline(level, color="grey", linestyle="--", linewidth=0.7)
            axis.set_ylim(0, 100)
            axis.set_ylabel("RSI 14")
        else:
            result = ind.macd(close)
            axis.plot(x, result.line[window], linewidth=1.0, label="MACD")
            axis.plot(x, result.signal[window], linewidth=1.0, label="signal")
            axis.bar(x, result.histogram[window], color="grey", width=1.0, label="histogram")
            axis.legend(loc="upper left", fontsize=7)
            axis.set_ylabel("MACD")
        axis.grid(alpha=0.3)
    for axis in figure.axes[:-1]:
        axis.tick_params(labelbottom=False)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def render_comparison_chart(histories: Sequence[PriceHistory], start: date, end: date) -> bytes:
    """PNG bytes of each close rebased to 100 on *start*, so different price levels compare."""
    figure = Figure(figsize=(10, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axis = figure.add_subplot()
    for history in histories:
        close = history.bars["close"]
        window = close[(close.index >= pd.Timestamp(start)) & (close.index <= pd.Timestamp(end))]
        if len(window):
            axis.plot(window.index, window.to_numpy() / window.iloc[0] * 100.0, linewidth=1.2, label=history.ticker)
    axis.axhline(100.0, color="grey", linestyle="--", linewidth=0.7)
    axis.set_title(f"{', '.join(h.ticker for h in histories)}: close rebased to 100 on {start} (to {end})")
    axis.set_ylabel("rebased close")
    axis.legend(loc="upper left", fontsize=8)
    axis.grid(alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def _pct(value: Optional[float], scale: float = 100.0) -> str:
    return "n/a" if value is None else f"{value * scale:+.1f}%"


def text_summary(analysis: TickerAnalysis) -> str:
    """A few lines a text-only channel can show instead of the chart."""
    a, i, r = analysis, analysis.indicators, analysis.risk
    change = "" if a.change_pct is None else f" ({a.change_pct:+.2f}% on the day)"
    returns = ", ".join(f"{p.period} {_pct(p.value)}" for p in a.returns)
    lines = [
        f"{a.name} ({a.ticker}) closed at {a.last_close:,.2f} on {a.as_of}{change}. Source: {a.source}.",
        f"Returns: {returns}.",
        f"Trend: {a.trend.label}"
        + ("" if a.trend.score is None else f" (score {a.trend.score:+.2f} from {len(a.trend.signals)} signals)")
        + ".",
    ]
    lines += [f"  - {s.observed}" for s in a.trend.signals]
    levels = []
    if i.rsi14 is not None:
        levels.append(f"RSI14 {i.rsi14:.1f}")
    if i.sma50 is not None:
        levels.append(f"SMA50 {i.sma50:,.2f}")
    if i.sma200 is not None:
        levels.append(f"SMA200 {i.sma200:,.2f}")
    if i.bollinger_lower is not None and i.bollinger_upper is not None:
        levels.append(f"Bollinger band {i.bollinger_lower:,.2f}-{i.bollinger_upper:,.2f}")
    if levels:
        lines.append("Levels: " + ", ".join(levels) + ".")
    risk = [f"max drawdown 1Y {_pct(r.max_drawdown_1y.depth)}", f"now {_pct(r.current_drawdown)} from peak"]
    if r.volatility_1y is not None:
        risk.insert(0, f"volatility 1Y {r.volatility_1y * 100:.1f}%")
    if r.beta_1y is not None:
        risk.append(f"beta vs {r.benchmark} {r.beta_1y:.2f}")
    lines.append("Risk: " + ", ".join(risk) + ".")
    if a.notes:
        lines.append("Not enough data for: " + " ".join(a.notes))
    return "\n".join(lines)
