"""The recommendation service the action server calls, and the data the recommender trains on.

Reads the catalog, purchases, views and in-chat feedback from the application
database; scores with a :class:`recsys.serving.Ranker` loaded from artifacts;
caches one score vector per subject in the key-value store (Redis in
production) and drops it on feedback; logs A/B exposures and feedback.

A *subject* is who recommendations are for: a verified customer, or an
anonymous conversation. Only a sha256 of ``customer:<id>`` / ``sender:<id>``
is stored or used as a key, never the sender id itself.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Optional

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.kv import KeyValueStore
from commerce.db import make_engine
from commerce.models import (
    Order,
    OrderItem,
    OrderStatus,
    Product,
    ProductView,
    RecommendationExposure,
    RecommendationFeedback,
)
from recsys import artifacts
from recsys.abtest import VariantRate, assign_variant
from recsys.data import History, Interactions, ItemCatalog
from recsys.models import Hybrid
from recsys.serving import VARIANTS, Ranker, Suggestion

FEEDBACK_WEIGHT = {"up": 1.0, "down": -1.0}
POPULAR_RANKS_NAMED = 10  # below that rank a reason quotes the count instead
_SKU = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")


# ---- training data ---------------------------------------------------------------------------
def product_text(name: str, category: str, brand: str, description: str) -> str:
    return f"{name}. {category} by {brand}. {description}"


def training_data(url: Optional[str] = None) -> tuple[Interactions, ItemCatalog]:
    """Purchases (orders not cancelled) and views as interactions; products (by SKU) as the catalog."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            products = conn.execute(
                select(Product.id, Product.sku, Product.name, Product.category, Product.brand,
                       Product.description, Product.price, Product.stock).order_by(Product.id)
            ).all()
            bought = conn.execute(
                select(Order.customer_id, OrderItem.product_id, Order.placed_at)
                .join(OrderItem, OrderItem.order_id == Order.id)
                .where(Order.status != OrderStatus.CANCELLED)
                .order_by(Order.placed_at, OrderItem.id)
            ).all()
            viewed = conn.execute(
                select(ProductView.customer_id, ProductView.product_id, ProductView.viewed_at)
                .order_by(ProductView.viewed_at, ProductView.id)
            ).all()
    finally:
        engine.dispose()
    sku = {row.id: row.sku for row in products}
    categories = sorted({row.category for row in products})
    features = np.zeros((len(products), len(categories)))
    features[np.arange(len(products)), [categories.index(row.category) for row in products]] = 1.0
    catalog = ItemCatalog(
        [row.sku for row in products],
        texts=[product_text(row.name, row.category, row.brand, row.description) for row in products],
        attributes={
            "category": np.array([row.category for row in products]),
            "price": np.array([float(row.price) for row in products]),
            "in_stock": np.array([row.stock > 0 for row in products]),
        },
        features=features,
    )
    events = list(bought) + list(viewed)
    interactions = Interactions(
        np.array([row[0] for row in events], dtype=np.int64),
        np.array([sku[row[1]] for row in events], dtype=str),
        timestamps=np.array([row[2].timestamp() for row in events]),
    )
    return interactions, catalog


# ---- serving ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Subject:
    """Who recommendations are for; ``key`` is a hash, safe to store and to use as a cache key."""

    key: str
    customer_id: Optional[int]

    @classmethod
    def of(cls, customer_id: Optional[int], sender_id: str) -> "Subject":
        unit = f"customer:{customer_id}" if customer_id is not None else f"sender:{sender_id}"
        return cls(hashlib.sha256(unit.encode()).hexdigest(), customer_id)


@dataclass(frozen=True)
class ProductInfo:
    id: int
    sku: str
    name: str
    category: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class ProductDetail:
    """What a customer may ask about a product: its facts and its description."""

    sku: str
    name: str
    brand: str
    category: str
    price: Decimal
    stock: int
    description: str


@dataclass(frozen=True)
class Recommended:
    product: ProductInfo
    reason: str


@dataclass(frozen=True)
class RecommendationList:
    """What to show. ``items`` is empty when nothing matches; the other fields say what exists."""

    items: list[Recommended]
    variant: str
    personalised: bool
    out_of_stock_only: bool
    categories: list[str]  # every category of the catalog
    price_range: Optional[tuple[Decimal, Decimal]]  # cheapest and dearest in the asked category (or all)
    based_on: list[str]  # product names of the order the list is "similar to", if any


def parse_sku(text: Optional[str]) -> Optional[str]:
    """A well-formed SKU in upper case, or None."""
    candidate = (text or "").strip().upper()
    return candidate if _SKU.fullmatch(candidate) else None


