"""Which follow-ups the context policy routes, and which it leaves to the NLU and the rules."""

from __future__ import annotations

from typing import Optional

import pytest

from dialogue.context import (
    ANSWER_FAQ,
    LIST_ORDERS,
    MARKET,
    ORDER,
    ORDER_STATUS,
    PORTFOLIO_RISK,
    PORTFOLIO_SKILL,
    PRODUCT_DETAILS,
    RECOMMEND,
    RECOMMEND_ACTION,
    REQUEST_CANCELLATION,
    STOCK_ANALYSIS,
    STOCK_COMPARE,
    STOCK_PRICE,
    VERIFICATION_FORM,
    Context,
    Entity,
    Turn,
    last_skill_action,
    route,
    skill_for_unanswered,
)

AFTER_ORDER = Context(last_skill=ORDER, last_action=ORDER_STATUS, current_order=True)
AFTER_PRICE = Context(last_skill=MARKET, last_action=STOCK_PRICE, tickers=True)
AFTER_PORTFOLIO = Context(last_skill=PORTFOLIO_SKILL, last_action=PORTFOLIO_RISK, tickers=True, portfolio=True)
AFTER_LIST = Context(last_skill=RECOMMEND, last_action=RECOMMEND_ACTION, shown_products=True)
AFTER_FAQ = Context(last_skill="faq", last_action=ANSWER_FAQ, article=True)


def ticker(text: str, word: str, value: str) -> Entity:
    start = text.index(word)
    return Entity("ticker", value, start, start + len(word))


def turn(text: str, intent: str = "nlu_fallback", confidence: float = 0.5, *entities: Entity) -> Turn:
    return Turn(text, intent, confidence, tuple(entities))


def action(text: str, context: Context, intent: str = "nlu_fallback", confidence: float = 0.5,
           *entities: Entity) -> Optional[str]:
    found = route(turn(text, intent, confidence, *entities), context)
    return found.action if found else None


@pytest.mark.parametrize("text,intent,expected", [
    ("when will it arrive?", "faq", ORDER_STATUS),
    ("which carrier is it with?", "faq", ORDER_STATUS),
    ("is it coming before the weekend?", "order_status", ORDER_STATUS),
    ("what's in it?", "nlu_fallback", ORDER_STATUS),
    ("and what did I pay", "faq", ORDER_STATUS),
    ("cancel it", "cancel_order", REQUEST_CANCELLATION),
    ("can I still cancel that one?", "faq", REQUEST_CANCELLATION),
])
def test_detail_and_action_follow_ups_on_the_order_under_discussion(text: str, intent: str, expected: str) -> None:
    assert action(text, AFTER_ORDER, intent, 0.9) == expected


def test_order_follow_ups_need_a_verified_order_under_discussion_and_yield_to_new_requests() -> None:
    assert action("when will it arrive?", Context(last_skill=ORDER), "faq", 0.9) is None
    assert action("show me all my orders", AFTER_ORDER, "list_orders", 0.99) is None
    assert action("what's apple trading at?", AFTER_ORDER, "stock_price", 0.99) is None


def test_market_ellipsis_pronouns_and_comparisons() -> None:
    text = "and IBM?"
    assert action(text, AFTER_PRICE, "stock_price", 0.6, ticker(text, "IBM", "IBM")) == STOCK_PRICE
    analysed = Context(last_skill=MARKET, last_action=STOCK_ANALYSIS, tickers=True)
    text = "what about Microsoft"
    assert action(text, analysed, "faq", 0.7, ticker(text, "Microsoft", "MSFT")) == STOCK_ANALYSIS
    assert action("its 50-day average?", AFTER_PRICE, "faq", 0.9) == STOCK_ANALYSIS
    assert action("put them side by side", AFTER_PRICE, "faq", 0.9) == STOCK_COMPARE
    assert action("over the last 3 months?", AFTER_PRICE, "stock_analysis", 0.97) == STOCK_PRICE
    # a new request of another skill is not a follow-up
    assert action("where is my order?", AFTER_PRICE, "order_status", 0.99) is None
    assert action("recommend me some headphones", AFTER_PRICE, "recommend", 0.99) is None


