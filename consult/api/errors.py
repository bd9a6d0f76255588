"""API errors and input parsing: one JSON shape for every 4xx (DESIGN §6).

    {"error": {"code": "invalid", "message": "…", "fields": {"title": "…"}}}

Views raise :class:`ApiError`; HTTP errors raised by Flask itself (404, 405, the CSRF check, the
rate limiter) are turned into the same shape by ``consult.core.web``. Messages are in the
caller's language (``Accept-Language``), chosen by ``core.web.select_locale``.

The readers below turn untrusted JSON and query strings into typed values or collect a message
per field, so bad input of any kind ends in a 400/415/422 and never reaches the database as
something it would refuse with a 500 (NUL characters, lone surrogates, integers beyond the column
range, over-long strings).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _

from consult.core.ids import MAX_ID
from consult.core.web import api_error

#: ids and counts are stored in 32-bit integer columns on PostgreSQL
MAX_INT = MAX_ID


class ApiError(Exception):
    """An error answer: HTTP ``status``, a stable machine ``code`` and a human ``message``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}


def not_found() -> ApiError:
    return ApiError(404, "not_found", _("We could not find that."))


def invalid(fields: dict[str, str]) -> ApiError:
    """422: the body was understood but some values are not acceptable."""
    return ApiError(422, "invalid", _("Some of what you entered is not valid."), fields=fields)


def bad_parameters(fields: dict[str, str]) -> ApiError:
    """400: a query parameter cannot be used."""
    return ApiError(
        400, "invalid_parameter", _("Some query parameters are not valid."), fields=fields
    )


def register(bp: Blueprint) -> None:
    @bp.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        extra: dict[str, Any] = {"fields": exc.fields} if exc.fields else {}
        response, status = api_error(exc.status, exc.code, exc.message, **extra)
        response.headers.update(exc.headers)
        return response, status


# Text checks shared by bodies and query strings -----------------------------------------------
def _text_problem(value: str, max_length: int) -> str | None:
    if "\x00" in value:
        return _("This text contains characters that are not allowed.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a "\ud800" JSON escape
        return _("This text contains characters that are not allowed.")
    if len(value) > max_length:
        return _("Use at most %(n)d characters.", n=max_length)
    return None


# JSON bodies ----------------------------------------------------------------------------------
def json_body() -> dict[str, Any]:
    """The request body as a JSON object, or a 415/400 error."""
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            _("Send the request body as JSON (Content-Type: application/json)."),
        )
    try:
        data = json.loads(request.get_data(cache=True) or b"")
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError too
        raise ApiError(400, "invalid_json", _("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", _("The request body must be a JSON object."))
    return data


class Reader:
    """Reads typed fields from a JSON object (or a query string), collecting one message per
    bad field; :meth:`done` raises them all at once."""

    def __init__(self, data: dict[str, Any] | Any, *, query: bool = False):
        self.data = data
        self.query = query
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def done(self) -> None:
        if self.errors:
            raise bad_parameters(self.errors) if self.query else invalid(self.errors)

    def _get(self, name: str) -> Any:
        return self.data.get(name)

    def string(
        self,
        name: str,
        *,
        max_length: int,
        required: bool = False,
        default: str = "",
        strip: bool = True,
    ) -> str:
        """A string, stripped. Missing or null gives ``default``; ``required`` refuses blanks."""
        value = self._get(name)
        if value is None:
            value = ""
        elif not isinstance(value, str):
            self.fail(name, _("This must be text."))
            return default
        if problem := _text_problem(value, max_length):  # as sent, like the document says
            self.fail(name, problem)
            return default
        if strip:
            value = value.strip()
        if required and not value:
            self.fail(name, _("This field is required."))
            return default
        return value or default

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        minimum: int = 0,
        maximum: int = MAX_INT,
        default: int | None = None,
    ) -> int | None:
        """A whole number in [minimum, maximum]. JSON booleans and floats are refused; in a
        query string only plain digits are."""
        value = self._get(name)
        if value is None or (self.query and value == ""):
            if required:
                self.fail(name, _("This field is required."))
            return default
        if self.query:
            text = value.strip()
            if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 12:
                self.fail(name, _("This must be a whole number."))
                return default
            number = int(text)
        elif isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, _("This must be a whole number."))
            return default
        else:
            number = value
        if number < minimum:
            self.fail(name, _("This must be at least %(n)d.", n=minimum))
            return default
        if number > maximum:
            self.fail(name, _("This must be at most %(n)d.", n=maximum))
            return default
        return number

    def choice(
        self, name: str, choices: list[str] | tuple[str, ...], *, required: bool = False
    ) -> str | None:
        """One of ``choices`` (strings), or None when missing and not required."""
        value = self._get(name)
        if value is None or value == "":
            if required:
                self.fail(name, _("This field is required."))
            return None
        if not isinstance(value, str) or value not in choices:
            self.fail(name, _("Choose one of: %(choices)s.", choices=", ".join(choices)))
            return None
        return value
