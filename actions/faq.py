"""Help-centre questions: answer from the knowledge base, offer a shortlist, or admit not knowing.

``action_answer_faq`` runs for the ``faq`` intent and for ``nlu_fallback``. A "don't know"
counts toward the repeated-fallback handoff (``actions.handoff``). A question the knowledge base
cannot answer but that names a ticker in market terms or a product category with a shopping
question goes to that skill instead (``dialogue.context.skill_for_unanswered``), silently. Questions it
cannot answer confidently are stored (personal data masked) for whoever writes the
articles: ``python -m commerce unanswered`` lists them.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies, services
from actions.handoff import not_understood
from actions.skill import SkillAction
from assistant import settings
from commerce.models import FaqOutcome
from commerce.unanswered import record_unanswered
from dialogue.context import ELLIPSIS_START, FAQ_ARTICLE, REFERENCE, Turn, skill_for_unanswered
from retrieval import Decision, Outcome, SearchHit, decide, normalise_query
from retrieval.chunking import Chunk
from retrieval.knowledge_base import Article

log = logging.getLogger(__name__)

SEARCH_DEPTH = 5
FOLLOW_UP_WORDS = 12  # a longer question stands on its own
GENERIC_WORDS = frozenset("""
a an the and or but so ok okay also too then if what whats what's how when where why which who whom whose is are
was were be been being do does did done have has had can could would will should shall may might must i me my we
our you your it its it's that this those these there they them their to of in on at by for with from about into
take takes get gets got make go goes work works happen happens long much many soon often cost costs need want
again still just really actually even please thanks thank until till before after paid pay say says said tell
""".split())


def article_url(article_id: str) -> str:
    return f"{settings.get('FAQ_ARTICLE_BASE_URL').rstrip('/')}/{article_id}"


def article_text(article: Article, passage: Chunk) -> str:
    return replies.text("faq.article", title=article.title, passage=passage.text, url=article_url(article.id))


def choose_article_payload(article_id: str) -> str:
    return "/choose_article" + json.dumps({"article_id": article_id}, separators=(",", ":"))


def talk_to_person() -> Dict[str, str]:
    return {"title": replies.text("faq.button_person"), "payload": "/request_human"}


def is_follow_up(question: str) -> bool:
    """A short question leaning on the last answer ("and how long does that take?")."""
    return len(question.split()) <= FOLLOW_UP_WORDS and bool(ELLIPSIS_START.search(question) or
                                                              REFERENCE.search(question))


def answer_in_context(question: str, tracker: Tracker) -> tuple[list[SearchHit], Decision]:
    """Search the question; a follow-up is read together with the last article's title, and that
    reading wins when it gives a clear answer ("and how long does that take?" after refunds)."""
    retriever, thresholds = services.faq_retriever(), services.faq_thresholds()
    hits = retriever.search(question, k=SEARCH_DEPTH)
    decision = decide(hits, thresholds)
    previous = retriever.articles.get(str(tracker.get_slot(FAQ_ARTICLE) or ""))
    if previous is None or not is_follow_up(question):
        return hits, decision
    in_context = retriever.search(f"{previous.title}: {question}", k=SEARCH_DEPTH)
    contextual = decide(in_context, thresholds)
    if contextual.outcome is not Outcome.ANSWER or contextual.answer is None:
        return hits, decision
    # The joint reading settles between the article under discussion and the question's own best
    # article; a third article is an artefact of mixing the two texts ("do they expire?" after the
    # assistant's capabilities read as what the assistant does with messages), not an answer.
    own_best = hits[0].article.id if hits else None
    if contextual.answer.article.id not in (previous.id, own_best):
        return hits, decision
    if decision.outcome is not Outcome.ANSWER or len(topic_words(question)) < 2:
        return in_context, contextual
    return hits, decision


def topic_words(question: str) -> list[str]:
    """The words that say what a question is about ("money back", "paypal"), not how it asks."""
    return [w for w in re.findall(r"[a-z0-9']+", question.lower()) if w not in GENERIC_WORDS]


class ActionAnswerFaq(SkillAction):
    """Answers the latest message from the knowledge base (see the module docstring)."""

    unavailable_reply = "faq.search_failed"

    def name(self) -> Text:
        return "action_answer_faq"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        question = (tracker.latest_message or {}).get("text") or ""
        hits, decision = answer_in_context(question, tracker)
        if decision.outcome is Outcome.ANSWER and decision.answer is not None:
            dispatcher.utter_message(text=article_text(decision.answer.article, decision.answer.chunk))
            return [SlotSet(FAQ_ARTICLE, decision.answer.article.id)]
        if decision.outcome is Outcome.SUGGEST:
            dispatcher.utter_message(
                text=replies.text("faq.did_you_mean"),
                buttons=[
                    {"title": hit.article.title, "payload": choose_article_payload(hit.article.id)}
                    for hit in decision.suggestions
                ],
            )
            self._record(tracker, question, FaqOutcome.GREY_ZONE, hits)
            return []
        message = tracker.latest_message or {}
        skill = skill_for_unanswered(Turn.parsed(question, message.get("intent"), message.get("entities")))
        if skill is not None:  # not a help-centre question after all: the skill it names answers it
            return [FollowupAction(skill)]
        self._record(tracker, question, FaqOutcome.UNKNOWN, hits)
        return not_understood(dispatcher, tracker, replies.text("faq.dont_know"), buttons=[talk_to_person()])

    @staticmethod
    def _record(tracker: Tracker, question: str, outcome: FaqOutcome, hits: List[SearchHit]) -> None:
        """Keep the question for the knowledge-base authors; a database problem never costs the answer."""
        if not normalise_query(question):  # nothing searchable: nothing to learn from
            return
        top: Optional[SearchHit] = hits[0] if hits else None
        try:
            record_unanswered(
                services.app_sessions(),
                question,
                outcome,
                top.article.id if top else None,
                top.score if top else None,
                tracker.get_latest_input_channel(),
                tracker.sender_id,
            )
        except Exception as error:
            log.warning("Could not store an unanswered FAQ question: %s", type(error).__name__)


class ActionShowArticle(SkillAction):
    """Shows the article the customer picked from the "Did you mean" buttons.

    A button sends the article's id; a customer who types "the article about
    refunds" sends a topic, which is looked up in the knowledge base.
    """

    unavailable_reply = "faq.search_failed"

    def name(self) -> Text:
        return "action_show_article"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        article_id = next(tracker.get_latest_entity_values("article_id"), None)
        retriever = services.faq_retriever()
        article = retriever.articles.get(article_id) if isinstance(article_id, str) else None
        if article is None and isinstance(article_id, str):  # "returns policy" → returns-policy
            article = retriever.articles.get(re.sub(r"[^a-z0-9]+", "-", article_id.lower()).strip("-"))
        if article is None and isinstance(article_id, str) and normalise_query(article_id):
            hits = retriever.search(article_id, k=SEARCH_DEPTH)
            found = decide(hits, services.faq_thresholds())
            if found.outcome is Outcome.ANSWER and found.answer is not None:
                article = found.answer.article
        passage = retriever.first_passage(article.id) if article else None
        if article is None or passage is None:
            dispatcher.utter_message(text=replies.text("faq.no_such_article"))
            return []
        dispatcher.utter_message(text=article_text(article, passage))
        return [SlotSet(FAQ_ARTICLE, article.id)]
