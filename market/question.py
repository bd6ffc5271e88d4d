"""Read what a market question asks: tickers, a period, holdings, indicators.

The NLU usually hands over canonical tickers, but synonyms miss and customers
write "apple", "$msft" or "40% AAPL, 60% MSFT"; this module turns the raw text
(plus any extracted entity values) into typed requests. Plain Python; the
covered names come from :mod:`market.universe`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Optional, Sequence

from market.portfolio import Holding
from market.universe import ENGLISH_WORDS, CoveredTicker, load_universe

# Upper-case words that look like tickers but are not ("How is MSFT vs the S&P YTD?").
NOT_TICKERS = frozenset("""
A I AM PM US USA USD EUR GBP UK EU VS YTD YOY QTD MTD ETF ETFS CEO CFO IPO SEC FED GDP CPI API
OK PLS PLZ THX FAQ SMA EMA RSI MACD ATR ROC OBV VAR MAX MIN NOW DAY WEEK MONTH YEAR PE EPS NYSE
NASDAQ DOW AND OR THE IN ON OF TO FOR BY IS IT MY ME WE HI HELLO HEY WHAT HOW WHY BUY SELL HOLD
""".split())
# "how much is tesla stock", "share price for amazon": the word naming a company the NLU did not know.
NAMED_COMPANY = re.compile(
    r"\b(?:of|for|about|on|in|is|does|did)\s+(?P<after>[A-Za-z][\w.&-]*)(?=\s*(?:[?!.,]|$|\s+(?:stock|shares?|doing|trading)\b))"
    r"|\b(?P<before>[A-Za-z][\w.&-]*)(?:'s)?\s+(?:stock|stocks|shares?|share price|price|quote)\b"
    # a follow-up naming only a company: "and Oracle?", "what about tesla"
    r"|^\s*(?:ok(?:ay)?,?\s+)?(?:and|what about|how about|same for|and what about|and for)\s+(?:the\s+)?"
    r"(?P<ellipsis>[A-Za-z][\w.&-]*)(?:'s)?\s*[?!.]*\s*$"
    # a holding named with its size or as an addition: "20% tesla", "$500 of netflix", "add nvidia"
    r"|(?:\d\s*%|\d\s*percent|\$\s*\d[\d,]*k?)\s*(?:(?:into|in|of)\b)?\s*(?P<sized>[A-Za-z][\w.&-]*)"
    r"|\b(?:add|adding|added|include|including|buy|buying)\s+(?:some\s+|a bit of\s+)?(?P<added>[A-Za-z][\w.&-]*)",
    re.I)
GENERIC_WORDS = frozenset("""
compare compared versus which better best worst riskier safer more less equally stack vs
stock stocks share shares price prices quote quotes market markets index indices portfolio company companies
ticker tickers today yesterday tomorrow please doing trading the that this these those my your its their
current latest last close closing value worth it them everything something anything money
went gone going swap swapped switch switched drop dropped added replace replaced keep kept move moved sold
bought instead maybe also just then rather equal equally even evenly weighted
""".split())
# words after a size that are not a company: "50% split", "a 10% position in IBM"
HOLDING_WORDS = frozenset({"split", "splits", "weight", "weights", "weighting", "allocation", "allocations", "stake",
                           "stakes", "position", "positions", "portion", "each", "apiece",
                           "percent", "per", "cent"})
NEIGHBOUR = re.compile(r"(?P<left>[A-Za-z][\w.&-]*)\s*(?:,|\band\b|\bvs\b\.?|\bversus\b|\bor\b)\s*"
                       r"(?:the\s+)?(?P<right>[A-Za-z][\w.&-]*)", re.I)
TICKER_LIKE = re.compile(r"(?<![\w^])(\$?)([A-Za-z]{1,5})(?![\w&])")

INDICATOR_WORDS = {
    "rsi": ("rsi",), "relative strength": ("rsi",), "macd": ("macd",), "bollinger": ("bollinger",),
    "volume": ("volume",), "sma20": ("sma20",), "sma 20": ("sma20",), "20-day": ("sma20",),
    "20 day": ("sma20",), "sma50": ("sma50",), "sma 50": ("sma50",), "50-day": ("sma50",),
    "50 day": ("sma50",), "sma200": ("sma200",), "sma 200": ("sma200",), "200-day": ("sma200",),
    "200 day": ("sma200",), "moving average": ("sma50", "sma200"), "sma": ("sma50", "sma200"),
    "ema": ("ema12", "ema26"), "exponential": ("ema12", "ema26"),
}
INDICATOR_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(k) for k in sorted(INDICATOR_WORDS, key=len, reverse=True)) + r")s?\b", re.I)


@dataclass(frozen=True)
class Mention:
    """A covered ticker named in the text (or only in an extracted entity: start -1)."""

    ticker: str
    start: int
    end: int


@dataclass(frozen=True)
class Period:
    """A window the customer asked about, resolved against the data's as-of date."""

    label: str
    days: Optional[int] = None
    months: Optional[int] = None
    year_to_date: bool = False
    since: Optional[date] = None

    def start(self, as_of: date) -> date:
        if self.since is not None:
            return self.since
        if self.year_to_date:
            return date(as_of.year - 1, 12, 31)
        if self.months is not None:
            year, month = divmod(as_of.year * 12 + as_of.month - 1 - self.months, 12)
            return date(year, month + 1, min(as_of.day, calendar.monthrange(year, month + 1)[1]))
        return as_of - timedelta(days=self.days or 0)

    def lookback_days(self, as_of: date) -> int:
        return max(1, (as_of - self.start(as_of)).days)


