"""Stock-market answers: price, analysis, comparison, portfolio risk, overview.

Thin adapters over :mod:`market`: read the tickers (entities first, then the
raw text, since synonyms can miss), the period, holdings and indicators from
the latest message, ask the analyst, and turn the typed result into text,
plus a chart image on channels that show images. Every answer states the
data's as-of date; every figure-bearing answer ends with a not-advice notice.
Engine errors become polite answers, never a crash.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from abc import ABC, abstractmethod
from datetime import date
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.services import market_analyst, market_resolver
from actions.skill import SkillAction, current_session
from assistant import settings
from dialogue.context import PRICE as PRICE_CUE
from dialogue.context import (
    ADD_TO,
    COMPARE,
    COMPARE_START,
    ELLIPSIS_START,
    INDICATOR,
    PERIOD,
    content_words,
    MARKET_PERIOD,
    MARKET_TICKERS,
    PLURAL_REFERENCE,
    PORTFOLIO,
    REFERENCE,
)
from market import charts
from market.analysis import NotEnoughData, TickerAnalysis, return_since
from market.data import MarketDataError, ProviderUnavailable, UnknownTicker
from market.portfolio import Holding
from market.question import REPLACE, Period, chart_indicators, describe_holdings, parse_period, revise_portfolio

log = logging.getLogger(__name__)

ENTITY = "ticker"
IMAGE_CHANNELS = frozenset({"socketio", "rest", "slack", "twilio", "whatsapp"})
MAX_TICKERS = 5  # per price/analysis answer; a longer list gets the first five
CHART_VERSION = "1"  # bump when the charts' look changes, so cached files are redrawn
INDICATOR_FIELDS = {
    "rsi": ("RSI14", "rsi14"), "macd": ("MACD", "macd"), "sma20": ("SMA20", "sma20"), "sma50": ("SMA50", "sma50"),
    "sma200": ("SMA200", "sma200"), "ema12": ("EMA12", "ema12"), "ema26": ("EMA26", "ema26"),
    "bollinger": ("Bollinger %B", "bollinger_percent_b"),
}


def day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def pct(value: Optional[float], digits: int = 1) -> str:
    """A fraction as a signed percentage; "n/a" for a missing value."""
    return "n/a" if value is None else f"{value * 100:+.{digits}f}%"


def number(value: Optional[float], digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def not_advice() -> str:
    return replies.text("market.not_advice")


def as_of_note(as_of: date, source: str) -> str:
    stale = (date.today() - as_of).days > 7
    return replies.text("market.as_of_stale" if stale else "market.as_of", day=day(as_of), source=source)


def names_only_a_company(text: str) -> bool:
    """An ellipsis or a lone word with nothing a market question about the last ticker would say."""
    words = content_words(text)
    if not words or any(p.search(text) for p in (PERIOD, INDICATOR, PRICE_CUE, COMPARE, REFERENCE)):
        return False
    return len(words) == 1 or (len(words) <= 3 and bool(ELLIPSIS_START.search(text)))


def recent_tickers(tracker: Tracker, limit: int = MAX_TICKERS) -> list[str]:
    """The tickers of this session's market answers, most recent last, at most *limit*."""
    seen: list[str] = []
    for event in current_session(tracker.events):
        if event.get("event") == "slot" and event.get("name") == MARKET_TICKERS:
            for ticker in event.get("value") or []:
                if isinstance(ticker, str):
                    if ticker in seen:
                        seen.remove(ticker)
                    seen.append(ticker)
    return seen[-limit:]


