"""Storage: SQLite and PostgreSQL through SQLAlchemy Core, with migrations (infrastructure)."""