class RecommendationService:
    """Recommendations per subject with filters, A/B variants, a score cache and feedback."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        ranker: Callable[[], Ranker],
        store: KeyValueStore,
        experiment: str,
        cache_ttl_s: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions, self._ranker, self._store = sessions, ranker, store
        self.experiment, self._cache_ttl_s, self._clock = experiment, cache_ttl_s, clock

    def variant(self, subject: Subject) -> str:
        return assign_variant(subject.key, self.experiment, VARIANTS)

    def _cache_key(self, subject: Subject, variant: str) -> str:
        return f"recs:{self.experiment}:{variant}:{subject.key}"

    # -- reads ---------------------------------------------------------------------------------
    @staticmethod
    def _products(session: Session) -> dict[str, ProductInfo]:
        rows = session.execute(select(Product.id, Product.sku, Product.name, Product.category,
                                      Product.price, Product.stock)).all()
        return {row.sku: ProductInfo(*row) for row in rows}

    @staticmethod
    def _described(session: Session, word: str) -> set[str]:
        """SKUs whose name or description holds *word* as a whole word."""
        pattern = re.compile(rf"\b{re.escape(word)}\b", re.I)
        rows = session.execute(select(Product.sku, Product.name, Product.description)).all()
        return {sku for sku, name, description in rows if pattern.search(name) or pattern.search(description)}

    @staticmethod
    def _purchases(session: Session, customer_id: int) -> list[tuple[str, datetime, int]]:
        """(sku, placed_at, order id) of every item the customer bought, oldest first."""
        return session.execute(
            select(Product.sku, Order.placed_at, Order.id)
            .join(OrderItem, OrderItem.order_id == Order.id)
            .join(Product, Product.id == OrderItem.product_id)
            .where(Order.customer_id == customer_id, Order.status != OrderStatus.CANCELLED)
            .order_by(Order.placed_at, OrderItem.id)
        ).all()

    @staticmethod
    def _feedback(session: Session, subject: Subject) -> dict[str, tuple[float, datetime]]:
        """The latest feedback per product of *subject*: sku -> (+1 / -1, when)."""
        rows = session.execute(
            select(Product.sku, RecommendationFeedback.feedback, RecommendationFeedback.created_at)
            .join(Product, Product.id == RecommendationFeedback.product_id)
            .where(RecommendationFeedback.subject_hash == subject.key)
            .order_by(RecommendationFeedback.created_at, RecommendationFeedback.id)
        ).all()
        return {sku: (FEEDBACK_WEIGHT[value], at) for sku, value, at in rows}

    # -- recommending --------------------------------------------------------------------------
    def recommend(
        self,
        subject: Subject,
        category: Optional[str] = None,
        max_price: Optional[Decimal] = None,
        k: int = 5,
        like_last_order: bool = False,
        min_price: Optional[Decimal] = None,
        colour: Optional[str] = None,
        exclude: Sequence[str] = (),
        feature: Optional[str] = None,
    ) -> RecommendationList:
        """Up to *k* products for *subject*; *like_last_order* centres them on its latest order.

        Filters: *category*, a price band (*min_price* < price <= *max_price*), a *colour* word in the
        product name ("black" matches "Midnight Black"), a *feature* word in the name or description
        ("gaming" laptops), and SKUs to leave out (*exclude*: "show me others").
        """
        ranker = self._ranker()
        variant = self.variant(subject)
        with self._sessions() as session:
            products = self._products(session)
            purchases = self._purchases(session, subject.customer_id) if subject.customer_id is not None else []
            feedback = self._feedback(session, subject)
            based_on: list[str] = []
            if like_last_order and purchases:
                last_order = purchases[-1][2]
                focus = [row for row in purchases if row[2] == last_order]
                based_on = [products[sku].name for sku, _, _ in focus if sku in products]
            else:
                focus = purchases
            events = [(sku, 1.0, at.timestamp(), "bought") for sku, at, _ in focus]
            events += [(sku, w, at.timestamp(), "liked" if w > 0 else "disliked") for sku, (w, at) in feedback.items()]
            history = History(np.array([e[0] for e in events], dtype=str),
                              np.array([e[1] for e in events]), np.array([e[2] for e in events]))
            how = {sku: kind for sku, _, _, kind in events}

            scores = self._cached_scores(subject, variant, history, ranker)
            live = [products.get(str(sku)) for sku in ranker.items.ids]
            known = np.array([p is not None for p in live])
            wanted = known.copy()
            if category:
                wanted &= np.array([p is not None and p.category == category for p in live])
            elif like_last_order and variant == "popularity" and focus:
                focus_categories = {products[sku].category for sku, _, _ in focus if sku in products}
                wanted &= np.array([p is not None and p.category in focus_categories for p in live])
            if max_price is not None:
                wanted &= np.array([p is not None and p.price <= max_price for p in live])
            if min_price is not None:
                wanted &= np.array([p is not None and p.price > min_price for p in live])
            if colour:
                word = re.compile(rf"\b{re.escape(colour)}\b", re.I)
                wanted &= np.array([p is not None and bool(word.search(p.name)) for p in live])
            if feature:
                described = self._described(session, feature)
                wanted &= np.array([p is not None and p.sku in described for p in live])
            if exclude:
                left_out = ranker.items.index.indices(list(exclude))
                wanted[left_out[left_out >= 0]] = False
            bought = ranker.items.index.indices([sku for sku, _, _ in purchases])
            wanted[bought[bought >= 0]] = False
            in_stock = np.array([p is not None and p.stock > 0 for p in live])

            picked = ranker.pick(scores, history, wanted & in_stock, k)
            out_of_stock_only = not picked
            if out_of_stock_only:
                picked = ranker.pick(scores, history, wanted, k)
            personalised = variant == "hybrid" and ranker.personalised(history)
            items = [Recommended(products[str(s.item_id)], self._reason(s, variant, personalised, how, products, ranker))
                     for s in picked]
            if items:
                now = self._clock()
                session.execute(insert(RecommendationExposure), [
                    {"experiment": self.experiment, "variant": variant, "subject_hash": subject.key,
                     "product_id": item.product.id, "position": position, "shown_at": now}
                    for position, item in enumerate(items, start=1)
                ])
                session.commit()
        in_scope = [p for p in products.values() if not category or p.category == category]
        prices = sorted(p.price for p in in_scope)
        return RecommendationList(
            items=items,
            variant=variant,
            personalised=personalised,
            out_of_stock_only=out_of_stock_only and bool(items),
            categories=sorted({p.category for p in products.values()}),
            price_range=(prices[0], prices[-1]) if prices else None,
            based_on=based_on,
        )

    def _cached_scores(self, subject: Subject, variant: str, history: History, ranker: Ranker) -> np.ndarray:
        """The subject's scores from the cache when its history is unchanged, else computed and cached."""
        digest = hashlib.sha256(ranker.model.data_hash.encode())  # a retrained model misses the cache
        for array in (history.item_ids, history.weights):
            digest.update(np.ascontiguousarray(array).tobytes())
        fingerprint = digest.hexdigest().encode()
        key = self._cache_key(subject, variant)
        cached = self._store.get(key)
        if cached is not None and cached[:64] == fingerprint:
            return np.frombuffer(cached[64:], dtype=np.float64).copy()
        scores = ranker.scores(history, variant)
        self._store.set(key, fingerprint + scores.astype(np.float64).tobytes(), self._cache_ttl_s)
        return scores

    @staticmethod
    def _reason(
        suggestion: Suggestion,
        variant: str,
        personalised: bool,
        how: dict[str, str],
        products: dict[str, ProductInfo],
        ranker: Ranker,
    ) -> str:
        because = suggestion.because if variant == "hybrid" else None
        if because is not None and how.get(str(because)) in ("bought", "liked") and str(because) in products:
            return f"because you {how[str(because)]} {products[str(because)].name}"
        if personalised:
            return "customers with a taste like yours chose it"
        product = products[str(suggestion.item_id)]
        same = ranker.items.attributes["category"] == product.category
        position = ranker.items.index.index(suggestion.item_id)
        count = ranker.popularity[position]
        rank = int((ranker.popularity[same] > count).sum()) + 1
        if rank <= POPULAR_RANKS_NAMED:
            return f"#{rank} most popular in {product.category}"
        return f"{count:.0f} customers bought or looked at it" if count else f"new in {product.category}"

    def product_details(self, skus: Sequence[str]) -> list[ProductDetail]:
        """The products with these SKUs, in the order given; unknown SKUs are left out."""
        wanted = [sku for sku in (parse_sku(s) for s in skus) if sku is not None]
        if not wanted:
            return []
        with self._sessions() as session:
            rows = session.execute(
                select(Product.sku, Product.name, Product.brand, Product.category, Product.price, Product.stock,
                       Product.description).where(Product.sku.in_(wanted))
            ).all()
        found = {row.sku: ProductDetail(*row) for row in rows}
        return [found[sku] for sku in wanted if sku in found]

    # -- feedback ------------------------------------------------------------------------------
    def record_feedback(self, subject: Subject, sku_text: Optional[str], feedback: str) -> Optional[ProductInfo]:
        """Store 👍/👎 on a product and drop the subject's cached scores; None if the SKU is unknown."""
        if feedback not in FEEDBACK_WEIGHT:
            raise ValueError(f"feedback must be one of {sorted(FEEDBACK_WEIGHT)}")
        sku = parse_sku(sku_text)
        if sku is None:
            return None
        with self._sessions() as session:
            row = session.execute(select(Product.id, Product.sku, Product.name, Product.category,
                                         Product.price, Product.stock).where(Product.sku == sku)).first()
            if row is None:
                return None
            session.add(RecommendationFeedback(
                subject_hash=subject.key, customer_id=subject.customer_id, product_id=row.id, feedback=feedback,
                experiment=self.experiment, variant=self.variant(subject), created_at=self._clock(),
            ))
            session.commit()
        for variant in VARIANTS:
            self._store.delete(self._cache_key(subject, variant))
        return ProductInfo(*row)


