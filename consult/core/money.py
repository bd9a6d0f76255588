"""Money is an integer number of fen (分); never a float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")


class InvalidAmount(ValueError):
    pass


def parse_yuan(text: str | None) -> int | None:
    """'12,345.6' → 1234560 fen. Empty → None. Raises InvalidAmount on anything else."""
    if text is None:
        return None
    cleaned = str(text).strip().replace(",", "").replace("，", "").replace("¥", "").replace("元", "")
    if cleaned == "":
        return None
    if not _AMOUNT.match(cleaned):
        raise InvalidAmount(cleaned)
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation as exc:  # pragma: no cover - the regex already excludes it
        raise InvalidAmount(cleaned) from exc


def format_yuan(fen: int | None, *, symbol: bool = True) -> str:
    """1234560 → '¥12,345.60'."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    text = f"{yuan:,}.{cents:02d}"
    return f"{sign}¥{text}" if symbol else f"{sign}{text}"

