"""The long-lived objects the actions share, built once per action-server process."""

from __future__ import annotations

import functools
import logging
from typing import Optional

from assistant import settings
from assistant.kv import KeyValueStore, RateLimiter, store_for
from sqlalchemy.orm import Session, sessionmaker

from commerce.db import make_session_factory
from commerce.orders import OrderService
from market.question import Resolver
from market.service import MarketAnalyst, create_analyst
from commerce.recommendations import RecommendationService
from recsys import artifacts
from recsys.models import Hybrid
from recsys.serving import Ranker
from retrieval import FaqRetriever, IndexSpec, Thresholds
from support.escalation import EscalationPolicy
from support.routing import RoutingModel, parse_queues
from support.tickets import TicketService

log = logging.getLogger(__name__)


@functools.cache
def order_service() -> OrderService:
    return OrderService(make_session_factory(settings.get("APP_DATABASE_URL")))


@functools.cache
def kv_store() -> KeyValueStore:
    return store_for(settings.get("REDIS_URL"))


@functools.cache
def verification_limiter() -> RateLimiter:
    """Failed verifications per order number and per conversation, shared across processes."""
    return RateLimiter(
        kv_store(),
        limit=settings.get_int("VERIFICATION_RATE_LIMIT"),
        window_s=settings.get_int("VERIFICATION_RATE_WINDOW_S"),
        name="verification",
    )


@functools.cache
def app_sessions() -> sessionmaker[Session]:
    """Sessions on the application database for writes outside the order service."""
    return make_session_factory(settings.get("APP_DATABASE_URL"))


@functools.cache
def faq_retriever() -> FaqRetriever:
    """The FAQ index, loaded (or rebuilt when the articles or model changed) once per process."""
    from retrieval.encoder import load_encoder

    return FaqRetriever.load_or_build(
        settings.get("FAQ_KB_DIR"),
        settings.get("FAQ_INDEX_DIR"),
        load_encoder(settings.get("FAQ_MODEL_DIR")),
        IndexSpec(kind=settings.get("FAQ_INDEX_TYPE")),
        progress=True,
    )


@functools.cache
def faq_thresholds() -> Thresholds:
    """The thresholds calibrated for the model and scoring in use, unless overridden by the
    settings (both overridden: no margin, the answer threshold alone decides)."""
    from retrieval.calibration import load_thresholds

    answer, suggest = settings.get("FAQ_ANSWER_THRESHOLD"), settings.get("FAQ_SUGGEST_THRESHOLD")
    if answer and suggest:
        return Thresholds(answer=float(answer), suggest=float(suggest))
    retriever = faq_retriever()
    calibrated = load_thresholds(settings.get("FAQ_KB_DIR"), retriever.encoder.name, retriever.scoring)
    return Thresholds(
        answer=float(answer) if answer else calibrated.answer,
        suggest=float(suggest) if suggest else calibrated.suggest,
        margin=calibrated.margin,
    )


@functools.cache
def recommendation_ranker() -> Ranker:
    """The trained recommender (artifacts loaded once); FileNotFoundError if never trained, ValueError if the
    artifacts hold another kind of model than the hybrid the serving code ranks with."""
    model = artifacts.load(settings.get("RECSYS_ARTIFACT_DIR"))
    if not isinstance(model, Hybrid):
        raise ValueError(f"the recommender artifacts hold a {type(model).__name__}, not the hybrid model")
    return Ranker(model)


@functools.cache
def recommendation_service() -> RecommendationService:
    return RecommendationService(
        app_sessions(),
        recommendation_ranker,
        kv_store(),
        experiment=settings.get("RECSYS_EXPERIMENT"),
        cache_ttl_s=settings.get_int("RECSYS_CACHE_TTL_S"),
    )


@functools.cache
def market_analyst() -> MarketAnalyst:
    """Market questions, answered from the configured provider behind the shared cache."""
    return create_analyst(
        settings.get("MARKET_DATA_PROVIDER"),
        redis_url=settings.get("REDIS_URL"),
        base_url=settings.get("MARKET_API_BASE_URL"),
        api_key=settings.get("MARKET_API_KEY"),
        quote_ttl_s=settings.get_int("MARKET_QUOTE_TTL_S"),
        history_ttl_s=settings.get_int("MARKET_HISTORY_TTL_S"),
        benchmark=settings.get("MARKET_BENCHMARK"),
    )


@functools.cache
def market_resolver() -> Resolver:
    return Resolver()


@functools.cache
def ticket_service() -> TicketService:
    return TicketService(app_sessions())


@functools.cache
def escalation_policy() -> EscalationPolicy:
    return EscalationPolicy.from_settings()


@functools.cache
def support_queues() -> dict[str, str]:
    return parse_queues(settings.get("SUPPORT_QUEUES"))


@functools.cache
def support_router() -> Optional[RoutingModel]:
    """The ticket category/priority model; None if never trained (tickets then go to `other`)."""
    try:
        return RoutingModel.load(settings.get("SUPPORT_MODEL_DIR"))
    except (FileNotFoundError, ValueError) as error:
        log.warning("ticket routing model not loaded (%s): run `python -m support.train`", error)
        return None


def reset() -> None:
    """Forget every object built here, so the next call builds it from the current settings (tests)."""
    for value in list(globals().values()):
        if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == __name__:
            value.cache_clear()


def warm_up() -> None:
    """Builds what the first request would otherwise wait for; called once at server start."""
    order_service()
    kv_store()
    market_resolver()
    market_analyst().warm_up()
    try:
        recommendation_ranker()
    except (FileNotFoundError, ValueError) as error:  # the skill then answers that it is unavailable
        log.warning("recommender not loaded (%s): run `python -m commerce train-recommender`", error)
    faq_retriever()
    faq_thresholds()
    escalation_policy()
    support_queues()
    support_router()
