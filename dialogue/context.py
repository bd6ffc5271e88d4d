"""Follow-ups read against the conversation's context: which skill answers a message that leans on
the previous answer ("and IBM?", "cheaper ones", "when will it arrive?", "make it 70/30").

A pure function of the latest message (:class:`Turn`) and what the conversation holds
(:class:`Context`): :func:`route` returns the action to run, or None to leave the message to the
rules and the NLU intent. Standard library only: the Rasa server loads it through
``dialogue.context_policy`` and the action server imports the slot names and cue readers.

Invariants:
- a follow-up is read against the most recent skill only (``Context.last_skill``);
- a message that confidently asks for another skill, with nothing referring back, is never
  taken over (``where is my order?`` after a stock answer starts the order skill);
- button payloads (``/intent{...}``) are never routed here;
- inside the order verification form, only a confident request of another skill or a request
  for a person ends the form (``Route.end_form``); answers, corrections, questions and junk stay
  with the form's own rules (its validator explains what it expects);
- a request for a person in so many words ("..., I want to talk to a person") is handed over,
  whatever else the message says;
- :func:`skill_for_unanswered` only ever turns a help-centre "don't know" into a skill's answer,
  never a help-centre answer or shortlist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

# ---- the context slots the actions set (custom mappings; see docs/conversations.md) ------------
CURRENT_ORDER = "current_order"
VERIFIED_CUSTOMER = "verified_customer_id"
MARKET_TICKERS = "market_tickers"
MARKET_PERIOD = "market_period"
PORTFOLIO = "portfolio"
REC_CATEGORY = "rec_category"
REC_MAX_PRICE = "rec_max_price"
REC_SHOWN = "rec_shown"
FAQ_ARTICLE = "faq_article"
PENDING_CANCELLATION = "pending_cancellation"
CONTEXT_SLOTS = (CURRENT_ORDER, MARKET_TICKERS, MARKET_PERIOD, PORTFOLIO, REC_CATEGORY, REC_MAX_PRICE, REC_SHOWN,
                 FAQ_ARTICLE)

VERIFICATION_FORM = "order_verification_form"
DEACTIVATE_LOOP = "action_deactivate_loop"

# ---- skills and their actions -------------------------------------------------------------------
ORDER, MARKET, PORTFOLIO_SKILL, RECOMMEND, FAQ = "order", "market", "portfolio", "recommend", "faq"
ORDER_STATUS = "action_order_status"
REQUEST_CANCELLATION = "action_request_cancellation"
CANCEL_ORDER, KEEP_ORDER = "action_cancel_order", "action_keep_order"
LIST_ORDERS = "action_list_recent_orders"
STOCK_PRICE, STOCK_ANALYSIS, STOCK_COMPARE = "action_stock_price", "action_stock_analysis", "action_stock_compare"
MARKET_OVERVIEW, PORTFOLIO_RISK = "action_market_overview", "action_portfolio_risk"
RECOMMEND_ACTION, PRODUCT_DETAILS = "action_recommend", "action_product_details"
ANSWER_FAQ = "action_answer_faq"
DEFAULT_FALLBACK = "action_default_fallback"
HANDOFF = "action_handoff"

SKILL_OF_ACTION = {
    ORDER_STATUS: ORDER, LIST_ORDERS: ORDER, REQUEST_CANCELLATION: ORDER,
    CANCEL_ORDER: ORDER, KEEP_ORDER: ORDER,
    STOCK_PRICE: MARKET, STOCK_ANALYSIS: MARKET, STOCK_COMPARE: MARKET, MARKET_OVERVIEW: MARKET,
    PORTFOLIO_RISK: PORTFOLIO_SKILL,
    RECOMMEND_ACTION: RECOMMEND, "action_recommend_similar": RECOMMEND, "action_recommendation_feedback": RECOMMEND,
    PRODUCT_DETAILS: RECOMMEND,
    ANSWER_FAQ: FAQ, "action_show_article": FAQ,
}
# What a confident intent of another skill runs when it ends the verification form.
SWITCH_ACTIONS = {
    "stock_price": STOCK_PRICE, "stock_analysis": STOCK_ANALYSIS, "stock_compare": STOCK_COMPARE,
    "market_overview": MARKET_OVERVIEW, "portfolio_risk": PORTFOLIO_RISK,
    "recommend": RECOMMEND_ACTION, "product_question": PRODUCT_DETAILS,
    "recommendation_feedback": "action_recommendation_feedback", "choose_article": "action_show_article",
}
SKILL_INTENTS = {
    ORDER: frozenset({"order_status", "list_orders", "cancel_order", "inform"}),
    MARKET: frozenset({"stock_price", "stock_analysis", "stock_compare", "market_overview"}),
    PORTFOLIO_SKILL: frozenset({"portfolio_risk"}),
    RECOMMEND: frozenset({"recommend", "recommend_similar", "recommendation_feedback", "product_question"}),
    FAQ: frozenset({"faq", "choose_article"}),
}
# Intents that start something of their own; "faq" is not among them: many follow-ups read like
# help-centre questions to the NLU ("which carrier is it with?").
REQUEST_INTENTS = frozenset().union(*(v for k, v in SKILL_INTENTS.items() if k != FAQ)) - {"inform"} | {
    "request_human", "start_over", "stop", "goodbye"}
CONFIDENT = 0.8  # an intent at or above this is taken at its word
SOCIAL_INTENTS = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "ask_capabilities",
                            "stop", "start_over", "request_human", "rate_support"})
SWITCH_CONFIDENCE = 0.7  # inside the form: a request of another skill at or above this ends the form

# ---- cues ---------------------------------------------------------------------------------------
def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w$])(?:" + "|".join(alternatives) + r")(?![\w])", re.I)


REFERENCE = _words(r"it", r"its", r"it'?s", r"them", r"they", r"their", r"those", r"these", r"that one",
                   r"this one", r"the same", r"that", r"this", r"ones?", r"both", r"either", r"each")
PLURAL_REFERENCE = _words(r"them", r"they", r"their", r"those", r"these", r"both", r"each", r"all of them",
                          r"the two", r"the three", r"either")
ELLIPSIS_START = re.compile(r"^\s*(?:ok(?:ay)?,?\s+|and\s+|so\s+)?(?:and|what about|how about|same for|same with|"
                            r"now|also|then|what of|for|as for)\b", re.I)
# "vs msft", "compared with IBM": a comparison whose other side is what was just discussed
COMPARE_START = re.compile(r"^\s*(?:(?:and|ok(?:ay)?|so|now)[,]?\s+)?(?:vs\.?|versus|against|"
                           r"compared? (?:to|with)|how about (?:against|versus|vs\.?))\b", re.I)
COMPARE = _words(r"side by side", r"compare\w*", r"comparison", r"versus", r"vs\.?", r"against", r"stack up",
                 r"next to", r"alongside", r"beside",
                 r"better than", r"relative to", r"next to each other", r"head to head")
ADD_TO = _words(r"add\w*", r"includ\w*", r"thr(?:ow|ew)", r"toss\w*", r"plus", r"also", r"with", r"and", r"too",
                r"as well")
RANKING = _words(r"best", r"worst", r"better", r"worse", r"most", r"least", r"riskier", r"safer", r"higher",
                 r"lower", r"more", r"less", r"stronger", r"weaker", r"outperform\w*")
WHICH_OF = _words(r"which", r"or", r"better", r"worse", r"riskier", r"safer", r"more \w+ than", r"less \w+ than")
INDICATOR = _words(r"rsi", r"macd", r"moving averages?", r"averages?", r"sma ?\d*", r"ema ?\d*", r"bollinger\w*",
                   r"trend\w*", r"volatil\w*", r"charts?", r"graphs?", r"plot", r"drawdowns?", r"technicals?",
                   r"analy[sz]\w*", r"beta", r"overbought", r"oversold", r"momentum", r"\d+[- ]?day",
                   r"performance", r"perform\w*", r"risk\w*", r"indicators?")
PRICE = _words(r"price", r"prices", r"trading at", r"trade at", r"closed?", r"closing", r"worth", r"quotes?",
               r"how much", r"share price", r"valued", r"value")
PERIOD = re.compile(r"\b(?:since\s+(?:19|20)\d\d|ytd|year[- ]to[- ]date|this year|"
                    r"(?:last|past|previous|over(?: the)?(?: last| past)?)\s+(?:\d+|a|one|two|three|four|five|six|"
                    r"ten|twelve|few|couple of)?\s*(?:days?|weeks?|months?|years?|decades?)|"
                    r"\d+\s*(?:d|w|m|y|yrs?|years?|months?|weeks?|days?)\b)", re.I)
WEIGHTS = re.compile(r"\b\d{1,3}(?:\.\d+)?\s*(?:/|-|:|–)\s*\d{1,3}(?:\.\d+)?(?:\s*(?:/|-|:|–)\s*\d{1,3}(?:\.\d+)?)*\b"
                     r"|\b\d{1,3}(?:\.\d+)?\s*(?:%|percent\b|pct\b)|\bequal(?:ly)?[- ]?weight\w*|\beven(?:ly)?\b|"
                     r"\bequally\b|\bhalf in each\b|\bflip (?:it|the weights)\b|\brevers\w* (?:it|the weights)\b|"
                     r"\bequal (?:split|parts|shares|amounts)\b|\bhalf and half\b|\bfifty[- ]fifty\b", re.I)
# a holding given with its size, right before or after the name: "$10k in apple", "60% MSFT", "ibm 5k"
SIZE_BEFORE = re.compile(r"(?:[$€£]\s*\d[\d,.]*\s*[km]?|\d[\d,.]*\s*(?:%|percent|[km]\b|dollars|usd|euros?))"
                         r"\s*(?:(?:worth )?(?:in|of|into|on)\s+)?$", re.IGNORECASE)
SIZE_AFTER = re.compile(r"^\s*(?:[$€£]\s*\d|\d[\d,.]*\s*(?:%|percent|[km]\b|dollars|usd|euros?))", re.IGNORECASE)
PORTFOLIO_CHANGE = _words(r"what if", r"add\w*", r"drop\w*", r"remov\w*", r"without", r"swap\w*", r"replac\w*",
                          r"instead of", r"rebalanc\w*", r"includ\w*", r"exclud\w*", r"take (?:\S+ ){0,2}out",
                          r"leave (?:\S+ ){0,2}out", r"get rid of", r"ditch\w*",
                          r"make it", r"chang\w*", r"switch\w*", r"sell\w*", r"buy\w*", r"trad\w*",
                          r"move \w+ (?:in)?to", r"more in", r"less in", r"flip", r"revers\w*",
                          r"increas\w*", r"decreas\w*", r"reduc\w*", r"too", r"as well", r"also",
                          r"thr(?:ow|ew|owing)", r"toss\w*", r"mix\w* in", r"put(?:ting)? (?:\w+ ){0,2}in(?:to)?",
                          r"(?:and|what|but) if (?:i|we)", r"if (?:i|we) (?:add|put|threw|included|bought)\w*")
CHEAPER = _words(r"cheaper", r"less expensive", r"less pricey", r"lower[- ]priced?", r"more affordable",
                 r"affordable", r"budget", r"inexpensive", r"cheap", r"lower price", r"not so expensive",
                 r"too expensive", r"too pricey", r"too much", r"less money", r"spend less")
# "a tablet for the same money": a new category within the last list's price limit
SAME_BUDGET = _words(r"(?:the )?same (?:money|budget|price(?: range| point| bracket)?|amount)", r"similar (?:money|"
                     r"budget|price(?: range| point)?)", r"that (?:budget|price range|price point)",
                     r"(?:same|that) kind of (?:money|price)")
PRICIER = _words(r"pricier", r"more expensive", r"higher[- ]end", r"premium", r"top of the range", r"high[- ]end",
                 r"fancier", r"best you have", r"spend more", r"better quality")
PRICE_LIMIT = re.compile(r"(?:under|below|less than|max(?:imum)?|up to|at most|within|no more than|around|about|"
                         r"budget(?: is| of)?|spend)"
                         r"\s*\$?\s*\d|\$\s*\d|\b\d+\s*(?:dollars|bucks|usd)\b", re.I)
INSTEAD = _words(r"instead", r"rather", r"other (?:brands?|ones|options|models|colou?rs)", r"something else",
                 r"different (?:ones|brands?|options)", r"anything else", r"more options", r"show me more",
                 r"more like (?:that|this|these|those)", r"any others?", r"others", r"alternatives?",
                 r"similar (?:to (?:that|this|those|these|it|them)|ones?|products?|items?)",
                 r"(?:something|anything) (?:similar|like (?:that|this|it))")
COLOUR_NAMES = ("black", "white", "silver", "grey", "gray", "blue", "red", "green", "pink", "rose", "sage", "sand",
                "gold", "coral", "charcoal", "chalk", "plum", "slate", "camo", "stainless", "cream", "onyx", "navy",
                "purple", "yellow", "orange")
COLOUR_NAME = _words(*COLOUR_NAMES)
COLOUR = _words(*COLOUR_NAMES, r"colou?rs?")
PRODUCT_DETAIL = _words(r"which (?:one|of (?:them|these|those)|is|has|would)", r"the (?:first|second|third|fourth|"
                        r"fifth|last|1st|2nd|3rd|4th|5th|top)(?: one| item| option| pick)?",
                        r"number\s*[1-5]", r"#\s*[1-5]", r"no\.?\s*[1-5]", r"battery", r"batteries",
                        r"lightest", r"heaviest", r"longest", r"biggest", r"smallest", r"in stock", r"available",
                        r"tell me more", r"more (?:details|info\w*)", r"details?", r"differences?", r"specs?",
                        r"features?", r"best rated", r"which is best", r"what's the best")
ORDER_DETAIL = _words(r"when", r"arriv\w*", r"deliver\w*", r"eta", r"get here", r"expected", r"carrier", r"courier",
                      r"ups", r"fedex", r"dhl", r"usps", r"tracking", r"track\w*", r"ship\w*", r"weekend",
                      r"monday", r"tuesday", r"wednesday", r"thursday", r"friday", r"saturday", r"sunday",
                      r"tomorrow", r"today", r"items?", r"what'?s in", r"contents?", r"what did i (?:order|buy)",
                      r"total", r"how much (?:was|did|is)", r"paid", r"cost", r"where is", r"where'?s",
                      r"what did i (?:pay|spend)",
                      r"status", r"placed", r"come", r"coming", r"latest", r"update", r"still")
# Words that can only be about an order (not a help-centre article or a product).
ORDER_STRONG = _words(r"arriv\w*", r"deliver(?:ed|y)?", r"carrier", r"courier", r"tracking", r"shipped",
                      r"ship yet", r"get here", r"show up", r"turn up", r"dispatched", r"on its way",
                      r"out for delivery", r"eta")
# "how do I ...", "what happens if ...": how the shop works, for the help centre, even about orders
HOW_TO = re.compile(r"^\s*(?:(?:and|so|ok|okay|hi|hey|also)[,!.]?\s+)?(?:how (?:do|can|should|would) (?:i|we|you)|"
                    r"what (?:happens|do i do|should i do|do you do)|what if|is it possible|who do i|"
                    r"do i (?:need|have) to|do you (?:have|offer|charge|ship|deliver|accept|take))\b", re.I)
STATUS_ASK = _words(r"where(?:'s| is)", r"status", r"when will", r"has (?:it|my)", r"shipped yet", r"arriv\w*",
                    r"check (?:on )?my", r"look up")
ORDER_CANCEL = _words(r"cancel(?!led)\w*", r"call it off", r"don'?t want (?:it|that|this)", r"stop (?:it|that order)")
ORDER_REFERENCE = _words(r"it", r"its", r"it'?s", r"that", r"this", r"what did i (?:pay|spend|order|buy|get)",
                         r"how much did i (?:pay|spend)", r"(?:the|my|that|this) (?:order|package|parcel|"
                         r"delivery|shipment|box|stuff)", r"that one", r"this one", r"them")
# What a request of each skill mentions; an intent without it is weak evidence against a follow-up
# ("how much was it?" after an order reads like a price question to the NLU).
MARKET_WORDS = _words(r"stocks?", r"shares?", r"market", r"index", r"indices", r"tickers?", r"nasdaq", r"s&p",
                      r"dow", r"portfolio", r"invest\w*", r"trading", r"equit\w*")
MY_ORDERS = _words(r"(?:my|the) other orders?", r"(?:all |any )?(?:of )?my (?:other |recent |past |previous )?orders",
                   r"(?:anything|what) else (?:have )?i (?:ordered|bought)", r"my other purchases")
ORDER_WORDS = _words(r"orders?", r"package", r"parcel", r"delivery", r"shipment", r"bought", r"purchases?",
                     r"tracking", r"ordered")
RECOMMEND_WORDS = _words(r"recommend\w*", r"suggest\w*", r"gifts?", r"presents?", r"looking for", r"buy",
                         r"options", r"products?", r"show me", r"ideas?", r"something for")
DEFINITION = re.compile(r"\bwhat (?:does|do|is|are)\b.{0,40}\bmean\b|\bwhat(?:'s| is| are) (?:an?|the)\s+\w+(?: \w+)?"
                        r"(?: anyway| exactly)?\s*\??$|\bmeaning of\b|\bexplain\b|\bdefin\w*\b|\bstand for\b",
                        re.I)
AFFIRM_START = re.compile(r"^\s*(?:yes|yeah|yep|yup|sure|ok(?:ay)?|please do|do it|go ahead|confirm\w*|"
                          r"absolutely|definitely)\b", re.I)
# "my parcel is lost, I want to talk to a person": the problem can outweigh the request in the
# NLU's reading, the request for a person must not be lost.
PERSON_ASK = re.compile(
    r"\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a|an|some|the|your)?\s*(?:real|actual|live|human)?\s*"
    r"(?:person|human|agent|someone|somebody|representative|employee|people)\b"
    r"|\b(?:get|give|put|connect|transfer)\s+me\s+(?:through\s+)?(?:to|with)?\s*(?:a|an)?\s*(?:real|actual|live)?\s*"
    r"(?:person|human|agent|representative)\b", re.I)
NOT_WANTED = re.compile(r"\b(?:don'?t|do not|no need to|not)\s+(?:want|need)?\s*(?:to\s+)?"
                        r"(?:talk|speak|chat|get|give|put|connect|transfer)\b", re.I)
DENY_START = re.compile(r"^\s*(?:no|nope|nah|don'?t|do not|keep it|wait|never ?mind|actually no)\b", re.I)
TELL_ABOUT = _words(r"tell me (?:more )?about", r"more (?:info|details) on", r"anything on", r"thoughts on",
                    r"how'?s .{1,20} doing", r"how is .{1,20} doing", r"what'?s going on with")
ANALYSIS_ASK = _words(r"tell me about", r"anything on", r"info(?:rmation)? on", r"news on", r"how'?s", r"how is",
                      r"doing", r"outlook", r"look(?:ing)? like", r"thoughts on", r"about")
# Product names that hold a company name but are not about its shares.
NOT_A_TICKER_AFTER = re.compile(r"^\W*(?:pay|play|card|store|music|tv|watch|id|account|gift|wallet|maps|one)\b", re.I)
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "poiuytrewq", "lkjhgfdsa", "mnbvcxz")
ABBREVIATIONS = frozenset("thx thnx pls plz hmm hmmm brb lmk nvm smh ppl msg pwd dvd ssd gpu cpu sms tv".split())
FILLER = frozenset("""
a an the and or but so ok okay please pls plz thanks thank you hi hey hello what whats what's how hows how's about
is are was it its me tell show give on for of to in now then also again stock stocks share shares price prices
quote ticker company info news anything something latest current today doing lately look looking like
there could can would i know want
""".split())


@dataclass(frozen=True)
class Entity:
    name: str
    value: str
    start: int = -1
    end: int = -1


@dataclass(frozen=True)
class Turn:
    """The latest customer message as the NLU read it."""

    text: str
    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()

    def has(self, entity: str) -> bool:
        return any(e.name == entity for e in self.entities)

    @classmethod
    def parsed(cls, text: str, intent: Optional[dict], entities: Optional[Iterable[dict]]) -> "Turn":
        """A turn from the NLU's parse data (``intent`` and ``entities`` as Rasa writes them)."""
        intent = intent or {}
        return cls(text, str(intent.get("name") or ""), float(intent.get("confidence") or 0.0), tuple(
            Entity(str(e.get("entity")), str(e.get("value")), int(e.get("start", -1)), int(e.get("end", -1)))
            for e in entities or []))