# ---- A/B report ------------------------------------------------------------------------------
def experiment_report(sessions: sessionmaker[Session], experiment: str) -> dict[str, list[VariantRate]]:
    """Per variant: products shown (distinct subject x product) and how many got a 👍 / 👎.

    Keys "up" and "down". Feedback counts once per (subject, product) and only
    if that product was shown to that subject in the experiment.
    """
    with sessions() as session:
        shown = session.execute(
            select(RecommendationExposure.variant, RecommendationExposure.subject_hash,
                   RecommendationExposure.product_id)
            .where(RecommendationExposure.experiment == experiment).distinct()
        ).all()
        reacted = session.execute(
            select(RecommendationFeedback.feedback, RecommendationFeedback.subject_hash,
                   RecommendationFeedback.product_id)
            .where(RecommendationFeedback.experiment == experiment).distinct()
        ).all()
    exposures: dict[str, int] = {}
    units: dict[str, set[str]] = {}
    seen: dict[tuple[str, int], str] = {}
    for variant, subject, product in shown:
        exposures[variant] = exposures.get(variant, 0) + 1
        units.setdefault(variant, set()).add(subject)
        seen[(subject, product)] = variant
    events = {kind: {v: 0 for v in exposures} for kind in FEEDBACK_WEIGHT}
    for kind, subject, product in reacted:
        variant = seen.get((subject, product))
        if variant is not None:
            events[kind][variant] += 1
    return {
        kind: [VariantRate(v, len(units[v]), exposures[v], counts[v]) for v in sorted(exposures)]
        for kind, counts in events.items()
    }


