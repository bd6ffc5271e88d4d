"""The application database: models, migrations, demo seed and the order service.

Plain SQLAlchemy 2 + Alembic; runs on SQLite (embedded) and PostgreSQL
(production). The action server calls :mod:`commerce.orders`.
"""