@dataclass(frozen=True)
class Context:
    """What the conversation holds when the message arrives."""

    last_skill: Optional[str] = None  # ORDER, MARKET, PORTFOLIO_SKILL, RECOMMEND, FAQ
    last_action: Optional[str] = None  # the skill action that answered last
    active_loop: Optional[str] = None
    current_order: bool = False  # an order is under discussion and the customer is verified for it
    pending_cancellation: bool = False  # a cancellation waits for the customer's yes or no
    tickers: bool = False
    portfolio: bool = False
    shown_products: bool = False
    article: bool = False


@dataclass(frozen=True)
class Route:
    """Run ``action``; ``end_form`` first ends the verification form (the customer moved on);
    ``order_goal`` is set first when the action is the verification form."""

    action: str
    reason: str
    end_form: bool = False
    order_goal: Optional[str] = None


def last_skill_action(action_names: Iterable[str]) -> Optional[str]:
    """The most recent skill action among *action_names* (oldest first)."""
    for name in reversed(list(action_names)):
        if name in SKILL_OF_ACTION:
            return name
    return None


def tickers_in(turn: Turn) -> list[Entity]:
    """Ticker entities that are about shares ("Apple Pay" is not)."""
    return [e for e in turn.entities if e.name == "ticker"
            and not (e.end >= 0 and NOT_A_TICKER_AFTER.match(turn.text[e.end:]))]