# ---- training --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingReport:
    trained: bool  # False: the artifacts already matched the data
    interactions: int
    items: int
    seconds: float
    manifest: Optional[Path]


def train_recommender(
    url: Optional[str], directory: Path, only_if_stale: bool = False, progress: Callable[[str], None] = print
) -> TrainingReport:
    """Fit the hybrid on the database's purchases and views and save it under *directory*.

    With *only_if_stale*, nothing is trained when the saved manifest already
    records the same interactions and catalog size.
    """
    started = time.perf_counter()
    progress("reading products, purchases and views")
    interactions, catalog = training_data(url)
    progress(f"{len(interactions)} interactions, {len(catalog)} products, "
             f"{len(np.unique(interactions.user_ids))} customers")
    if only_if_stale and (directory / artifacts.MANIFEST).exists():
        try:
            manifest = artifacts.read_manifest(directory)
        except (ValueError, OSError):
            manifest = {}
        if manifest.get("data_hash") == interactions.data_hash() and manifest.get("n_items") == len(catalog):
            progress(f"recommender in {directory} is up to date")
            return TrainingReport(False, len(interactions), len(catalog), time.perf_counter() - started, None)
    if not len(interactions):
        raise ValueError("no purchases or views to train on: seed the database first (python -m commerce seed)")
    progress("training the hybrid (weights learned on a validation split, then refit); this loads MiniLM")
    model = Hybrid().fit(interactions, catalog)
    manifest_path = artifacts.save(model, directory)
    weights = ", ".join(f"{name} {weight:g}" for name, weight in model.weights.items())
    report = TrainingReport(True, len(interactions), len(catalog), time.perf_counter() - started, manifest_path)
    progress(f"saved {manifest_path} in {report.seconds:.1f} s (weights: {weights}; "
             f"validation NDCG@10 {model.validation_ndcg:.3f})")
    return report