def test_portfolio_what_ifs() -> None:
    assert action("make it 70/30", AFTER_PORTFOLIO, "faq", 0.6) == PORTFOLIO_RISK
    assert action("what about equal weights?", AFTER_PORTFOLIO, "nlu_fallback", 0.4) == PORTFOLIO_RISK
    text = "add IBM"
    assert action(text, AFTER_PORTFOLIO, "stock_price", 0.9, ticker(text, "IBM", "IBM")) == PORTFOLIO_RISK
    assert action("make it 70/30", AFTER_PRICE, "faq", 0.6) is None, "no portfolio to change"
    for text in ("and if I threw some microsoft in", "what if we put some microsoft in too",
                 "toss microsoft in", "put half in microsoft"):
        assert action(text, AFTER_PORTFOLIO, "stock_analysis", 0.95,
                      ticker(text, "microsoft", "MSFT")) == PORTFOLIO_RISK, text
    text = "and if I threw some microsoft in"
    assert action(text, Context(), "stock_analysis", 0.95, ticker(text, "microsoft", "MSFT")) is None, \
        "no portfolio: the NLU's market answer stands"


@pytest.mark.parametrize("text,expected", [
    ("less expensive ones", RECOMMEND_ACTION),
    ("any under $80?", RECOMMEND_ACTION),
    ("only in black", RECOMMEND_ACTION),
    ("something else", RECOMMEND_ACTION),
    ("which one has the longest battery life?", PRODUCT_DETAILS),
    ("is the second one in stock?", PRODUCT_DETAILS),
    ("tell me more about the first one", PRODUCT_DETAILS),
    ("anything similar to that one?", RECOMMEND_ACTION),
])
def test_refinements_and_questions_about_the_products_shown(text: str, expected: str) -> None:
    assert action(text, AFTER_LIST, "faq", 0.8) == expected
    assert action(text, Context(last_skill=RECOMMEND), "faq", 0.8) is None, "nothing was shown"


def test_a_category_instead_is_a_refinement() -> None:
    text = "tablets instead"
    category = Entity("product_category", "tablets", 0, 7)
    assert action(text, AFTER_LIST, "recommend", 0.95, category) == RECOMMEND_ACTION


def test_faq_follow_up_only_for_short_referring_questions() -> None:
    assert action("and how long does that take?", AFTER_FAQ, "faq", 0.9) == ANSWER_FAQ
    assert action("how do I reset my password", AFTER_FAQ, "faq", 0.9) is None


def test_entity_only_messages_get_a_market_answer() -> None:
    for text, word in (("MSFT?", "MSFT"), ("Google", "Google")):
        assert action(text, Context(), "out_of_scope", 0.6, ticker(text, word, "X")) == STOCK_PRICE
    text = "tell me about IBM"
    assert action(text, Context(), "faq", 0.8, ticker(text, "IBM", "IBM")) == STOCK_ANALYSIS
    text = "can I pay with Apple Pay?"
    assert action(text, Context(), "faq", 0.95, ticker(text, "Apple", "AAPL")) is None
    text = "hi there, could you tell me how microsoft shares are doing"
    assert action(text, Context(), "faq", 0.7, ticker(text, "microsoft", "MSFT")) == STOCK_ANALYSIS
    text = "where did the s&p 500 close"
    assert action(text, Context(), "faq", 0.5, ticker(text, "s&p 500", "^GSPC")) == STOCK_PRICE
    text = "is apple overbought right now"
    assert action(text, Context(), "nlu_fallback", 0.4, ticker(text, "apple", "AAPL")) == STOCK_ANALYSIS
    text = "my friend keeps telling me to buy ibm shares, what has the stock been doing lately?"
    assert action(text, Context(), "faq", 0.5, ticker(text, "ibm", "IBM")) == STOCK_ANALYSIS
    assert action(text, Context(), "faq", 0.9, ticker(text, "ibm", "IBM")) is None
    text = "how accurate is the price data for apple"
    assert action(text, Context(), "faq", 0.9, ticker(text, "apple", "AAPL")) is None, "a help-centre question"
    text = "can I buy a gift card for microsoft store"
    assert action(text, Context(), "faq", 0.7, ticker(text, "microsoft", "MSFT")) is None



