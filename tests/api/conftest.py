"""Fixtures for /api/v1: a client whose every response is validated against the OpenAPI
document, and bearer tokens for the world's accounts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask, has_app_context
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.wrappers import Request

from consult.accounts.models import User
from consult.accounts.services import issue_api_token
from consult.api.openapi import SPEC
from consult.extensions import db

OPENAPI = OpenAPI.from_dict(SPEC)


class ApiClient:
    """The Flask test client, for paths under /api/v1.

    Every response is validated against the OpenAPI document (and, when it is a success, the
    request too). Every request runs in an application context of its own, as in production,
    so it has its own database session and ``g``: a view that forgets to commit is caught, and
    nothing cached on ``g`` leaks from one request to the next."""

    prefix = "/api/v1"

    def __init__(self, app: Flask):
        self.app = app
        self.client = app.test_client()

    def open(self, method: str, path: str, *, token: str | None = None, headers=None, **kwargs):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        with self.app.app_context():
            response = self.client.open(
                self.prefix + path, method=method, headers=headers, **kwargs
            )
        check_against_document(response)
        if has_app_context():
            db.session.expire_all()  # the test's own session sees what the request committed
        return response

    def get(self, path: str, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.open("POST", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.open("DELETE", path, **kwargs)


def check_against_document(response) -> None:
    environ = response.request.environ
    environ["wsgi.input"].seek(0)  # the view read the body; read it again for the validator
    request = WerkzeugOpenAPIRequest(Request(environ))
    OPENAPI.validate_response(request, WerkzeugOpenAPIResponse(response))
    if 200 <= response.status_code < 300:
        OPENAPI.validate_request(request)


@pytest.fixture
def api(app) -> ApiClient:
    return ApiClient(app)


@pytest.fixture
def token_for(world) -> Callable[[User], str]:
    """A bearer token for an account (issued through the service: no Argon2 round per test)."""

    def make(user: User) -> str:
        token, _row = issue_api_token(user, days=30)
        db.session.commit()
        return token

    return make


def error_of(response) -> dict:
    """The ``error`` object of an API error answer (asserting the shape on the way)."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"].strip()
    return body["error"]