class MarketRequest:
    """What the latest message asks about, completed from the conversation's market context.

    A follow-up without a ticker ("its RSI?", "over 5 years?") is about the tickers of the last
    market answer (slot ``market_tickers``); one that names no period keeps the last period when
    it is an ellipsis ("and IBM?"). ``named`` holds only what the message itself names.
    """

    def __init__(self, tracker: Tracker) -> None:
        message = tracker.latest_message or {}
        self.text: str = message.get("text") or ""
        entities = [e.get("value") for e in message.get("entities") or [] if e.get("entity") == ENTITY]
        self.resolver = market_resolver()
        self.named, self.unknown = self.resolver.tickers(self.text, [str(v) for v in entities if v is not None])
        self.context_tickers: list[str] = [t for t in tracker.get_slot(MARKET_TICKERS) or [] if isinstance(t, str)]
        if len(self.context_tickers) < 2 and PLURAL_REFERENCE.search(self.text):
            self.context_tickers = recent_tickers(tracker)  # "them": everything discussed lately
        if not self.named and not self.unknown and names_only_a_company(self.text):
            # "and the dow jones?", "nvidia?": a name I don't cover, not a question about what was discussed
            self.unknown = [" ".join(content_words(self.text))]
        self.tickers = list(self.named) or ([] if self.unknown else list(self.context_tickers))
        self.period, self.period_problem = parse_period(self.text)
        remembered = tracker.get_slot(MARKET_PERIOD)
        ellipsis = not self.named or bool(ELLIPSIS_START.search(self.text))
        if self.period is None and not self.period_problem and remembered and ellipsis:
            self.period, _ = parse_period(str(remembered))
        self.indicators = chart_indicators(self.text)
        self.shows_images = tracker.get_latest_input_channel() in IMAGE_CHANNELS
        self.portfolio: str = tracker.get_slot(PORTFOLIO) or ""

    def refers_back(self) -> bool:
        """The message points at what was discussed ("compare it with IBM", "them", "vs MSFT")."""
        return any(p.search(self.text) for p in (REFERENCE, ELLIPSIS_START, COMPARE_START))

    def context_events(self, tickers: Sequence[str]) -> List[EventType]:
        """Remember what this answer was about, for the follow-ups."""
        return [SlotSet(MARKET_TICKERS, list(tickers)),
                SlotSet(MARKET_PERIOD, self.period.label if self.period is not None else None)]


class MarketAction(SkillAction, ABC):
    """Shared error handling: every engine failure becomes a clear answer.

    Abstract, so rasa-sdk's executor does not register it as an action.
    """

    unavailable_reply = "market.unavailable"

    @abstractmethod
    def respond(self, dispatcher: CollectingDispatcher, request: MarketRequest) -> List[EventType]:
        """Utter the answer to *request* and return the context it leaves (runs in a worker thread)."""

    def ask_for_ticker(self, dispatcher: CollectingDispatcher, request: MarketRequest, what: str) -> None:
        covered = request.resolver.covered()
        if request.unknown:
            dispatcher.utter_message(text=replies.text("market.not_covered", names=", ".join(request.unknown),
                                                       covered=covered))
        else:
            dispatcher.utter_message(text=replies.text("market.which_ticker", what=what, covered=covered))

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        request = MarketRequest(tracker)
        if request.period_problem:
            dispatcher.utter_message(text=request.period_problem)
            return []
        return self.respond(dispatcher, request)

    def failed(self, dispatcher: CollectingDispatcher, error: Exception) -> List[EventType]:
        if isinstance(error, UnknownTicker):
            dispatcher.utter_message(text=replies.text("market.no_data_for_ticker",
                                                       covered=market_resolver().covered()))
        elif isinstance(error, NotEnoughData):
            dispatcher.utter_message(text=replies.text("market.cannot_compare", reason=str(error)))
        elif isinstance(error, MarketDataError):  # outage, open circuit, malformed vendor answer
            log.warning("%s: market data unavailable (%s)", self.name(), type(error).__name__)
            dispatcher.utter_message(text=replies.text(self.unavailable_reply))
        else:
            return super().failed(dispatcher, error)
        return []


def publish_chart(dispatcher: CollectingDispatcher, request: MarketRequest, key: str, label: str,
                  render: Callable[[], bytes]) -> None:
    """Send a chart image on channels that show images.

    The file name hashes everything that determines the picture (including the
    data's as-of date), so an existing file is reused instead of redrawn.
    """
    if not request.shows_images:
        return
    chart_dir = Path(settings.get("CHART_DIR"))
    name = f"{re.sub(r'[^A-Za-z0-9]+', '-', label).strip('-')}-" \
           f"{hashlib.sha256(f'{CHART_VERSION}:{key}'.encode()).hexdigest()[:20]}.png"
    path = chart_dir / name
    try:
        if not path.is_file():
            png = render()
            chart_dir.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=chart_dir, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(png)
                os.replace(temporary, path)  # atomic: a concurrent reader never sees half a file
            finally:
                if os.path.exists(temporary):
                    os.unlink(temporary)
    except Exception as error:  # the chart is extra: the text answer stands on its own
        log.warning("chart not drawn or written (%s)", type(error).__name__)
        return
    dispatcher.utter_message(image=f"{settings.action_public_url()}/charts/{name}")