def content_words(text: str, skip: Iterable[tuple[int, int]] = ()) -> list[str]:
    """The words of *text* outside the *skip* spans that are not filler."""
    spans = sorted(skip)
    kept = []
    for match in re.finditer(r"[\w'$^&.-]+", text):
        if any(start <= match.start() < end for start, end in spans if start >= 0):
            continue
        word = match.group(0).strip(".").lower()
        if word and word not in FILLER:
            kept.append(word)
    return kept


def _evidence(turn: Turn) -> bool:
    """The message itself says what its intent's skill is about (a ticker, an order, a product)."""
    text = turn.text
    if turn.intent in SKILL_INTENTS[MARKET] | SKILL_INTENTS[PORTFOLIO_SKILL]:
        return bool(tickers_in(turn)) or bool(MARKET_WORDS.search(text))
    if turn.intent in SKILL_INTENTS[ORDER]:
        return turn.has("order_number") or bool(ORDER_WORDS.search(text))
    if turn.intent in SKILL_INTENTS[RECOMMEND]:
        return turn.has("product_category") or bool(RECOMMEND_WORDS.search(text))
    return True


def sized_holdings(turn: Turn) -> list[Entity]:
    """Tickers named with a size right before or after them ("$10k in apple", "MSFT 60%")."""
    return [e for e in tickers_in(turn) if e.start >= 0 and (SIZE_BEFORE.search(turn.text[:e.start])
                                                            or SIZE_AFTER.match(turn.text[e.end:]))]


