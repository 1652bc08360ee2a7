"""Alembic migrations of the hub's database (SQLite and PostgreSQL); see migrate.py."""
