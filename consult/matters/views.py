"""Matter pages. (Being built.)"""

from flask import Blueprint, abort

bp = Blueprint("matters", __name__)


@bp.get("/matters")
def index():
    abort(404)


@bp.get("/matters/new")
def new():
    abort(404)