def _confidently_other(turn: Turn, *skills: str) -> bool:
    """The NLU is sure the message asks for another skill than *skills* (not a help-centre question),
    and the message mentions what that skill is about."""
    own = frozenset().union(*(SKILL_INTENTS[skill] for skill in skills))
    return turn.intent in REQUEST_INTENTS - own and turn.confidence >= CONFIDENT and _evidence(turn)


def _short(text: str, limit: int) -> bool:
    return len(re.findall(r"[\w'$^&.-]+", text)) <= limit


def looks_like_gibberish(text: str) -> bool:
    """Keyboard mashing ("qwzx vbnm plok", "hjkl asdf"): at least half the words are unpronounceable."""
    words = re.findall(r"[a-z]+", text.lower())
    if not words or len(words) > 6 or re.search(r"\d", text):
        return False
    odd = [w for w in words if len(w) >= 3 and w not in ABBREVIATIONS
           and (not re.search(r"[aeiouy]", w) or re.search(r"[^aeiouy]{4,}", w)
                or any(w in row for row in KEYBOARD_ROWS))]
    return len(odd) * 2 >= len(words)


def route(turn: Turn, context: Context) -> Optional[Route]:
    """The action for a message that only makes sense in context, or None (see the module docstring)."""
    text = turn.text.strip()
    if not text or text.startswith("/"):
        return None
    if context.active_loop not in (None, VERIFICATION_FORM):  # another loop: leave it to its own rules
        return None
    if turn.intent != "request_human" and PERSON_ASK.search(text) and not NOT_WANTED.search(text):
        return Route(HANDOFF, "asks for a person in so many words",
                     end_form=context.active_loop == VERIFICATION_FORM)
    if context.active_loop == VERIFICATION_FORM:
        # junk goes to the form too: its validator says what an order number looks like
        return _inside_form(turn)
    if not turn.entities and turn.intent in {"out_of_scope", "nlu_fallback"} and looks_like_gibberish(text):
        return Route(DEFAULT_FALLBACK, "not a message the assistant can understand")
    if context.pending_cancellation and context.last_action == REQUEST_CANCELLATION \
            and not turn.has("order_number"):
        # "yes, cancel it" answers the question; it is not a new cancellation
        if AFFIRM_START.search(text) and turn.intent not in ("deny", "stop"):
            return Route(CANCEL_ORDER, "the customer confirms the cancellation")
        if DENY_START.search(text) and turn.intent != "affirm":
            return Route(KEEP_ORDER, "the customer keeps the order")
    if DEFINITION.search(text) and not tickers_in(turn) and (
            turn.intent in SKILL_INTENTS[MARKET] | {"faq", "nlu_fallback", "out_of_scope"}):
        return Route(ANSWER_FAQ, "a question about what a term means")
    if context.current_order and context.last_skill != ORDER and ORDER_STRONG.search(text) \
            and ORDER_REFERENCE.search(text):
        found = _order_follow_up(turn, context)  # "when is it arriving?" after a help-centre answer
        if found:
            return found
    if turn.intent in SKILL_INTENTS[MARKET] and not _evidence(turn) and ORDER_WORDS.search(text) \
            and not turn.has("order_number"):
        # "what's going on with my order?" read as a market question: it is about an order
        if context.current_order:
            return Route(ORDER_STATUS, "an order question the NLU read as a market one")
        return Route(VERIFICATION_FORM, "an order question the NLU read as a market one", order_goal="status")
    if turn.intent in {"order_status", "list_orders"} and not turn.has("order_number") and HOW_TO.search(text) \
            and not STATUS_ASK.search(text):
        return Route(ANSWER_FAQ, "a question about how orders work, not about one order")
    named = tickers_in(turn)
    if turn.intent == "portfolio_risk" and len(named) >= 2 and (COMPARE.search(text) or WHICH_OF.search(text)) \
            and not WEIGHTS.search(text) and not PORTFOLIO_CHANGE.search(text):
        return Route(STOCK_COMPARE, "two tickers compared, not a portfolio")  # "which was riskier, X or Y?"
    if len(sized_holdings(turn)) >= 2 and turn.intent in SKILL_INTENTS[MARKET] | {"faq", "nlu_fallback", "out_of_scope"}:
        return Route(PORTFOLIO_RISK, "holdings given with their sizes")  # "$10k in apple and $5k in ibm"
    if context.last_action == LIST_ORDERS and WHICH_OF.search(text) and not named \
            and turn.intent in {"product_question", "faq", "nlu_fallback"}:
        return Route(LIST_ORDERS, "a question about the orders just listed")
    follow = {
        ORDER: _order_follow_up,
        MARKET: _market_follow_up,
        PORTFOLIO_SKILL: _portfolio_follow_up,
        RECOMMEND: _recommendation_follow_up,
        FAQ: _faq_follow_up,
    }.get(context.last_skill or "")
    found = follow(turn, context) if follow else None
    return found or _order_number_only(turn) or _entity_only(turn)


