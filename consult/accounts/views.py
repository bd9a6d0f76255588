"""Account pages. (Being built: register, login, logout, profile, verification, codes, roles.)"""

from flask import Blueprint, abort

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    abort(404)


@bp.route("/register", methods=["GET", "POST"])
def register():
    abort(404)


@bp.post("/logout")
def logout():
    abort(404)


@bp.get("/me")
def profile():
    abort(404)


@bp.get("/staff")
def staff_home():
    abort(404)


@bp.get("/admin/roles")
def admin_roles():
    abort(404)
