"""Alembic environment, driven from :mod:`commerce.migrate` (no alembic.ini).

The caller passes an open connection in ``config.attributes["connection"]``;
the same revisions run on SQLite (batch mode rebuilds tables for ALTERs it
lacks) and PostgreSQL.
"""

from alembic import context

from commerce.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