# "I'm after a fitness tracker, what do you have": a shopping question about a named category
SHOPPING_ASK = _words(r"what do you (?:have|sell|carry|stock|got)", r"do you (?:have|sell|carry|stock) any",
                      r"got any", r"any good", r"i'?m (?:after|looking for|shopping for)",
                      r"i (?:need|want) (?:a|an|some)", r"(?:show|find) me", r"what'?s (?:a )?good", r"options")


def market_action_for(text: str) -> str:
    """The market action a message about a ticker asks for: the price when it asks for a price and
    nothing more, the analysis for an indicator or "how is ... doing", else the price."""
    price, indicator = PRICE.search(text), INDICATOR.search(text)
    if indicator or (not price and ANALYSIS_ASK.search(text)):
        return STOCK_ANALYSIS
    return STOCK_PRICE


def skill_for_unanswered(turn: Turn) -> Optional[str]:
    """The skill action for a message the help centre could not answer, when the message names what
    that skill is about in its terms: a ticker with a market word ("... ibm shares, what has the stock
    been doing?") or a product category with a shopping question ("a smartwatch, what do you have?").
    None otherwise: the customer is told the assistant does not know."""
    text = turn.text
    if tickers_in(turn) and (PRICE.search(text) or INDICATOR.search(text) or MARKET_WORDS.search(text)) \
            and not DEFINITION.search(text):
        return market_action_for(text)
    if turn.has("product_category") and (SHOPPING_ASK.search(text) or RECOMMEND_WORDS.search(text)) \
            and not HOW_TO.search(text):
        return RECOMMEND_ACTION
    return None