def test_an_order_number_on_its_own_asks_for_its_status() -> None:
    text = "what about 1004592?"
    number = Entity("order_number", "1004592", text.index("1004592"), len(text) - 1)
    found = route(turn(text, "nlu_fallback", 0.45, number), Context())
    assert found is not None and found.action == VERIFICATION_FORM and found.order_goal == "status"
    assert route(turn(text, "cancel_order", 0.9, number), Context()) is None, "the order rules take it"


def test_inside_the_form_only_a_confident_request_of_another_skill_ends_it() -> None:
    form = Context(active_loop=VERIFICATION_FORM, last_skill=ORDER)
    found = route(turn("what do you recommend?", "recommend", 0.95), form)
    assert found is not None and found.end_form and found.action == RECOMMEND_ACTION
    assert route(turn("what do you recommend?", "recommend", 0.5), form) is None
    assert route(turn("do you ship to canada?", "faq", 0.99), form) is None, "questions are answered, form resumes"
    email = Entity("email", "a@b.co", 0, 6)
    assert route(turn("a@b.co", "recommend", 0.9, email), form) is None, "an answer stays with the form"


def test_junk_inside_the_form_stays_with_the_form_whose_validator_explains() -> None:
    form = Context(active_loop=VERIFICATION_FORM, last_skill=ORDER)
    for junk in ("../../etc/passwd", "qwzx vbnm plok", "1; DROP TABLE orders; --"):
        assert route(turn(junk, "out_of_scope", 0.9), form) is None
        assert route(turn(junk, "nlu_fallback", 0.4), form) is None
    found = route(turn("qwzx vbnm plok", "out_of_scope", 0.9), Context())
    assert found is not None and found.action == "action_default_fallback", "outside a form: not understood"


@pytest.mark.parametrize("text,intent,handed", [
    ("my parcel is lost, i want to talk to a person", "order_status", True),
    ("this is useless, put me through to an agent", "faq", True),
    ("can i speak with someone from your team about my refund", "faq", True),
    ("i don't want to talk to a person, just tell me where my order is", "order_status", False),
    ("what do people say about apple", "stock_analysis", False),
    ("talk to a person", "request_human", False),  # the handoff rules take the intent itself
])
def test_a_request_for_a_person_is_handed_over_whatever_else_the_message_says(
        text: str, intent: str, handed: bool) -> None:
    for context in (Context(), Context(active_loop=VERIFICATION_FORM, last_skill=ORDER)):
        found = route(turn(text, intent, 0.85), context)
        assert (found is not None and found.action == "action_handoff") == handed
        if handed:
            assert found is not None and found.end_form == (context.active_loop == VERIFICATION_FORM)


def test_button_payloads_and_empty_text_are_never_routed() -> None:
    assert route(turn('/recommendation_feedback{"feedback":"up"}', "recommendation_feedback", 1.0), AFTER_LIST) is None
    assert route(turn("   "), AFTER_LIST) is None


def test_last_skill_action_is_the_most_recent_skill_action() -> None:
    assert last_skill_action(["action_listen", "action_stock_price", "utter_greet", "action_recommend"]) == \
        "action_recommend"
    assert last_skill_action(["action_listen", "utter_greet"]) is None


def test_a_market_intent_with_a_word_of_its_own_is_not_overridden() -> None:
    for text, word in (("analyse google stock", "google"), ("show me a chart of google", "google"),
                       ("whats the rsi of apple", "apple")):
        assert route(turn(text, "stock_analysis", 0.95, ticker(text, word, "X")), Context()) is None
    text = "tell me about apple stock"
    assert action(text, Context(), "stock_price", 0.95, ticker(text, "apple", "AAPL")) == STOCK_ANALYSIS