def period_line(ticker: str, period: Period) -> str:
    history = market_analyst().history(ticker)
    start = period.start(history.as_of)
    if start >= history.as_of:
        return replies.text("market.period_after_data", ticker=ticker, period=period.label, as_of=history.as_of)
    result = return_since(history, start)
    span = period.label if period.label.startswith("since") else replies.text("market.over", period=period.label)
    if result.value is None:
        return replies.text("market.period_no_price", ticker=ticker, span=span, start=start,
                            first=history.bars.index[0].date(), as_of=history.as_of)
    return replies.text("market.period_return", ticker=ticker, span=span, start=result.start_date,
                        change=pct(result.value))


def no_data_line(request: MarketRequest) -> List[str]:
    return [replies.text("market.no_data_for", names=", ".join(request.unknown))] if request.unknown else []


class ActionStockPrice(MarketAction):
    def name(self) -> Text:
        return "action_stock_price"

    def respond(self, dispatcher: CollectingDispatcher, request: MarketRequest) -> List[EventType]:
        if not request.tickers:
            self.ask_for_ticker(dispatcher, request, replies.text("market.what.price"))
            return []
        analyst = market_analyst()
        lines = []
        tickers = request.tickers[:MAX_TICKERS]
        for ticker in tickers:
            quote = analyst.quote(ticker)
            name = analyst.tickers().get(ticker, ticker)
            change = "" if quote.change_pct is None else replies.text("market.day_change",
                                                                       change=f"{quote.change_pct:+.2f}%")
            closed = replies.text("market.closed_at", name=name, ticker=ticker, price=number(quote.price),
                                  day=day(quote.as_of), change=change)
            lines.append(closed + " " + as_of_note(quote.as_of, quote.source))
            if request.period is not None:
                lines.append(period_line(ticker, request.period))
        lines += no_data_line(request)
        lines.append(not_advice())
        dispatcher.utter_message(text="\n".join(lines))
        return request.context_events(tickers)


def indicator_line(analysis: TickerAnalysis, indicators: Sequence[str]) -> Optional[str]:
    values = [f"{label} {number(getattr(analysis.indicators, field))}"
              for key, (label, field) in INDICATOR_FIELDS.items() if key in indicators]
    return replies.text("market.indicators", ticker=analysis.ticker, as_of=analysis.as_of,
                        values=", ".join(values)) if values else None


class ActionStockAnalysis(MarketAction):
    def name(self) -> Text:
        return "action_stock_analysis"

    def respond(self, dispatcher: CollectingDispatcher, request: MarketRequest) -> List[EventType]:
        if not request.tickers:
            self.ask_for_ticker(dispatcher, request, replies.text("market.what.analysis"))
            return []
        analyst = market_analyst()
        overlays = tuple(i for i in request.indicators if i in charts.OVERLAYS + charts.PANELS)
        chart_indicators_ = overlays or charts.DEFAULT_INDICATORS
        tickers = request.tickers[:3]
        for ticker in tickers:
            analysis = analyst.analyze(ticker)
            days = charts.DEFAULT_DAYS if request.period is None else request.period.lookback_days(analysis.as_of)
            asked = indicator_line(analysis, request.indicators)
            lines = [line for line in (asked, period_line(ticker, request.period) if request.period else None) if line]
            lines.append(charts.text_summary(analysis))
            lines.append(as_of_note(analysis.as_of, analysis.source))
            dispatcher.utter_message(text="\n".join(lines))
            publish_chart(dispatcher, request,
                          f"analysis:{analyst.provider.name}:{ticker}:{analysis.as_of}:{chart_indicators_}:{days}",
                          ticker, lambda: analyst.chart(ticker, chart_indicators_, days))
        for line in no_data_line(request):
            dispatcher.utter_message(text=line)
        dispatcher.utter_message(text=not_advice())
        return request.context_events(tickers)