def _inside_form(turn: Turn) -> Optional[Route]:
    action = SWITCH_ACTIONS.get(turn.intent)
    if action is None or turn.confidence < SWITCH_CONFIDENCE or turn.has("order_number") or turn.has("email"):
        return None
    return Route(action, f"{turn.intent} ends the verification form", end_form=True)


def _order_follow_up(turn: Turn, context: Context) -> Optional[Route]:
    if not context.current_order or turn.has("order_number") or _confidently_other(turn, ORDER):
        return None
    text = turn.text
    referring = bool(ORDER_REFERENCE.search(text)) or _short(text, 4)
    if ORDER_CANCEL.search(text) and referring:
        return Route(REQUEST_CANCELLATION, "cancel the order under discussion")
    if MY_ORDERS.search(text) and not ORDER_CANCEL.search(text) and turn.intent != "list_orders":
        return Route(LIST_ORDERS, "the verified customer's other orders")  # "what about my other orders?"
    if ORDER_DETAIL.search(text) and referring and turn.intent not in {"list_orders", "cancel_order"}:
        return Route(ORDER_STATUS, "a detail of the order under discussion")
    return None


def _market_follow_up(turn: Turn, context: Context) -> Optional[Route]:
    if _confidently_other(turn, MARKET, PORTFOLIO_SKILL) or turn.intent in SOCIAL_INTENTS:
        return None
    text = turn.text
    named = tickers_in(turn)
    if DEFINITION.search(text) and not named:
        return None  # "what does RSI mean?" is a help-centre question
    referring = bool(REFERENCE.search(text)) or bool(ELLIPSIS_START.search(text))
    period_only = bool(PERIOD.search(text)) and _short(text, 6)
    if not (named or (context.tickers and (referring or period_only or _short(text, 4)))):
        return None
    compares = COMPARE.search(text) or (WHICH_OF.search(text) and RANKING.search(text))
    after_comparison = context.last_action == STOCK_COMPARE and context.tickers
    # "which of them did best?", "is it more volatile than ibm?": what was discussed against what is named
    against_named = bool(named) and bool(REFERENCE.search(text))
    if compares and (len(named) >= 2 or (context.tickers and (PLURAL_REFERENCE.search(text) or against_named))
                     or after_comparison) \
            and not WEIGHTS.search(text):
        return Route(STOCK_COMPARE, "compare what was discussed")  # "which of them did best?"
    if after_comparison and not WEIGHTS.search(text) and (
            (named and (ADD_TO.search(text) or ELLIPSIS_START.search(text))) or (PERIOD.search(text) and not named)):
        return Route(STOCK_COMPARE, "the comparison with a ticker added or over another period")
    if turn.intent == "portfolio_risk" and turn.confidence >= CONFIDENT:
        return None
    if context.portfolio and named and PORTFOLIO_CHANGE.search(text):
        return Route(PORTFOLIO_RISK, "the portfolio discussed, with a holding added, removed or swapped")
    if COMPARE.search(text) or (len(named) >= 2 and WHICH_OF.search(text)):
        return Route(STOCK_COMPARE, "compare what was discussed")
    if INDICATOR.search(text):
        return Route(STOCK_ANALYSIS, "indicators of what was discussed")
    if PRICE.search(text):
        return Route(STOCK_PRICE, "the price of what was discussed")
    if named and TELL_ABOUT.search(text):
        return Route(STOCK_ANALYSIS, "tell about a ticker")
    last = context.last_action if context.last_action not in (MARKET_OVERVIEW, PORTFOLIO_RISK) else STOCK_PRICE
    rest = content_words(text, [(e.start, e.end) for e in named])
    if named and (ELLIPSIS_START.search(text) or len(rest) <= 2):
        return Route(last or STOCK_PRICE, "the same question about another ticker")
    if context.tickers and PERIOD.search(text) and (referring or period_only):
        return Route(last or STOCK_PRICE, "the same question over another period")
    if not named and 1 <= len(rest) <= 3 and (ELLIPSIS_START.search(text) or len(rest) == 1) \
            and turn.intent in {"stock_price", "stock_analysis", "faq", "nlu_fallback", "out_of_scope"}:
        # "and the dow jones?", "nvidia?": a name the market skill does not know; it says so
        return Route(last or STOCK_PRICE, "the same question about a name I may not cover")
    return None


