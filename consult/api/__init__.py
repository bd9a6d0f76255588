"""/api/v1 — the JSON API. (Being built.)"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
def openapi():
    return {"openapi": "3.1.0", "info": {"title": "consult", "version": "1"}, "paths": {}}
