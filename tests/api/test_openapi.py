"""The OpenAPI document: valid, served, and in step with the routes the app really has."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from consult.api.openapi import SPEC

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def test_document_is_valid_openapi():
    validate(SPEC)
    assert SPEC["openapi"].startswith("3.1")


def test_document_is_served(api):
    response = api.get("/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == SPEC


def _flask_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix("/api/v1"))


def test_every_route_is_documented_and_every_documented_route_exists(app):
    served = {
        (_flask_to_openapi(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method)
        for path, item in SPEC["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert served == documented


def test_every_operation_documents_its_errors_with_the_error_schema():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            statuses = [s for s in operation["responses"] if s.startswith("4")]
            takes_input = "parameters" in operation or "requestBody" in operation
            assert statuses or not takes_input, (path, method)
            for status in statuses:
                ref = operation["responses"][status]["$ref"]
                name = ref.rsplit("/", 1)[-1]
                schema = SPEC["components"]["responses"][name]["content"]["application/json"]
                assert schema["schema"] == {"$ref": "#/components/schemas/Error"}


def test_writes_declare_bearer_and_session_security_reads_are_public():
    assert SPEC["security"] == []
    assert SPEC["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method == "get":
                assert "security" not in operation, path
            elif path != "/auth/token":
                assert {"bearerAuth": []} in operation["security"], (path, method)
                assert "401" in operation["responses"], (path, method)