def test_what_a_term_means_goes_to_the_help_centre_and_an_indicator_to_the_analysis() -> None:
    assert action("what is a moving average anyway", AFTER_PRICE, "stock_analysis", 0.95) == ANSWER_FAQ
    assert action("what does RSI even mean?", Context(), "stock_analysis", 0.9) == ANSWER_FAQ
    text = "whats the rsi of apple"
    assert action(text, Context(), "stock_price", 0.9, ticker(text, "apple", "AAPL")) == STOCK_ANALYSIS


def test_the_order_under_discussion_survives_a_help_centre_answer() -> None:
    after_faq = Context(last_skill="faq", last_action=ANSWER_FAQ, article=True, current_order=True)
    assert action("ok, when is it arriving", after_faq, "faq", 0.9) == ORDER_STATUS
    assert action("how long do refunds take?", after_faq, "faq", 0.9) is None


def test_dropping_a_holding_whatever_the_nlu_reads() -> None:
    text = "drop microsoft"
    assert action(text, AFTER_PORTFOLIO, "stop", 0.9, ticker(text, "microsoft", "MSFT")) == PORTFOLIO_RISK


@pytest.mark.parametrize("text,gibberish", [
    ("qwzx vbnm plok", True), ("asdf qwer zxcv", True), ("hjkl asdf", True),
    ("thx", False), ("where is my order", False), ("ok", False), ("the tree", False), ("pls help 1004587", False),
])
def test_keyboard_mashing_is_not_understood(text: str, gibberish: bool) -> None:
    found = route(turn(text, "out_of_scope", 0.9), Context())
    assert (found is not None and found.action == "action_default_fallback") == gibberish


def test_tell_me_about_after_a_price_is_an_analysis() -> None:
    text = "tell me more about the nasdaq"
    assert action(text, AFTER_PRICE, "stock_price", 0.9, ticker(text, "nasdaq", "^IXIC")) == STOCK_ANALYSIS


def test_comparing_holdings_after_a_portfolio_is_a_comparison() -> None:
    assert action("put them side by side", AFTER_PORTFOLIO, "stock_compare", 0.9) == STOCK_COMPARE
    text = "which is more volatile, apple or msft?"
    named = (ticker(text, "apple", "AAPL"), ticker(text, "msft", "MSFT"))
    assert action(text, AFTER_PORTFOLIO, "stock_compare", 0.95, *named) == STOCK_COMPARE


def test_an_order_question_read_as_a_market_one_goes_to_the_order() -> None:
    assert action("what's going on with my order?", Context(), "stock_analysis", 0.9) == VERIFICATION_FORM
    assert action("what's going on with my order?", AFTER_ORDER, "stock_analysis", 0.9) == ORDER_STATUS
    text = "what's going on with apple stock"
    assert action(text, AFTER_ORDER, "stock_analysis", 0.9, ticker(text, "apple", "AAPL")) is None


def test_the_portfolio_stays_the_subject_of_changes_after_a_market_question() -> None:
    after_ellipsis = Context(last_skill=MARKET, last_action=STOCK_ANALYSIS, tickers=True, portfolio=True)
    text = "remove ibm"
    assert action(text, after_ellipsis, "stock_price", 0.55, ticker(text, "ibm", "IBM")) == PORTFOLIO_RISK


def test_which_of_them_did_best_after_a_portfolio_compares_the_holdings() -> None:
    assert action("which of them did best", AFTER_PORTFOLIO, "product_question", 0.71) == STOCK_COMPARE
    assert action("compare the risk of each of them", AFTER_PORTFOLIO, "portfolio_risk", 0.95) == STOCK_COMPARE


def test_a_comparison_grows_and_changes_period() -> None:
    after_compare = Context(last_skill=MARKET, last_action=STOCK_COMPARE, tickers=True)
    text = "add microsoft to that"
    assert action(text, after_compare, "portfolio_risk", 0.9, ticker(text, "microsoft", "MSFT")) == STOCK_COMPARE
    assert action("over 5 years instead", after_compare, "portfolio_risk", 0.9) == STOCK_COMPARE
    assert action("which one did best?", after_compare, "product_question", 0.8) == STOCK_COMPARE
    assert action("make it 70/30", AFTER_PORTFOLIO, "portfolio_risk", 0.9) == PORTFOLIO_RISK


