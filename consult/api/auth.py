"""Who is calling: bearer tokens (``POST/DELETE /auth/token``) or the browser session.

Reads are public. Writes need a caller: ``Authorization: Bearer <token>`` from
``POST /auth/token``, or the logged-in browser session — which must then send the CSRF token in
the ``X-CSRFToken`` header, because a cookie alone proves nothing about who built the request.
A bearer request needs no CSRF token: browsers never attach it on their own.
"""

from __future__ import annotations

import math

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from consult.accounts.models import User
from consult.accounts.services import (
    AccountLocked,
    authenticate,
    issue_api_token,
    revoke_api_token,
    user_for_token,
)
from consult.api import bp
from consult.api.errors import ApiError, Reader, json_body
from consult.core.timeutil import utcnow
from consult.extensions import csrf, db, limiter


def unauthorized(message: str | None = None, code: str = "unauthorized") -> ApiError:
    return ApiError(
        401,
        code,
        message or _("Please log in to continue."),
        headers={"WWW-Authenticate": 'Bearer realm="consult"'},
    )


def _bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer …`` header; '' when the header is malformed,
    None when there is no header."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def api_caller() -> User | None:
    """The calling account, or None for an anonymous caller.

    A presented token must be valid (no falling back to the session). A session caller's
    writes are checked for the CSRF header (a 400 ``csrf`` error otherwise)."""
    token = _bearer_token()
    if token is not None:
        user = user_for_token(token) if token else None
        if user is None:
            raise unauthorized(
                _("The access token is missing, invalid or expired."), code="invalid_token"
            )
        return user
    if current_user.is_authenticated:
        config = current_app.config
        if config.get("WTF_CSRF_ENABLED", True) and request.method in config["WTF_CSRF_METHODS"]:
            csrf.protect()
        return current_user._get_current_object()
    return None


def require_caller() -> User:
    """The calling account; 401 for anonymous callers."""
    user = api_caller()
    if user is None:
        raise unauthorized()
    return user


@bp.after_request
def _no_store_for_callers(response):
    """Answers to identified callers (and tokens) must not sit in shared caches."""
    if "Authorization" in request.headers or request.method != "GET":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/auth/token")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def issue_token():
    """Exchange a mobile number and password for a bearer token. Failed attempts count toward
    the same lock-out as the login page."""
    reader = Reader(json_body())
    phone = reader.string("phone", max_length=32, required=True)
    password = reader.string("password", max_length=256, required=True, strip=False)
    reader.done()
    config = current_app.config
    try:
        user = authenticate(
            phone,
            password,
            max_failures=config["LOGIN_MAX_FAILURES"],
            lock_minutes=config["LOGIN_LOCK_MINUTES"],
        )
    except AccountLocked as exc:
        seconds = max(1, math.ceil((exc.until - utcnow()).total_seconds()))
        raise ApiError(
            429,
            "locked",
            _(
                "This account is locked after too many failed logins. "
                "Try again in %(minutes)d minutes.",
                minutes=math.ceil(seconds / 60),
            ),
            headers={"Retry-After": str(seconds)},
        ) from None
    if user is None:
        raise ApiError(401, "invalid_credentials", _("The mobile number or the password is wrong."))
    token, row = issue_api_token(user, days=config["API_TOKEN_DAYS"])
    expires_at = row.expires_at
    db.session.commit()
    body = {"token": token, "token_type": "Bearer", "expires_at": expires_at.isoformat()}
    return body, 201


@bp.delete("/auth/token")
def revoke_token():
    """Revoke the bearer token this request presents (an API client logs out)."""
    token = _bearer_token()
    if not token or not revoke_api_token(token):
        raise unauthorized(
            _("The access token is missing, invalid or expired."), code="invalid_token"
        )
    db.session.commit()
    return "", 204
