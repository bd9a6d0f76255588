"""consult — 民生小实事: residents propose, deliberate, vote on and follow neighbourhood projects."""

from __future__ import annotations

from flask import Flask

__version__ = "0.1.0"


def create_app(config: dict | None = None) -> Flask:
    """The application factory. ``config`` overrides the environment (tests pass theirs)."""
    from consult import config as config_module
    from consult.core import web
    from consult.extensions import babel, csrf, db, limiter, login_manager, migrate

    app = Flask(__name__, instance_path=str(config_module.INSTANCE), instance_relative_config=False)
    app.config.from_mapping(config_module.load(config))

    _import_models()
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(config_module.ROOT / "migrations"),
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
        render_item=_render_item,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale, timezone_selector=web.select_timezone)
    login_manager.init_app(app)
    web.init_app(app)

    from consult.accounts.views import bp as accounts_bp
    from consult.api import bp as api_bp
    from consult.main import bp as main_bp
    from consult.matters.views import bp as matters_bp
    from consult.tiers.views import bp as tiers_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(matters_bp)
    app.register_blueprint(tiers_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API checks bearer tokens, or the CSRF header for session callers

    from consult.cli import register_cli

    register_cli(app)
    return app


def _render_item(type_, obj, autogen_context):
    """Migrations render our TypeDecorators as plain SQL types and never import app code."""
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def _import_models() -> None:
    """Import every model module so the metadata (and Alembic) sees all tables."""
    from consult.accounts import models as _accounts  # noqa: F401
    from consult.core import audit as _audit  # noqa: F401
    from consult.matters import models as _matters  # noqa: F401
    from consult.regions import models as _regions  # noqa: F401
    from consult.tiers import models as _tiers  # noqa: F401
