"""htmx helpers: one partial, two uses (a full page includes it, an htmx request gets it alone)."""

from __future__ import annotations

from flask import request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"