def _portfolio_follow_up(turn: Turn, context: Context) -> Optional[Route]:
    if not context.portfolio:
        return None
    text = turn.text
    about_orders = turn.has("order_number") or ORDER_WORDS.search(text)
    if tickers_in(turn) and PORTFOLIO_CHANGE.search(text) and not about_orders:
        return Route(PORTFOLIO_RISK, "the last portfolio with a holding added, removed or swapped")
    if _confidently_other(turn, PORTFOLIO_SKILL, MARKET) and not WEIGHTS.search(text):
        return None
    if WEIGHTS.search(text) and (PORTFOLIO_CHANGE.search(text) or REFERENCE.search(text) or _short(text, 6)):
        return Route(PORTFOLIO_RISK, "the last portfolio with other weights")
    if PERIOD.search(text) and (REFERENCE.search(text) or ELLIPSIS_START.search(text) or _short(text, 6)):
        return Route(PORTFOLIO_RISK, "the last portfolio over another period")
    return _market_follow_up(turn, Context(last_skill=MARKET, last_action=STOCK_ANALYSIS, tickers=True))


def _recommendation_follow_up(turn: Turn, context: Context) -> Optional[Route]:
    if not context.shown_products or _confidently_other(turn, RECOMMEND) or tickers_in(turn) \
            or turn.intent in SOCIAL_INTENTS:
        return None
    text = turn.text
    comparative = CHEAPER.search(text) or PRICIER.search(text) or PRICE_LIMIT.search(text) or INSTEAD.search(text)
    if PRODUCT_DETAIL.search(text) and not comparative:
        if turn.intent != "recommend" or turn.confidence < CONFIDENT or REFERENCE.search(text):
            return Route(PRODUCT_DETAILS, "a question about the products just shown")
    refining = (comparative or (COLOUR.search(text) and (_short(text, 6) or REFERENCE.search(text)))
                or (turn.has("product_category") and (ELLIPSIS_START.search(text) or _short(text, 4))))
    if refining:
        return Route(RECOMMEND_ACTION, "refine the last recommendation")
    return None