class Resolver:
    """Finds covered tickers, unknown ticker-like words, periods, holdings and indicators."""

    def __init__(self, universe: Sequence[CoveredTicker] = ()) -> None:
        self.universe = tuple(universe) or load_universe()
        self.names = {t.ticker: t.name for t in self.universe}
        forms: dict[str, str] = {}
        alternatives = []
        for entry in self.universe:
            for form in entry.ticker_forms:
                forms[form] = entry.ticker
                alternatives.append((len(form), re.escape(form)))
            for name in entry.names:
                forms[name.lower()] = entry.ticker
                alternatives.append((len(name), "(?i:" + re.escape(name) + ")"))
        self._forms = forms
        body = "|".join(a for _, a in sorted(alternatives, key=lambda item: -item[0]))
        self._pattern = re.compile(r"(?<![A-Za-z0-9])(" + body + r")(?![A-Za-z0-9])")

    def covered(self) -> str:
        """The covered list, as answers show it: "AAPL (Apple Inc.), ..."."""
        return ", ".join(f"{t.ticker} ({t.name})" for t in self.universe)

    def resolve(self, value: str) -> Optional[str]:
        """The covered ticker a single entity value or word means, if any."""
        text = value.strip().lstrip("$")
        if text.upper() in self.names:
            return text.upper()
        return self._forms.get(text) or self._forms.get(text.lower())

    def mentions(self, text: str) -> list[Mention]:
        return [Mention(self._forms.get(m.group(1)) or self._forms[m.group(1).lower()], m.start(1), m.end(1))
                for m in self._pattern.finditer(text)]

    def strip_mentions(self, text: str) -> str:
        """*text* with every covered name or ticker blanked out."""
        return self._pattern.sub(" ", text)

    def tickers(self, text: str, entity_values: Iterable[str] = ()) -> tuple[list[str], list[str]]:
        """Covered tickers in order of mention, and unknown ticker-looking words.

        Entity values come first in their order (the NLU saw them), then
        anything the text names that they missed. Unknown: entity values that
        resolve to nothing, upper-case or $-prefixed words that are not
        covered ("ZZZZ", "$TSLA") and, when nothing else was found, a word in a
        company's place ("how much is tesla stock", "price of amazon").
        """
        found: list[str] = []
        unknown: list[str] = []
        for value in entity_values:
            symbol = self.resolve(str(value))
            if symbol is not None:
                found.append(symbol)
            elif str(value).strip() and self._pattern.search(str(value)) is None:
                unknown.append(str(value).strip())
        spans = self.mentions(text)
        found += [m.ticker for m in spans]
        for match in TICKER_LIKE.finditer(text):
            cashtag, word = match.group(1), match.group(2)
            if any(m.start <= match.start(2) < m.end for m in spans):
                continue
            if (cashtag or word.isupper()) and word.upper() not in NOT_TICKERS and len(word) > 1 \
                    and word.lower() not in ENGLISH_WORDS | {"s"}:
                unknown.append(word.upper() if cashtag else word)
        for match in NEIGHBOUR.finditer(text):  # "tesla and apple", "apple vs nvidia"
            for word, at in ((match["left"], match.start("left")), (match["right"], match.start("right"))):
                inside = any(m.start <= at < m.end for m in spans)
                if word and not inside and word.lower() not in ENGLISH_WORDS | GENERIC_WORDS \
                        and self.resolve(word) is None and any(_touches(match, m) for m in spans):
                    unknown.append(word)
        nothing_named = not found and not unknown
        for match in NAMED_COMPANY.finditer(text):
            # a holding given with its size names a company even next to covered ones ("60% microsoft
            # and 40% amazon"); the other places count only when the message names nothing else
            if match["sized"] is None:
                if not nothing_named:
                    continue
            elif any(m.start <= match.start("sized") < m.end for m in spans):
                continue  # "40% apple": a covered name
            word = (match["after"] or match["before"] or match["ellipsis"] or match["sized"]
                    or match["added"]).rstrip(".")
            if word.lower() not in ENGLISH_WORDS | GENERIC_WORDS | HOLDING_WORDS and not word.isdigit():
                unknown.append(word)
        distinct: dict[str, str] = {}
        for word in unknown:
            if self.resolve(word) is None:
                distinct.setdefault(word.lower(), word)  # the first spelling wins
        return list(dict.fromkeys(found)), list(distinct.values())

    def holdings(self, text: str) -> tuple[list[Holding], str]:
        """Holdings named in *text* with their weights or amounts; "" or a reason they can't be read.

        Each comma/"and"-separated part names one ticker and at most one size
        ("40% AAPL", "$5000 in Apple", "MSFT 2k"). Tickers without sizes get
        equal weights; sizes must all be percentages/weights or all amounts.
        """
        text = PERIOD_WORDS.sub(" ", SINCE.sub(" ", text))  # "since 2008", "over 3 years" are not sizes
        parts = re.split(r",|;|\band\b|\bplus\b|\n|/|\s&\s|\+", text, flags=re.I)
        sized: list[tuple[str, float, str]] = []
        unsized: list[str] = []
        for part in parts:
            mentions = self.mentions(part)
            if not mentions:
                continue
            blanked = self._pattern.sub(lambda m: " " * len(m.group(0)), part)  # positions kept
            sizes = list(SIZE.finditer(blanked))
            if len(mentions) > 1 and len(sizes) == len(mentions):
                # "40% apple 60% ibm", "apple 40 ibm 60": the i-th size belongs to the i-th name
                pairs = list(zip(mentions, sizes))
            elif len(mentions) > 1 or len(sizes) > 1:
                if sizes:
                    return [], ("Please give one size per holding, e.g. “40% AAPL, 60% MSFT” or "
                                "“$5000 in Apple and $2000 in MSFT”.")
                unsized += [m.ticker for m in mentions]
                continue
            elif not sizes:
                unsized.append(mentions[0].ticker)
                continue
            else:
                pairs = [(mentions[0], sizes[0])]
            for mention, size in pairs:
                value = float(size.group("number").replace(",", "")) * {"k": 1e3, "m": 1e6}.get(
                    (size.group("scale") or "").lower(), 1.0)
                kind = "amount" if size.group("currency") or size.group("unit_currency") else "weight"
                sized.append((mention.ticker, value, kind))
        if sized and unsized:
            return [], (f"I have sizes for {', '.join(t for t, _, _ in sized)} but not for {', '.join(unsized)}: "
                        "please give every holding a weight or an amount, or none for equal weights.")
        if not sized:
            tickers = list(dict.fromkeys(unsized))
            return [Holding(t, weight=1.0) for t in tickers], ""
        if len({kind for _, _, kind in sized}) > 1:
            return [], "Please give either percentages or amounts of money for all holdings, not a mix."
        if any(value <= 0 for _, value, _ in sized):
            return [], "Holding sizes must be positive (long positions only)."
        if sized[0][2] == "amount":
            return [Holding(t, amount=v) for t, v, _ in sized], ""
        return [Holding(t, weight=v) for t, v, _ in sized], ""


