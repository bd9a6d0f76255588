"""A test client whose every request runs in its own application context, as in production.

Fixtures such as ``ctx`` and ``world`` keep an application context open for the test body, and
Flask reuses an open context for the test client's requests: ``g`` (where Flask-Login caches the
current user) and the database session would then leak from one request into the next. Here each
request gets a context of its own; afterwards the test's session is rolled back, so the test body
reads what the request committed.
"""

from __future__ import annotations

from flask import has_app_context
from flask.testing import FlaskClient

from consult.extensions import db


class FreshContextClient(FlaskClient):
    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.rollback()
        return response


def fresh_client(app, lang: str | None = "en") -> FreshContextClient:
    """A client reading ``lang`` (tests assert on the English msgids; None → the default, Chinese)."""
    client = FreshContextClient(app, app.response_class, use_cookies=True)
    if lang:
        client.set_cookie("lang", lang)
    return client
