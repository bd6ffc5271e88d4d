"""Help-centre questions: answer from the knowledge base, offer a shortlist, or admit not knowing.

``action_answer_faq`` runs for the ``faq`` intent and for ``nlu_fallback``. A "don't know"
counts toward the repeated-fallback handoff (``actions.handoff``). Questions it
cannot answer confidently are stored (personal data masked) for whoever writes the
articles: ``python -m commerce unanswered`` lists them.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.contact import human_contact_text
from actions.handoff import not_understood
from assistant import settings
from commerce.models import FaqOutcome
from commerce.unanswered import record_unanswered
from retrieval import Outcome, SearchHit, decide, normalise_query
from retrieval.chunking import Chunk
from retrieval.knowledge_base import Article

log = logging.getLogger(__name__)

SEARCH_DEPTH = 5
DID_YOU_MEAN = "I'm not sure I understood. Did you mean one of these?"
DONT_KNOW = "Sorry, I don't know the answer to that one, and I'd rather not guess."
TALK_TO_PERSON = {"title": "Talk to a person", "payload": "/request_human"}
SEARCH_FAILED = "Sorry, I can't look that up right now."
NO_SUCH_ARTICLE = "Sorry, I couldn't find that article. Could you ask your question in your own words?"


def article_url(article_id: str) -> str:
    return f"{settings.get('FAQ_ARTICLE_BASE_URL').rstrip('/')}/{article_id}"


def article_text(article: Article, passage: Chunk) -> str:
    return f"{article.title}\n\n{passage.text}\n\nRead the full article: {article_url(article.id)}"


def choose_article_payload(article_id: str) -> str:
    return "/choose_article" + json.dumps({"article_id": article_id}, separators=(",", ":"))


class ActionAnswerFaq(Action):
    """Answers the latest message from the knowledge base (see the module docstring)."""

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        question = (tracker.latest_message or {}).get("text") or ""
        try:
            hits = services.faq_retriever().search(question, k=SEARCH_DEPTH)
            decision = decide(hits, services.faq_thresholds())
        except Exception as error:  # the engine is loaded at start; anything here is a bug, not the customer's
            log.error("FAQ search failed: %s", type(error).__name__, exc_info=error)
            dispatcher.utter_message(text=f"{SEARCH_FAILED} {human_contact_text()}")
            return []
        if decision.outcome is Outcome.ANSWER:
            dispatcher.utter_message(text=article_text(decision.answer.article, decision.answer.chunk))
            return []
        if decision.outcome is Outcome.SUGGEST:
            dispatcher.utter_message(
                text=DID_YOU_MEAN,
                buttons=[
                    {"title": hit.article.title, "payload": choose_article_payload(hit.article.id)}
                    for hit in decision.suggestions
                ],
            )
            self._record(tracker, question, FaqOutcome.GREY_ZONE, hits)
            return []
        self._record(tracker, question, FaqOutcome.UNKNOWN, hits)
        return not_understood(dispatcher, tracker, DONT_KNOW, buttons=[TALK_TO_PERSON])

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


class ActionShowArticle(Action):
    """Shows the article the customer picked from the "Did you mean" buttons.

    A button sends the article's id; a customer who types "the article about
    refunds" sends a topic, which is looked up in the knowledge base.
    """

    def name(self) -> Text:
        return "action_show_article"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        article_id = next(tracker.get_latest_entity_values("article_id"), None)
        retriever = services.faq_retriever()
        article = retriever.articles.get(article_id) if isinstance(article_id, str) else None
        if article is None and isinstance(article_id, str):  # "returns policy" → returns-policy
            article = retriever.articles.get(re.sub(r"[^a-z0-9]+", "-", article_id.lower()).strip("-"))
        if article is None and isinstance(article_id, str) and normalise_query(article_id):
            hits = retriever.search(article_id, k=1)
            if hits and hits[0].score >= services.faq_thresholds().answer:
                article = hits[0].article
        passage = retriever.first_passage(article.id) if article else None
        if article is None or passage is None:
            dispatcher.utter_message(text=NO_SUCH_ARTICLE)
            return []
        dispatcher.utter_message(text=article_text(article, passage))
        return []
