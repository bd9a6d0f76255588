"""Request plumbing shared by every page: locale, time zone, sessions, security headers,
error pages (HTML and the API's JSON format), SQLite pragmas and template helpers."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Flask,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from consult.core import i18n
from consult.core.masking import mask_name, mask_phone
from consult.core.money import format_yuan
from consult.core.timeutil import local
from consult.extensions import db, login_manager

IDLE_SECONDS = 30 * 60

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


# SQLite: WAL, a busy timeout and foreign keys on every connection ---------------------------
@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


# Locale and time zone ------------------------------------------------------------------------
def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.cookies.get("lang")
    if wanted in languages:
        return wanted
    if request.path.startswith("/api/"):  # API clients choose by Accept-Language
        best = request.accept_languages.best_match(["zh", "zh-CN", "en"])
        if best == "en":
            return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return "Asia/Shanghai"


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only same-site relative paths are followed after a redirect (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


# Accounts in sessions ------------------------------------------------------------------------
@login_manager.user_loader
def _load_user(session_id: str):
    from consult.accounts.models import RoleAssignment, User

    user_id, _sep, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.scalar(
        select(User)
        .where(User.id == int(user_id))
        .options(
            selectinload(User.roles).selectinload(RoleAssignment.region),
            selectinload(User.community),
        )
    )
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user


def _is_api() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, **extra):
    body = {"error": {"code": code, "message": message, **extra}}
    return jsonify(body), status


_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    423: "locked",
    429: "rate_limited",
    500: "server_error",
}


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check what you entered and try again."),
        401: _("Please log in to continue."),
        403: _("You do not have permission to do this."),
        404: _("We could not find that page."),
        405: _("That action is not available here."),
        409: _("That conflicts with the current state. Please reload and try again."),
        413: _("The upload is too large."),
        415: _("That type of file is not accepted."),
        422: _("Some of what you entered is not valid."),
        423: _("This account is temporarily locked."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again later."),
    }


def init_app(app: Flask) -> None:
    i18n.install(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def _unauthorized():
        if _is_api():
            return api_error(401, "unauthorized", _messages()[401])
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))

    @app.before_request
    def _idle_timeout():
        """End sessions idle for 30 minutes on the server side too (the cookie could be replayed)."""
        session.permanent = True
        now = int(time.time())
        seen = session.get("_seen")
        if seen is not None and now - int(seen) > IDLE_SECONDS and "_user_id" in session:
            logout_user()
            session.clear()
            g.session_expired = True
        session["_seen"] = now

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user.is_authenticated and not request.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        if request.headers.get("HX-Request"):
            headers.add("Vary", "HX-Request")
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        message = _("Your form has expired. Please go back, reload the page and submit again.")
        if _is_api():
            return api_error(400, "csrf", message)
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        message = _messages().get(status) or exc.description
        if status == 429 and getattr(exc, "description", None) and "locked" in str(exc.description):
            message = str(exc.description)
        if _is_api():
            return api_error(status, _ERROR_CODES.get(status, "error"), message)
        if status == 401:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def _server_error(exc: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        if _is_api():
            return api_error(500, "server_error", _messages()[500])
        return render_template("errors/error.html", status=500, message=_messages()[500]), 500

    # Template helpers -----------------------------------------------------------------------
    from consult.core.permissions import can
    from consult.matters.categories import label as category_label

    app.jinja_env.globals.update(
        can=lambda action, target=None: can(current_user, action, target),
        category_label=category_label,
        current_locale=lambda: str(get_locale()),
        languages=app.config["LANGUAGES"],
    )
    app.jinja_env.filters.update(
        yuan=format_yuan,
        mask_name=mask_name,
        mask_phone=mask_phone,
        dt=lambda value, fmt="%Y-%m-%d %H:%M": local(value).strftime(fmt) if value else "",
        date=lambda value: local(value).strftime("%Y-%m-%d") if value else "",
    )

    @app.context_processor
    def _page_context():
        return {
            "large_text": request.cookies.get("large_text") == "1",
            "session_expired": g.get("session_expired", False),
        }
