"""/api/v1 — the JSON API (DESIGN §6), described by the OpenAPI document at /api/v1/openapi.json.

auth.py      bearer tokens, and who is calling (token or session + CSRF header)
errors.py    the error format and the readers that turn bad input into 400/415/422
regions.py   the region tree
matters.py   matters: list, detail, similar, create, support, transitions
openapi.py   the OpenAPI 3.1 document, kept next to the endpoints
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from consult.api import auth, errors, matters, openapi, regions  # noqa: E402,F401  (routes)

errors.register(bp)
