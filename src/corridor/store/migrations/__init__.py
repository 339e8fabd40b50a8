"""Alembic migrations for the Corridor schema (run by `corridor.store.migrate`)."""
