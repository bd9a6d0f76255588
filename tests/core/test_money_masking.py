from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consult.core.masking import mask_name, mask_phone
from consult.core.money import InvalidAmount, format_yuan, parse_yuan


@pytest.mark.parametrize(
    ("text", "fen"),
    [("8000", 800_000), ("8,000.5", 800_050), ("¥12.34", 1234), ("0", 0), ("", None), ("  ", None),
     ("1，234元", 123_400)],
)
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["abc", "-5", "1.234", "1e5", "12.3.4", "9" * 13, "NaN"])
def test_parse_yuan_rejects(text):
    with pytest.raises(InvalidAmount):
        parse_yuan(text)


@given(st.integers(min_value=0, max_value=10**14 - 1))
def test_format_then_parse_round_trips(fen):
    assert parse_yuan(format_yuan(fen)) == fen


def test_format_yuan():
    assert format_yuan(1234560) == "¥12,345.60"
    assert format_yuan(-5) == "-¥0.05"
    assert format_yuan(123, symbol=False) == "1.23"
    assert format_yuan(None) == ""


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张*"), ("张小明", "张*明"), ("欧阳小明", "欧**明"), ("A", "*"), ("", "")]
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("12345") == "*****"


@given(st.text(min_size=3, max_size=20))
def test_mask_name_never_reveals_the_middle(name):
    masked = mask_name(name)
    assert len(masked) == len(name.strip()) or not name.strip()
    if len(name.strip()) >= 3:
        assert set(masked[1:-1]) == {"*"}