def _touches(match: re.Match, mention: Mention) -> bool:
    """The conjunction *match* joins a word to *mention* (it ends or starts one side)."""
    return mention.start <= match.start("right") < mention.end or mention.start <= match.start("left") < mention.end \
        or mention.end == match.end("left") or mention.start == match.start("right")


SIZE = re.compile(
    r"(?P<currency>[$€£])?\s*(?P<number>\d[\d,]*(?:\.\d+)?)\s*(?P<scale>[kKmM]\b)?\s*"
    r"(?P<unit>%|percent\b|pct\b)?(?P<unit_currency>\s*(?:usd|dollars?|eur|euros?|gbp)\b)?", re.I)

UNITS = {"d": "days", "day": "days", "days": "days", "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks",
         "weeks": "weeks", "m": "months", "mo": "months", "mos": "months", "month": "months", "months": "months",
         "y": "years", "yr": "years", "yrs": "years", "year": "years", "years": "years"}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "twelve": 12, "a": 1, "an": 1}
PERIOD = re.compile(
    r"\b(?P<count>\d{1,3}|" + "|".join(NUMBER_WORDS) + r")?\s*-?\s*(?P<unit>" +
    "|".join(sorted(UNITS, key=len, reverse=True)) + r")\b", re.I)
SINCE = re.compile(r"\bsince\s+(?P<year>(?:19|20)\d{2})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?\b", re.I)
INDICATOR_WINDOW = re.compile(r"\s*(moving|average|ma\b|sma|ema|rsi|high|low)", re.I)
PERIOD_WORDS = re.compile(r"\b(?:\d{1,3}\s*-?\s*(?:days?|weeks?|months?|years?|yrs?)|ytd|year[- ]to[- ]date)\b", re.I)
YTD = re.compile(r"\b(ytd|year[- ]to[- ]date|this year)\b", re.I)