def _faq_follow_up(turn: Turn, context: Context) -> Optional[Route]:
    if not context.article or _confidently_other(turn, FAQ) or tickers_in(turn) or turn.intent in SOCIAL_INTENTS:
        return None
    text = turn.text
    if _short(text, 12) and (ELLIPSIS_START.search(text) or REFERENCE.search(text)):
        return Route(ANSWER_FAQ, "a follow-up on the article just shown")
    return None


def _order_number_only(turn: Turn) -> Optional[Route]:
    """An order number the NLU did not read as an order request ("what about 1004592?"): its status,
    through the verification form (which asks nothing more of a verified customer for their own order)."""
    if not turn.has("order_number") or turn.intent in SKILL_INTENTS[ORDER]:
        return None
    if turn.intent in REQUEST_INTENTS and turn.confidence >= CONFIDENT:
        return None
    return Route(VERIFICATION_FORM, "an order number on its own", order_goal="status")


def _entity_only(turn: Turn) -> Optional[Route]:
    """A ticker with little else ("MSFT?", "s&p 500", "tell me about IBM"): a market answer, whatever the
    intent — the price for a bare ticker, the analysis for "tell me about"."""
    named = tickers_in(turn)
    if not named or turn.intent in {"stock_compare", "portfolio_risk", "market_overview"} \
            or _confidently_other(turn, MARKET) or DEFINITION.search(turn.text):
        return None
    if turn.intent == "stock_price" and INDICATOR.search(turn.text) and not PRICE.search(turn.text):
        return Route(STOCK_ANALYSIS, "an indicator of a ticker")  # "whats the rsi of apple"
    rest = content_words(turn.text, [(e.start, e.end) for e in named])
    market_cue = PRICE.search(turn.text) or INDICATOR.search(turn.text) or MARKET_WORDS.search(turn.text)
    unsure = turn.intent in {"faq", "nlu_fallback", "out_of_scope"} and turn.confidence < CONFIDENT
    if turn.intent not in SKILL_INTENTS[MARKET] and market_cue and (len(rest) <= 3 or unsure) \
            and not (turn.intent == "faq" and turn.confidence >= CONFIDENT):
        # "where did the s&p 500 close", "my friend says buy IBM shares, what has the stock been doing?":
        # a ticker and a market word, when the NLU read nothing else with confidence
        return Route(market_action_for(turn.text), "a ticker and a market word")
    if len(rest) > (0 if turn.intent in SKILL_INTENTS[MARKET] else 1):
        return None  # "analyse google stock": the NLU's market intent stands
    if ANALYSIS_ASK.search(turn.text):
        return Route(STOCK_ANALYSIS, "a ticker to tell about")
    return Route(STOCK_PRICE, "a ticker on its own")
