"""Simplified Chinese first: every translatable string in the code and templates has a Chinese
translation, and the committed compiled catalog matches the .po file."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "consult" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
METHODS = [("consult/**.py", "python"), ("consult/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _source_msgids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT),
        method_map=METHODS,
        keywords=KEYWORDS,
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        # Babel's default filter skips folders starting with "_": our _partials must count.
        directory_filter=lambda path: Path(path).name not in {"__pycache__", ".venv", ".git"}
        and not Path(path).name.startswith("."),
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_string_has_a_chinese_translation():
    with open(CATALOG / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    missing = sorted(
        msgid for msgid in _source_msgids()
        if not (m := catalog.get(msgid)) or not m.string or m.fuzzy
        or (isinstance(m.string, tuple) and not all(m.string))
    )
    assert not missing, f"{len(missing)} strings lack a Chinese translation (run `make translations`): {missing[:20]}"


def test_compiled_catalog_matches_po():
    with open(CATALOG / "messages.po", "rb") as fh:
        po = read_po(fh)
    with open(CATALOG / "messages.mo", "rb") as fh:
        mo = read_mo(fh)
    def key(value):  # plural entries come as lists from read_mo, tuples from read_po
        return tuple(value) if isinstance(value, list | tuple) else value

    po_strings = {key(m.id): key(m.string) for m in po if m.id and m.string and not m.fuzzy}
    mo_strings = {key(m.id): key(m.string) for m in mo if m.id}
    assert po_strings == mo_strings, "messages.mo is stale: run `make translations` and commit it"


def test_pages_render_in_chinese_by_default_and_english_on_request(app):
    from tests.clients import fresh_client

    client = fresh_client(app, lang=None)
    zh = client.get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in zh and "民生" in zh
    client.set_cookie("lang", "en")
    en = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in en and "Small livelihood matters" in en