def parse_period(text: str) -> tuple[Optional[Period], str]:
    """The window asked for ("last 3 months", "YTD", "1y", "since 2010"), or None; "" or a reason it is invalid."""
    if YTD.search(text):
        return Period("year to date", year_to_date=True), ""
    since = SINCE.search(text)
    if since:
        try:
            start = date(int(since["year"]), int(since["month"] or 1), int(since["day"] or 1))
        except ValueError:
            return None, f"“{since.group(0)}” is not a date I can read; try e.g. “since 2010-05-01”."
        return Period(f"since {start}", since=start), ""
    for match in PERIOD.finditer(text):
        raw_count, unit = match["count"], UNITS[match["unit"].lower()]
        single_letter = len(match["unit"]) == 1
        if raw_count is None:
            # "last month", "past year": a bare unit counts only after last/past/this
            before = text[: match.start("unit")].rstrip().lower()
            if single_letter or not before.endswith(("last", "past", "previous", "over the", "this")):
                continue
            count = 1
        else:
            if single_letter and not re.fullmatch(r"\d+[a-z]", match.group(0).strip(), re.I):
                continue  # "1y", "3m" only when written together
            if INDICATOR_WINDOW.match(text, match.end()):
                continue  # "50-day moving average" names an indicator, not a period
            count = int(raw_count) if raw_count.isdigit() else NUMBER_WORDS[raw_count.lower()]
        if count <= 0:
            return None, "The period must be at least one day."
        label = f"{count} {unit if count != 1 else unit[:-1]}"
        if unit == "days":
            return Period(label, days=count), ""
        if unit == "weeks":
            return Period(label, days=7 * count), ""
        months = count * (12 if unit == "years" else 1)
        if months > 12 * 50:
            return None, "That period is longer than any data I have; try e.g. “last 5 years”."
        return Period(label, months=months), ""
    return None, ""


def chart_indicators(text: str) -> tuple[str, ...]:
    """Chart indicators named in *text* ("RSI", "50-day moving average", "Bollinger"), in order."""
    found: list[str] = []
    for match in INDICATOR_PATTERN.finditer(text):
        found += INDICATOR_WORDS[match.group(1).lower()]
    return tuple(dict.fromkeys(found))