class ActionStockCompare(MarketAction):
    def name(self) -> Text:
        return "action_stock_compare"

    def respond(self, dispatcher: CollectingDispatcher, request: MarketRequest) -> List[EventType]:
        tickers = list(request.named)
        if len(tickers) < 2 and request.context_tickers and (request.refers_back() or ADD_TO.search(request.text)
                                                             or not tickers):
            # "compare them", "how does it compare with IBM", "throw google in too": what was discussed,
            # plus what is named now
            tickers = list(dict.fromkeys(request.context_tickers + tickers))
        if not tickers or (request.unknown and len(tickers) < 2):
            self.ask_for_ticker(dispatcher, request, replies.text("market.what.compare"))
            return []
        analyst = market_analyst()
        intro = ""
        if len(tickers) == 1:
            if tickers[0] == analyst.benchmark:
                self.ask_for_ticker(dispatcher, request, replies.text("market.what.compare_with", ticker=tickers[0]))
                return []
            tickers.append(analyst.benchmark)
            intro = replies.text("market.compare_with_benchmark", benchmark=analyst.benchmark) + "\n"
        lookback = 365
        if request.period is not None:
            lookback = request.period.lookback_days(min(analyst.history(t).as_of for t in tickers))
        comparison = analyst.compare(tickers, lookback_days=lookback)
        lines = [intro + replies.text("market.compare_heading", start=day(comparison.start), end=day(comparison.end),
                                      days=comparison.observations)]
        for row in comparison.rows:
            a = row.analysis
            vol = "n/a" if row.window_volatility is None else f"{row.window_volatility * 100:.1f}%"
            lines.append(replies.text("market.compare_line", name=a.name, ticker=a.ticker,
                                      change=pct(row.window_return), volatility=vol,
                                      drawdown=pct(row.window_max_drawdown.depth), as_of=a.as_of,
                                      trend=a.trend.label))
        lines.append(replies.text("market.best_worst", best=comparison.best, worst=comparison.worst))
        pairs = [f"{comparison.tickers[i]}/{comparison.tickers[j]} {number(comparison.correlations[i][j])}"
                 for i in range(len(comparison.tickers)) for j in range(i + 1, len(comparison.tickers))]
        lines.append(replies.text("market.correlation", pairs=", ".join(pairs)))
        lines.append(as_of_note(comparison.end, comparison.rows[0].analysis.source))
        lines += no_data_line(request)
        dispatcher.utter_message(text="\n".join(lines))
        publish_chart(dispatcher, request,
                      f"compare:{analyst.provider.name}:{','.join(comparison.tickers)}:{comparison.start}:{comparison.end}",
                      "-".join(comparison.tickers),
                      lambda: charts.render_comparison_chart([analyst.history(t) for t in comparison.tickers],
                                                             comparison.start, comparison.end))
        dispatcher.utter_message(text=not_advice())
        return request.context_events(comparison.tickers)


CHANGE_NOTES = {"weights": "market.portfolio.what_if_weights", "equal": "market.portfolio.what_if_equal",
                "added": "market.portfolio.what_if_added", "removed": "market.portfolio.what_if_removed",
                "replaced": "market.portfolio.what_if_replaced"}


def portfolio_holdings(request: MarketRequest) -> tuple[list[Holding], str, str]:
    """(holdings, note, problem): the portfolio the message names, or the last one changed as it asks
    ("make it 70/30", "add IBM", "swap MSFT for IBM"), or the last one as it was ("over 5 years?")."""
    holdings, problem = request.resolver.holdings(request.text)
    previous, _ = request.resolver.holdings(request.portfolio) if request.portfolio else ([], "")
    sized_portfolio = len(holdings) >= 2 and any(h.weight != 1.0 or h.amount is not None for h in holdings)
    if previous and not (sized_portfolio and not REPLACE.search(request.text)):
        # a what-if on the last portfolio, unless the message names a whole new one with its sizes
        change = revise_portfolio(request.resolver, previous, request.text)
        if change.change and (len(holdings) < 2 or change.change in ("added", "removed", "replaced")):
            if change.problem:
                return [], "", change.problem
            return list(change.holdings), replies.text(CHANGE_NOTES[change.change]), ""
        if not holdings and not problem and not request.named:
            return previous, "", ""
        held = {h.ticker for h in previous}
        if holdings and len(holdings) < len(previous) and {h.ticker for h in holdings} <= held:
            # "another 5000 in apple": part of the last portfolio restated in a way I can't apply
            return [], "", replies.text("market.portfolio.what_if_unclear", example=previous[0].ticker)
    if problem:
        return [], "", problem
    if not holdings and request.tickers:
        holdings, _ = request.resolver.holdings(" ".join(request.tickers))
    return holdings, "", ""


