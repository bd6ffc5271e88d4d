"""Questions the FAQ skill could not answer confidently, kept to improve the knowledge base.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

The question is stored with personal data masked; the conversation is kept
only as a hash, enough to count distinct askers.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OUTCOMES = ("unknown", "grey_zone")


def upgrade() -> None:
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(*OUTCOMES, name="faq_outcome", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("top_article_id", sa.String(length=80), nullable=True),
        sa.Column("top_score", sa.Float(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("conversation_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unanswered_questions")),
    )
    op.create_index(op.f("ix_unanswered_questions_asked_at"), "unanswered_questions", ["asked_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_unanswered_questions_asked_at"), table_name="unanswered_questions")
    op.drop_table("unanswered_questions")