# ---- what-ifs on a portfolio already analysed ("make it 70/30", "add IBM", "drop MSFT") ------------
SPLIT = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d+)?\s*%?(?:\s*(?:/|:|-|–)\s*\d{1,3}(?:\.\d+)?\s*%?)+(?![\d.])")
REVERSE = re.compile(r"\b(?:flip|revers\w*|invert\w*|the other way (?:round|around)|swap the weights|vice versa)\b",
                     re.I)
MORE_OR_LESS = re.compile(r"\b(?:more|less|fewer|bigger|smaller|higher|lower|increas\w*|decreas\w*|reduc\w*|"
                          r"rais\w*|cut)\b", re.I)
EQUAL = re.compile(r"\b(?:equal(?:ly)?[- ]?weight\w*|even(?:ly)?(?: split)?|equal(?:ly)?|half in each|"
                   r"same (?:amount|share) (?:in|of) each|"
                   r"equal (?:split|parts|shares|amounts|weights?)|half and half|fifty[- ]fifty|same weights?)\b", re.I)
REMOVE = re.compile(r"\b(?:drop\w*|remov\w*|without|sell\w*|dump\w*|take out|take \S+(?: \S+)? out|leave \S+(?: \S+)? out|"
                    r"exclud\w*|get rid of|ditch\w*|no)\b",
                    re.I)
REPLACE = re.compile(r"\b(?:swap\w*|replac\w*|switch\w*|chang\w*|trad\w*|sell\w*|move|instead of|in place of|"
                     r"rather than)\b", re.I)
ADD = re.compile(r"\b(?:add\w*|includ\w*|with|plus|also|too|as well|buy\w*|put)\b", re.I)
SWAP_IN = re.compile(r"\b(?:instead|in its place|go(?:ing)? for|went for)\b", re.I)
# "put half in AAPL", "make MSFT a quarter": a holding's share in words
FRACTION_WORDS = {"half": 50.0, "a half": 50.0, "one half": 50.0, "a third": 100 / 3, "one third": 100 / 3,
                  "two thirds": 200 / 3, "a quarter": 25.0, "one quarter": 25.0, "three quarters": 75.0}
FRACTION = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, FRACTION_WORDS), key=len, reverse=True)) + r")\b",
                      re.I)


def fractions_as_percent(text: str) -> str:
    """*text* with a share in words written as a percentage ("put half in AAPL" -> "put 50% in AAPL")."""
    return FRACTION.sub(lambda m: f"{FRACTION_WORDS[m.group(0).lower()]:.4g}%", text)


@dataclass(frozen=True)
class PortfolioChange:
    """A what-if applied to a portfolio: the new holdings, what changed, or why it can't be done."""

    holdings: tuple[Holding, ...]
    change: str  # "weights", "equal", "added", "removed", "replaced", "" (nothing recognised)
    problem: str = ""


def weights_of(holdings: Sequence[Holding]) -> list[float]:
    """Each holding's share of the whole (weights or amounts), summing to 1."""
    sizes = [h.weight if h.weight is not None else (h.amount or 0.0) for h in holdings]
    total = sum(sizes)
    return [s / total if total else 1.0 / len(holdings) for s in sizes]


def describe_holdings(holdings: Sequence[Holding]) -> str:
    """Holdings as text :meth:`Resolver.holdings` reads back: "60% AAPL, 40% MSFT"."""
    return ", ".join(f"{round(w * 100, 2):g}% {h.ticker}" for h, w in zip(holdings, weights_of(holdings)))


