"""The application schema: customers, products, orders and their history.

Every timestamp is an aware UTC datetime on every backend (:class:`UtcDateTime`);
money is ``Numeric(10, 2)`` read back as :class:`~decimal.Decimal`. Constraint
names follow a fixed convention so later migrations (and SQLite batch mode)
can refer to them.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class OrderStatus(enum.StrEnum):
    """Where an order is in its life; stored as its value."""

    PENDING = "pending"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


CANCELLABLE_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.PROCESSING})
CARRIERS = ("UPS", "FedEx", "DHL", "USPS")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite stores them naive, in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware (UTC) datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect: Dialect) -> Optional[datetime]:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _status_type() -> Enum:
    return Enum(
        OrderStatus,
        name="order_status",
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda statuses: [s.value for s in statuses],
        validate_strings=True,
    )


Money = Numeric(10, 2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: UtcDateTime(), Decimal: Money, date: Date()}


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Stored normalised (lower case), so equality is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[Optional[str]] = mapped_column(String(32))
    created_at: Mapped[datetime]

    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str] = mapped_column(Text)
    price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int]


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("length(number) = 7", name="number_seven_digits"),
        # recent_orders(): a customer's orders, newest first.
        Index("ix_orders_customer_id_placed_at", "customer_id", "placed_at"),
        Index("ix_orders_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(7), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[OrderStatus] = mapped_column(_status_type())
    placed_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    total: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    ship_city: Mapped[str] = mapped_column(String(100))
    ship_country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2

    customer: Mapped[Customer] = relationship(back_populates="orders")
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    shipment: Mapped[Optional[Shipment]] = relationship(
        back_populates="order", cascade="all, delete-orphan"
    )
    events: Mapped[list[OrderStatusEvent]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        order_by="(OrderStatusEvent.occurred_at, OrderStatusEvent.id)",
    )


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int]
    unit_price: Mapped[Decimal]

    order: Mapped[Order] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()


class Shipment(Base):
    """The one parcel of an order, from hand-over to the carrier on."""

    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint(
            "carrier IN (" + ", ".join(f"'{c}'" for c in CARRIERS) + ")", name="known_carrier"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), unique=True
    )
    carrier: Mapped[str] = mapped_column(String(10))
    tracking_number: Mapped[str] = mapped_column(String(40), unique=True)
    shipped_at: Mapped[datetime]
    eta: Mapped[Optional[date]]
    delivered_at: Mapped[Optional[datetime]]

    order: Mapped[Order] = relationship(back_populates="shipment")


class OrderStatusEvent(Base):
    """One step of an order's history; the newest is its current status."""

    __tablename__ = "order_status_events"
    __table_args__ = (
        Index("ix_order_status_events_order_id_occurred_at", "order_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    status: Mapped[OrderStatus] = mapped_column(_status_type())
    occurred_at: Mapped[datetime]
    description: Mapped[str] = mapped_column(String(300))
    location: Mapped[Optional[str]] = mapped_column(String(120))

    order: Mapped[Order] = relationship(back_populates="events")


class FaqOutcome(enum.StrEnum):
    """Why a question was kept: nothing matched, or only a shortlist was offered."""

    UNKNOWN = "unknown"
    GREY_ZONE = "grey_zone"


class UnansweredQuestion(Base):
    """A question the FAQ skill could not answer confidently (personal data masked)."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(index=True)
    question: Mapped[str] = mapped_column(Text)
    outcome: Mapped[FaqOutcome] = mapped_column(
        Enum(
            FaqOutcome,
            name="faq_outcome",
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda outcomes: [o.value for o in outcomes],
            validate_strings=True,
        )
    )
    top_article_id: Mapped[Optional[str]] = mapped_column(String(80))
    top_score: Mapped[Optional[float]] = mapped_column(Float)
    channel: Mapped[str] = mapped_column(String(32))
    # A hash of the sender id: counts distinct askers without storing who they are.
    conversation_hash: Mapped[str] = mapped_column(String(64))


class ProductView(Base):
    """A customer looked at a product page (demo views are derived from the seeded orders)."""

    __tablename__ = "product_views"
    __table_args__ = (Index("ix_product_views_customer_id_viewed_at", "customer_id", "viewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    viewed_at: Mapped[datetime]


FEEDBACK_VALUES = ("up", "down")


class RecommendationFeedback(Base):
    """A 👍 or 👎 on a recommended product, by a customer or an anonymous conversation."""

    __tablename__ = "recommendation_feedback"
    __table_args__ = (
        CheckConstraint("feedback IN ('up', 'down')", name="known_feedback"),
        Index("ix_recommendation_feedback_subject_hash_created_at", "subject_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of "customer:<id>" or "sender:<sender id>": the A/B unit, never the raw sender id.
    subject_hash: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    feedback: Mapped[str] = mapped_column(String(4))
    experiment: Mapped[str] = mapped_column(String(40))
    variant: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]


class RecommendationExposure(Base):
    """One product shown in one recommendation list (the denominator of A/B rates)."""

    __tablename__ = "recommendation_exposures"
    __table_args__ = (Index("ix_recommendation_exposures_experiment_variant", "experiment", "variant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment: Mapped[str] = mapped_column(String(40))
    variant: Mapped[str] = mapped_column(String(20))
    subject_hash: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    position: Mapped[int]
    shown_at: Mapped[datetime]


TICKET_STATUSES = ("open", "claimed", "resolved")
TICKET_CATEGORIES = ("orders", "payments", "returns", "account", "market_data", "technical", "other")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class SupportTicket(Base):
    """A conversation handed to a person: who has it, how it went, what the customer thought."""

    __tablename__ = "support_tickets"
    __table_args__ = (
        CheckConstraint(_one_of("status", TICKET_STATUSES), name="known_status"),
        CheckConstraint(_one_of("category", TICKET_CATEGORIES), name="known_category"),
        CheckConstraint(_one_of("priority", TICKET_PRIORITIES), name="known_priority"),
        CheckConstraint("csat IS NULL OR (csat BETWEEN 1 AND 5)", name="csat_one_to_five"),
        Index("ix_support_tickets_status_queue", "status", "queue"),
        Index("ix_support_tickets_created_at", "created_at"),
        # At most one unresolved ticket per conversation.
        Index("uq_support_tickets_open_conversation", "conversation_id", unique=True,
              sqlite_where=text("status != 'resolved'"), postgresql_where=text("status != 'resolved'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128))  # the Rasa sender id
    channel: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(32))  # support.escalation.HandoffReason
    category: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    queue: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    agent: Mapped[Optional[str]] = mapped_column(String(80))
    created_at: Mapped[datetime]
    claimed_at: Mapped[Optional[datetime]]
    first_agent_reply_at: Mapped[Optional[datetime]]
    resolved_at: Mapped[Optional[datetime]]
    # Where the full conversation lives (the tracker store's sender id), never a copy of it.
    transcript_ref: Mapped[str] = mapped_column(String(200))
    notes: Mapped[Optional[str]] = mapped_column(Text)
    csat: Mapped[Optional[int]]


class SupportAgent(Base):
    """A person who may log in to the agents' console; disabled rather than deleted, for the record."""

    __tablename__ = "support_agents"
    __table_args__ = (CheckConstraint("username = lower(username)", name="username_lower_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)  # [a-z0-9._-]{3,40}
    display_name: Mapped[str] = mapped_column(String(80))  # what customers see
    password_hash: Mapped[str] = mapped_column(String(255))  # console.passwords: scrypt$n$r$p$salt$hash
    created_at: Mapped[datetime]
    disabled_at: Mapped[Optional[datetime]]


class AgentSession(Base):
    """A console login; only the sha256 of its cookie token is stored, so a database leak logs nobody in."""

    __tablename__ = "agent_sessions"
    __table_args__ = (Index("ix_agent_sessions_expires_at", "expires_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("support_agents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
