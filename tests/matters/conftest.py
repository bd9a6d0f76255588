"""Helpers for the matter pages: a query counter and image bytes made with Pillow."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from consult.extensions import db


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block (needs an app context)."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()