def revise_portfolio(resolver: Resolver, current: Sequence[Holding], text: str) -> PortfolioChange:
    """*current* changed as *text* asks, keeping the order of the holdings.

    Recognised: a split ("70/30", "50-30-20"), equal weights, one holding's share ("70% in AAPL",
    "half in AAPL": the others keep their proportions), removing, replacing and adding tickers (a new holding gets
    an equal share, the others are scaled down).
    """
    holdings = list(current)
    named = [m.ticker for m in resolver.mentions(text)]
    split = SPLIT.search(text)
    if split and not named:
        parts = [float(p.strip().rstrip("%")) for p in re.split(r"/|:|-|–", split.group(0).replace("%", ""))]
        if len(parts) != len(holdings):
            tickers = ", ".join(h.ticker for h in holdings)
            return PortfolioChange(tuple(holdings), "weights",
                                   f"Your portfolio has {len(holdings)} holdings ({tickers}); give one weight for "
                                   f"each, in that order, e.g. “{'/'.join(['50'] * len(holdings))}”.")
        if any(p <= 0 for p in parts):
            return PortfolioChange(tuple(holdings), "weights", "Holding sizes must be positive (long positions only).")
        return PortfolioChange(tuple(Holding(h.ticker, weight=p) for h, p in zip(holdings, parts)), "weights")
    if EQUAL.search(text):
        return PortfolioChange(tuple(Holding(h.ticker, weight=1.0) for h in holdings), "equal")
    if REVERSE.search(text) and not named:
        shares = weights_of(holdings)[::-1]
        return PortfolioChange(tuple(Holding(h.ticker, weight=w) for h, w in zip(holdings, shares)), "weights")
    held = {h.ticker for h in holdings}
    if len(named) >= 2 and REPLACE.search(text):
        match = REPLACE.search(text)
        assert match is not None
        before = [m.ticker for m in resolver.mentions(text[: match.start()])]
        after = [m.ticker for m in resolver.mentions(text[match.end():])]
        # "swap MSFT for IBM" / "replace MSFT with IBM": old first; "IBM instead of MSFT": new first.
        old, new = (after[0], before[-1]) if match.group(0).lower() in ("instead of", "in place of", "rather than") \
            and before and after else (named[0], named[1])
        if old in held and new not in held:
            return PortfolioChange(tuple(Holding(new, weight=w) if h.ticker == old else Holding(h.ticker, weight=w)
                                         for h, w in zip(holdings, weights_of(holdings))), "replaced")
    if named and REMOVE.search(text):
        gone = [t for t in dict.fromkeys(named) if t in held]
        arriving = [t for t in dict.fromkeys(named) if t not in held]
        if len(gone) == 1 and len(arriving) == 1 and (ADD.search(text) or SWAP_IN.search(text)):
            # "drop FB and go with IBM instead": the new holding takes the old one's share
            swapped = (Holding(arriving[0] if h.ticker == gone[0] else h.ticker, weight=w)
                       for h, w in zip(holdings, weights_of(holdings)))
            return PortfolioChange(tuple(swapped), "replaced")
        kept = [(h, w) for h, w in zip(holdings, weights_of(holdings)) if h.ticker not in named]
        if not kept:
            return PortfolioChange(tuple(holdings), "removed", "That would leave no holdings in the portfolio.")
        if len(kept) < len(holdings):
            return PortfolioChange(tuple(Holding(h.ticker, weight=w) for h, w in kept), "removed")
    sized = SIZE.search(resolver.strip_mentions(fractions_as_percent(text)))
    if len(named) == 1 and named[0] in held and sized and (sized.group("unit") or "").strip():
        share = float(sized.group("number").replace(",", "")) / 100
        if not 0 < share < 1:
            return PortfolioChange(tuple(holdings), "weights", "A holding's share must be between 0% and 100%.")
        rest = [(h, w) for h, w in zip(holdings, weights_of(holdings)) if h.ticker != named[0]]
        scale = (1 - share) / sum(w for _, w in rest) if rest else 0.0
        return PortfolioChange(tuple(Holding(h.ticker, weight=share if h.ticker == named[0] else w * scale)
                                     for h, w in zip(holdings, weights_of(holdings))), "weights")
    if len(named) == 1 and named[0] in held and MORE_OR_LESS.search(text) and not sized:
        return PortfolioChange(tuple(holdings), "weights",
                               f"How much of the portfolio should {named[0]} be? For example “make {named[0]} 70%”.")
    added = [t for t in dict.fromkeys(named) if t not in held]
    if added and (ADD.search(text) or not REMOVE.search(text)):
        count = len(holdings) + len(added)
        scaled = [Holding(h.ticker, weight=w * len(holdings) / count) for h, w in zip(holdings, weights_of(holdings))]
        return PortfolioChange(tuple(scaled + [Holding(t, weight=1 / count) for t in added]), "added")
    return PortfolioChange(tuple(holdings), "")
