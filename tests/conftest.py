"""Shared fixtures: the instrument and small synthetic diagnostics (cached per session)."""

from __future__ import annotations

import matplotlib
import pytest

from survey import load_instrument
from survey.synthetic import generate

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def instrument():
    return load_instrument()


@pytest.fixture(scope="session")
def diagnostic():
    """The default scenario, small: 10 units x 2 departments x 12 respondents."""
    return generate(units=10, per_department=12, seed=7, scenario="default")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _postgres_or_skip() -> str:
    """The test server's URL; skips (fails under CI=true) when no server answers."""
    import os

    import psycopg

    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.OperationalError as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL must answer at {PG_URL} under CI: {err}")
        pytest.skip(f"no PostgreSQL server at {PG_URL}: {err}")
    return PG_URL


@pytest.fixture
def pg_schema():
    """A fresh PostgreSQL schema for one test, dropped afterwards: (url, schema)."""
    import uuid

    import psycopg

    url = _postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield url, schema
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_factory(request, tmp_path):
    """Builds stores on one back-end: ``store_factory(project_id)``."""
    from survey.store import Store

    made = []
    if request.param == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'responses.db'}", None
    else:
        url, schema = request.getfixturevalue("pg_schema")

    def make(project: str = "acme") -> Store:
        store = Store(url, project, schema=schema)
        made.append(store)
        return store

    make.backend = request.param
    make.url, make.schema = url, schema
    yield make
    for store in made:
        store.dispose()
