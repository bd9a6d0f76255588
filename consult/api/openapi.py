"""The OpenAPI 3.1 document of /api/v1, written as Python data next to the endpoints.

``tests/api`` checks that it is a valid document, that it lists exactly the routes the app
serves, and validates every response the tests receive against it — so when an endpoint changes,
this file must change with it.
"""

from __future__ import annotations

from typing import Any

from consult.api import bp
from consult.api.errors import MAX_INT
from consult.api.matters import (
    DESCRIPTION_MAX,
    LOCATION_MAX,
    MAX_PAGE,
    MAX_PER_PAGE,
    NAME_MAX,
    QUERY_MAX,
    REASON_MAX,
    TIMELINE_DETAILS,
    TITLE_MAX,
    TRANSITION_PERMS,
)
from consult.matters.categories import CATEGORIES
from consult.matters.lifecycle import TIERS, Action, State
from consult.regions.models import RegionKind

VERSION = "1.0.0"

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """A closed object: every property listed, all required unless named ``optional``."""
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


def _request(*, required: tuple[str, ...], properties: dict[str, Schema]) -> Schema:
    """A request body. Unknown fields are ignored; null in an optional field means the same
    as leaving it out."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {
            key: schema if key in required or "anyOf" in schema else _nullable(schema)
            for key, schema in properties.items()
        },
    }


def _json(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


ID = {"type": "integer", "minimum": 1, "maximum": MAX_INT}
TIMESTAMP = {"type": "string", "format": "date-time"}
STATES = [s.value for s in State]
YUAN = {"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["8000.00"]}

_error_codes = (
    "`invalid_json`, `invalid_parameter`, `csrf`, `bad_request` (400); `unauthorized`, "
    "`invalid_token`, `invalid_credentials` (401); `forbidden` (403); `not_found` (404); "
    "`method_not_allowed` (405); `conflict` (409); `too_large` (413); "
    "`unsupported_media_type` (415); `invalid` (422); `locked`, `rate_limited` (429)."
)

#: the fields of a matter in lists (the detail adds to them)
SUMMARY_PROPERTIES: dict[str, Schema] = {
    "id": ID,
    "title": {"type": "string"},
    "category": {"type": "string", "enum": list(CATEGORIES)},
    "category_label": {"type": "string", "description": "In the caller's language."},
    "state": {"type": "string", "enum": STATES},
    "state_label": {"type": "string", "description": "In the caller's language."},
    "tier": _nullable({"type": "integer", "enum": list(TIERS)}),
    "community_id": ID,
    "community_name": {"type": "string"},
    "estimated_cost_fen": _nullable({"type": "integer", "minimum": 0}),
    "estimated_cost": _nullable(YUAN),
    "support_count": {"type": "integer", "minimum": 0},
    "comment_count": {"type": "integer", "minimum": 0},
    "flagged": {
        "type": "boolean",
        "description": "Supports reached the district's threshold: triage is mandatory.",
    },
    "assisted": {
        "type": "boolean",
        "description": "Entered by a representative on behalf of a neighbour (代录).",
    },
    "created_at": TIMESTAMP,
    "url": {"type": "string", "description": "This matter in the API."},
}

SCHEMAS: dict[str, Schema] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {
                        "type": "string",
                        "description": "Stable machine code: " + _error_codes,
                    },
                    "message": {
                        "type": "string",
                        "minLength": 1,
                        "description": "For people, in the caller's language (Accept-Language).",
                    },
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "A message per request field (body or query) that is wrong.",
                    },
                },
                optional=("fields",),
            )
        }
    ),
    "Region": _object(
        {
            "id": ID,
            "parent_id": _nullable(ID),
            "kind": {"type": "string", "enum": [k.value for k in RegionKind]},
            "name": {"type": "string"},
            "is_village": {"type": "boolean", "description": "A village (村): rural procedures."},
        }
    ),
    "RegionList": _object({"items": {"type": "array", "items": _ref("Region")}}),
    "TokenRequest": _request(
        required=("phone", "password"),
        properties={
            "phone": {"type": "string", "maxLength": 32, "examples": ["13812345678"]},
            "password": {"type": "string", "maxLength": 256, "format": "password"},
        },
    ),
    "Token": _object(
        {
            "token": {"type": "string", "minLength": 20},
            "token_type": {"const": "Bearer"},
            "expires_at": TIMESTAMP,
        }
    ),
    "MatterSummary": _object(SUMMARY_PROPERTIES),
    "Matter": _object(
        {
            **SUMMARY_PROPERTIES,
            "description": {"type": "string"},
            "location": {"type": "string"},
            "handling_region_id": _nullable(ID),
            "merged_into_id": _nullable(ID),
            "updated_at": TIMESTAMP,
            "triaged_at": _nullable(TIMESTAMP),
            "proposer": {"type": "string", "description": "Masked name (张*明)."},
            "entered_by": _nullable(
                {"type": "string", "description": "For assisted entry: the masked representative."}
            ),
            "photos": {"type": "array", "items": _ref("Photo")},
            "timeline": {"type": "array", "items": _ref("TimelineEntry")},
        }
    ),
    "Photo": _object(
        {
            "url": {"type": "string", "pattern": "^/matters/photos/[0-9a-f]+\\.(jpg|png|webp)$"},
            "content_type": {"type": "string", "enum": ["image/jpeg", "image/png", "image/webp"]},
            "width": {"type": "integer", "minimum": 0},
            "height": {"type": "integer", "minimum": 0},
        }
    ),
    "TimelineEntry": _object(
        {
            "at": TIMESTAMP,
            "action": {"type": "string", "enum": [a.value for a in Action]},
            "from_state": _nullable({"type": "string", "enum": STATES}),
            "to_state": {"type": "string", "enum": STATES},
            "reason": {"type": "string"},
            "actor": _nullable({"type": "string", "description": "Masked name; null: the system."}),
            "details": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    key: {"type": "boolean"} if key == "assisted" else {"type": "integer"}
                    for key in TIMELINE_DETAILS
                },
            },
        }
    ),
    "MatterPage": _object(
        {
            "items": {"type": "array", "items": _ref("MatterSummary")},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0},
        }
    ),
    "MatterList": _object({"items": {"type": "array", "items": _ref("MatterSummary")}}),
    "MatterCreate": _request(
        required=("title", "description", "category"),
        properties={
            "title": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX},
            "description": {"type": "string", "minLength": 1, "maxLength": DESCRIPTION_MAX},
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "community_id": {**ID, "description": "Defaults to the caller's community."},
            "location": {"type": "string", "maxLength": LOCATION_MAX},
            "estimated_cost_fen": _nullable({"type": "integer", "minimum": 0, "maximum": MAX_INT}),
            "estimated_cost": _nullable(
                {
                    "type": "string",
                    "description": 'Yuan, e.g. "1200.50" — instead of estimated_cost_fen.',
                    "examples": ["1200.50"],
                }
            ),
            "on_behalf_name": {
                "type": "string",
                "maxLength": NAME_MAX,
                "description": "Assisted entry: the neighbour the caller enters this for.",
            },
            "on_behalf_phone": {
                "type": "string",
                "maxLength": 20,
                "description": "Assisted entry: the neighbour's 11-digit mainland mobile "
                "(spaces, dashes and +86 are ignored). Never shown to the public.",
            },
        },
    ),
    "SupportState": _object(
        {"supported": {"type": "boolean"}, "support_count": {"type": "integer", "minimum": 0}}
    ),
    "TransitionRequest": _request(
        required=("action",),
        properties={
            "action": {"type": "string", "enum": [a.value for a in TRANSITION_PERMS]},
            "tier": {
                "type": "integer",
                "enum": list(TIERS),
                "description": "accept: optional (default: routed by cost; higher needs a "
                "reason); raise_tier: required.",
            },
            "reason": {
                "type": "string",
                "maxLength": REASON_MAX,
                "description": "Public. Required for reject and raise_tier.",
            },
            "into": {**ID, "description": "merge: the matter this one is merged into."},
        },
    ),
}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": _json(_ref("Error"))}
    if headers:
        response["headers"] = headers
    return response


RESPONSES: dict[str, Any] = {
    "BadRequest": _error("Malformed JSON, a bad query parameter, or a missing CSRF header."),
    "Unauthorized": _error(
        "No valid bearer token or session.",
        {"WWW-Authenticate": {"schema": {"type": "string"}}},
    ),
    "Forbidden": _error("The caller may not do this."),
    "NotFound": _error("No such item."),
    "Conflict": _error("Not possible in the item's current state."),
    "TooLarge": _error("The request body is too large."),
    "UnsupportedMediaType": _error("The body must be application/json."),
    "Invalid": _error("Some values are not acceptable; `fields` says which and why."),
    "TooManyRequests": _error(
        "Rate limited, or (code `locked`) the account is locked after failed logins.",
        {"Retry-After": {"schema": {"type": "string"}}},
    ),
}


def _errors(*statuses: int) -> dict[str, Any]:
    names = {
        400: "BadRequest",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        409: "Conflict",
        413: "TooLarge",
        415: "UnsupportedMediaType",
        422: "Invalid",
        429: "TooManyRequests",
    }
    return {str(s): {"$ref": f"#/components/responses/{names[s]}"} for s in statuses}


def _param(name: str, where: str, schema: Schema, description: str, required: bool = False):
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


MATTER_ID = _param("matter_id", "path", ID, "The matter's number.")
CSRF_HEADER = _param(
    "X-CSRFToken",
    "header",
    {"type": "string"},
    "Session callers only: the page's CSRF token. Bearer callers leave it out.",
)
WRITE_SECURITY = [{"bearerAuth": []}, {"sessionCookie": []}]
_write_errors = (400, 401, 403, 404, 409, 413, 415, 422, 429)


def _write(summary: str, description: str, **operation) -> dict[str, Any]:
    operation.setdefault("parameters", [])
    operation["parameters"] = [*operation["parameters"], CSRF_HEADER]
    return {"summary": summary, "description": description, "security": WRITE_SECURITY, **operation}


PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "tags": ["meta"],
            "responses": {
                "200": {
                    "description": "The OpenAPI document.",
                    "content": _json({"type": "object"}),
                }
            },
        }
    },
    "/auth/token": {
        "post": {
            "operationId": "issueToken",
            "summary": "Get a bearer token",
            "description": "Exchange a mobile number and password for a bearer token. Failed "
            "attempts count toward the account's lock-out; the endpoint is rate limited.",
            "tags": ["auth"],
            "requestBody": {"required": True, "content": _json(_ref("TokenRequest"))},
            "responses": {
                "201": {"description": "A new token.", "content": _json(_ref("Token"))},
                **_errors(400, 401, 413, 415, 422, 429),
            },
        },
        "delete": {
            "operationId": "revokeToken",
            "summary": "Revoke the presented bearer token",
            "tags": ["auth"],
            "security": [{"bearerAuth": []}],
            "responses": {"204": {"description": "Revoked."}, **_errors(401)},
        },
    },
    "/regions": {
        "get": {
            "operationId": "listRegions",
            "summary": "The region tree, flat, in tree order",
            "description": "District → streets → communities (社区/村) → buildings; every parent "
            "comes before its children.",
            "tags": ["regions"],
            "responses": {
                "200": {"description": "All regions.", "content": _json(_ref("RegionList"))}
            },
        }
    },
    "/regions/{region_id}": {
        "get": {
            "operationId": "getRegion",
            "summary": "One region",
            "tags": ["regions"],
            "parameters": [_param("region_id", "path", ID, "The region's id.")],
            "responses": {
                "200": {"description": "The region.", "content": _json(_ref("Region"))},
                **_errors(404),
            },
        }
    },
    "/matters": {
        "get": {
            "operationId": "listMatters",
            "summary": "Matters, newest first",
            "tags": ["matters"],
            "parameters": [
                _param("community_id", "query", ID, "Only this community's matters."),
                _param(
                    "category", "query", {"type": "string", "enum": list(CATEGORIES)}, "Category."
                ),
                _param("state", "query", {"type": "string", "enum": STATES}, "State."),
                _param("tier", "query", {"type": "integer", "enum": list(TIERS)}, "Tier."),
                _param(
                    "q",
                    "query",
                    {"type": "string", "maxLength": QUERY_MAX},
                    "Words (Chinese is segmented); every word must occur in the title or "
                    "description.",
                ),
                _param(
                    "page",
                    "query",
                    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
                    "Page.",
                ),
                _param(
                    "per_page",
                    "query",
                    {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20},
                    "Matters per page.",
                ),
            ],
            "responses": {
                "200": {
                    "description": "One page of matters.",
                    "content": _json(_ref("MatterPage")),
                },
                **_errors(400),
            },
        },
        "post": _write(
            "Propose a matter",
            "In the caller's community (or `community_id`). With `on_behalf_name`, a "
            "representative or staff member enters it for a neighbour who is not online "
            "(assisted entry, recorded as such). Rate limited.",
            operationId="createMatter",
            tags=["matters"],
            requestBody={"required": True, "content": _json(_ref("MatterCreate"))},
            responses={
                "201": {
                    "description": "Created.",
                    "headers": {
                        "Location": {
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "The new matter in the API.",
                        }
                    },
                    "content": _json(_ref("Matter")),
                },
                **_errors(400, 401, 403, 413, 415, 422, 429),
            },
        ),
    },
    "/matters/similar": {
        "get": {
            "operationId": "similarMatters",
            "summary": "Open matters of a community that look like a title",
            "description": "For residents about to propose: support one of these instead of "
            "filing a duplicate. At most 5, best first.",
            "tags": ["matters"],
            "parameters": [
                _param("community_id", "query", ID, "The community.", required=True),
                _param(
                    "title",
                    "query",
                    {"type": "string", "minLength": 1, "maxLength": TITLE_MAX},
                    "The title being typed.",
                    required=True,
                ),
                _param("exclude_id", "query", ID, "Leave this matter out."),
            ],
            "responses": {
                "200": {"description": "Similar matters.", "content": _json(_ref("MatterList"))},
                **_errors(400),
            },
        }
    },
    "/matters/{matter_id}": {
        "get": {
            "operationId": "getMatter",
            "summary": "One matter with its public timeline",
            "description": "Names are masked; phone numbers are never shown.",
            "tags": ["matters"],
            "parameters": [MATTER_ID],
            "responses": {
                "200": {"description": "The matter.", "content": _json(_ref("Matter"))},
                **_errors(404),
            },
        }
    },
    "/matters/{matter_id}/support": {
        method: _write(
            summary,
            "Verified residents of the matter's community, while it takes supports. "
            "Idempotent. Rate limited.",
            operationId=operation_id,
            tags=["matters"],
            parameters=[MATTER_ID],
            responses={
                "200": {
                    "description": "The caller's support now.",
                    "content": _json(_ref("SupportState")),
                },
                **_errors(400, 401, 403, 404, 409, 429),
            },
        )
        for method, summary, operation_id in (
            ("post", "Support (附议) a matter", "supportMatter"),
            ("delete", "Take a support back", "unsupportMatter"),
        )
    },
    "/matters/{matter_id}/transitions": {
        "post": _write(
            "Move a matter through its lifecycle",
            "`accept` (tier), `reject` (public reason), `merge` (into another matter of the "
            "same community; supporters carried over) — community staff or officers above; "
            "`raise_tier` (tier, reason) on an accepted matter; `withdraw` — the proposer, "
            "before triage. A state that does not allow the action gives 409.",
            operationId="transitionMatter",
            tags=["matters"],
            parameters=[MATTER_ID],
            requestBody={"required": True, "content": _json(_ref("TransitionRequest"))},
            responses={
                "200": {
                    "description": "The matter after the transition.",
                    "content": _json(_ref("Matter")),
                },
                **_errors(*_write_errors),
            },
        )
    },
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "consult — 民生小实事 API",
        "version": VERSION,
        "description": "Residents propose small neighbourhood matters, support them, and staff "
        "triage them. Reads are public. Writes take `Authorization: Bearer <token>` from "
        "`POST /auth/token`, or the browser session with its CSRF token in `X-CSRFToken`. "
        'Every error is `{"error": {"code", "message", "fields"?}}` with a 4xx status; '
        "messages follow `Accept-Language` (Simplified Chinese by default, `en` for English). "
        "Money is integer fen (`*_fen`) with a yuan string alongside.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [],
    "tags": [
        {"name": "auth", "description": "Bearer tokens."},
        {"name": "regions", "description": "The region tree."},
        {"name": "matters", "description": "民生小实事 proposals."},
        {"name": "meta", "description": "This document."},
    ],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "responses": RESPONSES,
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `POST /auth/token`.",
            },
            "sessionCookie": {
                "type": "apiKey",
                "in": "cookie",
                "name": "consult_session",
                "description": "The browser session; writes must also send `X-CSRFToken`.",
            },
        },
    },
}


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document of this API."""
    return SPEC