@pytest.mark.parametrize("text,expected", [
    ("how do I change the address on my order?", ANSWER_FAQ),
    ("what happens if my order is late?", ANSWER_FAQ),
    ("can you check where my order is?", None),
    ("how do i know when my order will arrive", None),
])
def test_how_orders_work_goes_to_the_help_centre(text: str, expected: Optional[str]) -> None:
    assert action(text, Context(), "order_status", 0.9) == expected


def test_a_dont_know_becomes_the_skill_the_message_names_in_its_own_terms() -> None:
    text = "my friend keeps telling me to buy ibm shares, what has the stock been doing lately?"
    assert skill_for_unanswered(turn(text, "faq", 0.9, ticker(text, "ibm", "IBM"))) == STOCK_ANALYSIS
    text = "where did IBM close"
    assert skill_for_unanswered(turn(text, "faq", 0.9, ticker(text, "IBM", "IBM"))) == STOCK_PRICE
    text = "I'm after a fitness tracker or smartwatch, what do you have"
    category = Entity("product_category", "wearables", text.index("fitness"), text.index(" or"))
    assert skill_for_unanswered(turn(text, "faq", 0.98, category)) == RECOMMEND_ACTION
    # a help-centre question about the same things stays a "don't know"
    text = "how do I set up my new smartwatch"
    category = Entity("product_category", "wearables", text.index("smartwatch"), len(text))
    assert skill_for_unanswered(turn(text, "faq", 0.9, category)) is None
    text = "what does the IBM price chart mean"
    assert skill_for_unanswered(turn(text, "faq", 0.9, ticker(text, "IBM", "IBM"))) is None
    text = "can I pay with Apple Pay"
    assert skill_for_unanswered(turn(text, "faq", 0.9, ticker(text, "Apple", "AAPL"))) is None
    assert skill_for_unanswered(turn("do you price match", "faq", 0.9)) is None


def test_a_ticker_against_the_one_discussed_is_a_comparison() -> None:
    for text, word, value in (("is it more volatile than ibm", "ibm", "IBM"),
                              ("put it next to microsoft", "microsoft", "MSFT")):
        assert action(text, AFTER_PRICE, "stock_analysis", 0.9, ticker(text, word, value)) == STOCK_COMPARE, text
    text = "is ibm volatile"
    assert action(text, AFTER_PRICE, "stock_analysis", 0.9, ticker(text, "ibm", "IBM")) != STOCK_COMPARE


def test_holdings_given_with_their_sizes_are_a_portfolio() -> None:
    text = "I've got $10k in apple and $5k in ibm, how risky is that"
    entities = (ticker(text, "apple", "AAPL"), ticker(text, "ibm", "IBM"))
    assert action(text, Context(), "stock_analysis", 0.9, *entities) == PORTFOLIO_RISK
    text = "MSFT 60% and IBM 40%"
    entities = (ticker(text, "MSFT", "MSFT"), ticker(text, "IBM", "IBM"))
    assert action(text, Context(), "stock_compare", 0.9, *entities) == PORTFOLIO_RISK
    text = "apple went from $400 to $430, and ibm?"  # prices, not holdings
    entities = (ticker(text, "apple", "AAPL"), ticker(text, "ibm", "IBM"))
    assert action(text, Context(), "stock_price", 0.9, *entities) != PORTFOLIO_RISK


def test_a_holding_taken_out_of_the_portfolio() -> None:
    for text in ("take facebook out", "leave facebook out of it"):
        assert action(text, AFTER_PORTFOLIO, "faq", 0.6, ticker(text, "facebook", "FB")) == PORTFOLIO_RISK, text


def test_the_verified_customers_other_orders_are_listed() -> None:
    assert action("and what about my other orders, anything still processing?", AFTER_ORDER, "faq", 0.7) == LIST_ORDERS
    assert action("what about my other orders?", Context(last_skill=ORDER), "faq", 0.7) is None, "not verified"
