"""The schema exists only through migrations: models and migrations agree, and the chain
upgrades, downgrades and upgrades again on an empty database."""

from __future__ import annotations

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from consult.extensions import db
from tests.conftest import BACKEND_URL, IS_POSTGRES, _tmp


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from the migrations: {diff}"


def test_single_head(app):
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        assert len(script.get_heads()) == 1


def test_upgrade_downgrade_upgrade_on_empty_database(make_app):
    if IS_POSTGRES:
        schema = f"mig_{uuid.uuid4().hex[:8]}"
        sep = "&" if "?" in BACKEND_URL else "?"
        url = f"{BACKEND_URL}{sep}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{_tmp / f'mig-{uuid.uuid4().hex[:8]}.db'}"
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if IS_POSTGRES:
            with db.engine.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            upgrade()
            tables = set(inspect(db.engine).get_table_names())
            assert {"matter", "user", "region", "support", "transition"} <= tables
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert {"matter", "user"} <= set(inspect(db.engine).get_table_names())
        finally:
            db.session.remove()
            if IS_POSTGRES:
                with db.engine.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            db.engine.dispose()
