"""Test fixtures shared by the whole suite.

The database is SQLite (a temporary file) unless TEST_DATABASE_URL is set, in which case it is
PostgreSQL. The schema is built once per run by the real migrations; after every test every
table is emptied, so tests may commit freely (concurrency tests need real commits).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from consult import create_app
from consult.extensions import db, limiter

BACKEND_URL = os.environ.get("TEST_DATABASE_URL")
IS_POSTGRES = bool(BACKEND_URL and BACKEND_URL.startswith("postgresql"))

_tmp = Path(tempfile.mkdtemp(prefix="consult-test-"))


def test_config(**overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": BACKEND_URL or f"sqlite:///{_tmp / 'test.db'}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "UPLOAD_FOLDER": str(_tmp / "uploads"),
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return config


def _reset_schema(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        if IS_POSTGRES:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()


@pytest.fixture(scope="session")
def app():
    app = create_app(test_config())
    _reset_schema(app)
    return app


@pytest.fixture(scope="session")
def make_app(app):
    """An app with other settings on the same database (e.g. CSRF or rate limits on)."""

    def factory(**overrides):
        return create_app(test_config(**overrides))

    return factory


def empty_all_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if IS_POSTGRES:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for t in tables:
                    conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture(autouse=True)
def _clean(request):
    yield
    if "app" in request.fixturenames or "db_session" in request.fixturenames:
        app = request.getfixturevalue("app")
        empty_all_tables(app)
        with contextlib.suppress(AssertionError):  # limits disabled: no storage to reset
            limiter.reset()
        # The limiter is one shared object: make_app(RATELIMIT_ENABLED=True) switched it on for
        # every app; switch it back so one test's limits never leak into the next.
        limiter.enabled = app.config["RATELIMIT_ENABLED"]


@pytest.fixture
def ctx(app):
    """An application context for the test body (services, queries)."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    """A client whose requests each run in their own app context; reads English msgids."""
    from tests.clients import fresh_client

    return fresh_client(app)


@pytest.fixture
def world(ctx):
    """A small region tree with one account of every role (see tests/factories.py)."""
    from tests.factories import build_world

    return build_world()
