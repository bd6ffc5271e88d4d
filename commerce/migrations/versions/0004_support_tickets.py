"""Human handoff: support tickets.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21

One row per conversation handed to a person. A partial unique index keeps at
most one unresolved ticket per conversation; the transcript stays in the
tracker store (``transcript_ref``), never copied here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATUSES = ("open", "claimed", "resolved")
CATEGORIES = ("orders", "payments", "returns", "account", "market_data", "technical", "other")
PRIORITIES = ("low", "normal", "high", "urgent")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "support_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_agent_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transcript_ref", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.CheckConstraint(_one_of("status", STATUSES), name=op.f("ck_support_tickets_known_status")),
        sa.CheckConstraint(_one_of("category", CATEGORIES), name=op.f("ck_support_tickets_known_category")),
        sa.CheckConstraint(_one_of("priority", PRIORITIES), name=op.f("ck_support_tickets_known_priority")),
        sa.CheckConstraint("csat IS NULL OR (csat BETWEEN 1 AND 5)", name=op.f("ck_support_tickets_csat_one_to_five")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_support_tickets_customer_id_customers"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_tickets")),
    )
    op.create_index("ix_support_tickets_status_queue", "support_tickets", ["status", "queue"])
    op.create_index("ix_support_tickets_created_at", "support_tickets", ["created_at"])
    op.create_index("uq_support_tickets_open_conversation", "support_tickets", ["conversation_id"], unique=True,
                    sqlite_where=sa.text("status != 'resolved'"), postgresql_where=sa.text("status != 'resolved'"))


def downgrade() -> None:
    op.drop_index("uq_support_tickets_open_conversation", table_name="support_tickets")
    op.drop_index("ix_support_tickets_created_at", table_name="support_tickets")
    op.drop_index("ix_support_tickets_status_queue", table_name="support_tickets")
    op.drop_table("support_tickets")
