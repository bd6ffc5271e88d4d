"""Recommendation skill: product views, feedback on recommendations, A/B exposures.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21

Anonymous conversations appear only as a hash (``subject_hash``), never as
their sender id.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_product_views_customer_id_customers"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_product_views_product_id_products"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_views")),
    )
    op.create_index("ix_product_views_customer_id_viewed_at", "product_views", ["customer_id", "viewed_at"])
    op.create_table(
        "recommendation_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("feedback", sa.String(length=4), nullable=False),
        sa.Column("experiment", sa.String(length=40), nullable=False),
        sa.Column("variant", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("feedback IN ('up', 'down')", name=op.f("ck_recommendation_feedback_known_feedback")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_recommendation_feedback_customer_id_customers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"],
                                name=op.f("fk_recommendation_feedback_product_id_products"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_feedback")),
    )
    op.create_index("ix_recommendation_feedback_subject_hash_created_at", "recommendation_feedback",
                    ["subject_hash", "created_at"])
    op.create_table(
        "recommendation_exposures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment", sa.String(length=40), nullable=False),
        sa.Column("variant", sa.String(length=20), nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"],
                                name=op.f("fk_recommendation_exposures_product_id_products"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_exposures")),
    )
    op.create_index("ix_recommendation_exposures_experiment_variant", "recommendation_exposures",
                    ["experiment", "variant"])


def downgrade() -> None:
    op.drop_index("ix_recommendation_exposures_experiment_variant", table_name="recommendation_exposures")
    op.drop_table("recommendation_exposures")
    op.drop_index("ix_recommendation_feedback_subject_hash_created_at", table_name="recommendation_feedback")
    op.drop_table("recommendation_feedback")
    op.drop_index("ix_product_views_customer_id_viewed_at", table_name="product_views")
    op.drop_table("product_views")