class ActionPortfolioRisk(MarketAction):
    def name(self) -> Text:
        return "action_portfolio_risk"

    def respond(self, dispatcher: CollectingDispatcher, request: MarketRequest) -> List[EventType]:
        if request.unknown:
            dispatcher.utter_message(text=replies.text("market.portfolio.not_covered", names=", ".join(request.unknown),
                                                       covered=request.resolver.covered()))
            return []
        holdings, note, problem = portfolio_holdings(request)
        if problem:
            dispatcher.utter_message(text=problem)
            return []
        if not holdings:
            self.ask_for_ticker(dispatcher, request, replies.text("market.what.portfolio"))
            return []
        analyst = market_analyst()
        lookback = 365
        if request.period is not None:
            lookback = request.period.lookback_days(min(analyst.history(h.ticker).as_of for h in holdings))
        risk = analyst.portfolio(holdings, settings.get_float("MARKET_RISK_FREE_RATE"), lookback_days=lookback)
        weights = ", ".join(f"{h.ticker} {h.weight * 100:.0f}%" for h in risk.holdings)
        equally = len(holdings) > 1 and all(h.weight == 1.0 for h in holdings)
        equal = replies.text("market.portfolio.equal") if equally else ""
        var_amount = "" if risk.var_95_amount is None else replies.text(
            "market.portfolio.var_amount", amount=number(risk.var_95_amount, 0),
            held=number(sum(h.amount or 0 for h in holdings), 0))
        vol = "n/a" if risk.volatility is None else f"{risk.volatility * 100:.1f}%"
        lines = ([note] if note else []) + [
            replies.text("market.portfolio.heading", weights=weights, equal=equal, start=day(risk.start),
                         end=day(risk.as_of), days=risk.observations),
            replies.text("market.portfolio.return", change=pct(risk.total_return),
                         annualised=pct(risk.annualised_return), volatility=vol),
            replies.text("market.portfolio.var", var=f"{risk.var_95 * 100:.2f}%", amount=var_amount),
            replies.text("market.portfolio.sharpe", sharpe=number(risk.sharpe),
                         risk_free=f"{risk.risk_free_rate * 100:.1f}%", drawdown=pct(risk.max_drawdown.depth)),
        ]
        if len(risk.holdings) > 1:
            lines.append(replies.text("market.portfolio.diversification", correlation=number(risk.average_correlation),
                                      bets=number(risk.effective_number_of_bets, 1), count=len(risk.holdings)))
            contributions = ", ".join(f"{h.ticker} {pct(h.risk_contribution, 0)}" for h in risk.holdings)
            lines.append(replies.text("market.portfolio.risk_share", contributions=contributions))
        source = analyst.history(risk.holdings[0].ticker).source
        lines.append(as_of_note(risk.as_of, source))
        lines.append(not_advice())
        dispatcher.utter_message(text="\n".join(lines))
        return request.context_events([h.ticker for h in holdings]) + [SlotSet(PORTFOLIO, describe_holdings(holdings))]


class ActionMarketOverview(MarketAction):
    def name(self) -> Text:
        return "action_market_overview"

    def respond(self, dispatcher: CollectingDispatcher, request: MarketRequest) -> List[EventType]:
        analyst = market_analyst()
        lines = [replies.text("market.overview_heading")]
        shown = []
        for ticker, name in analyst.tickers().items():
            try:
                a = analyst.analyze(ticker)
            except MarketDataError:  # an outage on one series still leaves the others
                continue
            shown.append(ticker)
            lines.append(replies.text("market.overview_line", name=name, ticker=ticker, close=number(a.last_close),
                                      as_of=a.as_of,
                                      day=pct(None if a.change_pct is None else a.change_pct / 100, 2),
                                      month=pct(a.period_return("1M")), ytd=pct(a.period_return("YTD")),
                                      trend=a.trend.label))
        if not shown:
            raise ProviderUnavailable("no ticker answered")
        lines.append(replies.text("market.overview_footer"))
        lines.append(not_advice())
        dispatcher.utter_message(text="\n".join(lines))
        return [SlotSet(MARKET_TICKERS, None), SlotSet(MARKET_PERIOD, None)]
