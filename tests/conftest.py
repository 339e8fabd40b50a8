"""Fixtures shared by the whole suite: the shared data folder and database URLs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """../shared beside the repository (CI has it), or CORRIDOR_SHARED_DIR."""
    return Path(os.environ.get("CORRIDOR_SHARED_DIR", REPO_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_dir()
    if not path.is_dir():
        pytest.skip(f"the shared data folder {path} is absent (CI provides ../shared)")
    return path


POSTGRES_ENV = "CORRIDOR_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """(url, schema) of an empty database: a SQLite file, or a fresh PostgreSQL schema.

    The PostgreSQL case needs CORRIDOR_TEST_POSTGRES_URL; `.ci/run` sets it, so CI runs it.
    """
    if request.param == "sqlite":
        yield str(tmp_path / "corridor.db"), None
        return
    url = postgres_url()
    if url is None:
        pytest.skip(f"{POSTGRES_ENV} is not set (.ci/run sets it to the local server)")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield url, schema
    from corridor.store import open_engine

    engine = open_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    engine.dispose()


@pytest.fixture
def engine(database: tuple[str, str | None]) -> Iterator[Engine]:
    """An Engine on the empty `database`, not migrated, disposed after the test (a module
    that needs another kind defines its own `engine`)."""
    from corridor.store import open_engine

    url, schema = database
    engine = open_engine(url, schema=schema)
    yield engine
    engine.dispose()
