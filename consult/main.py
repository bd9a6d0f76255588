"""Site-wide pages: home, language switch, large-text mode, privacy notice, health check."""

from __future__ import annotations

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from sqlalchemy import func, select

from consult.core.web import safe_next
from consult.extensions import db

bp = Blueprint("main", __name__)

PREF_MAX_AGE = 365 * 24 * 3600


def _pref_redirect(cookie: str, value: str):
    response = make_response(redirect(safe_next(request.args.get("next"))))
    response.set_cookie(
        cookie,
        value,
        max_age=PREF_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.get("/")
def home():
    from consult.matters.lifecycle import State
    from consult.matters.models import Matter

    recent = db.session.scalars(
        select(Matter)
        .where(Matter.state.in_([State.SUBMITTED.value, State.ACCEPTED.value]))
        .order_by(Matter.id.desc())
        .limit(6)
    ).all()
    counts = dict(
        db.session.execute(select(Matter.state, func.count()).group_by(Matter.state)).all()
    )
    return render_template("home.html", recent=recent, counts=counts)


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch language (a preference cookie; works without JavaScript)."""
    if code not in current_app.config["LANGUAGES"]:
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    return _pref_redirect("lang", code)


@bp.get("/text-size/<size>")
def set_text_size(size: str):
    """Large-text mode for older residents."""
    return _pref_redirect("large_text", "1" if size == "large" else "0")


@bp.get("/privacy")
def privacy():
    return render_template("privacy.html")


@bp.get("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on pages without an icon link (e.g. JSON); serve the SVG."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
