"""Chinese-aware search: jieba segmentation for full-text search and similar proposals.

``search_text`` holds the segmented, lower-cased words of a matter's title and description,
separated by spaces and wrapped in spaces, so a word matches with ``LIKE '% word %'`` on
every backend, and a query word is matched the same way however the user typed it.
"""

from __future__ import annotations

import logging
import re
import threading

import jieba

jieba.setLogLevel(logging.WARNING)
_lock = threading.Lock()
_ready = False

# Words that say nothing about what a matter is about.
STOPWORDS = frozenset(
    ["的", "了", "和", "与", "及", "或", "在", "是", "有", "把", "被", "对", "为", "给", "让", "请", "希望", "建议", "能否", "能", "可以", "一下", "一个", "一些", "我们", "我", "你", "他", "她", "小区", "社区", "问题", "情况", "进行", "关于", "增加", "解决", "需要", "这个", "那个", "这里", "那里", "现在", "已经", "非常", "比较", "很", "都", "也", "还", "就", "要", "the", "a", "an", "of", "to", "and", "or", "in", "on", "for", "is", "are", "be", "with", "please"]
)

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def _init() -> None:
    global _ready
    if not _ready:
        with _lock:
            if not _ready:
                jieba.initialize()
                _ready = True


def words(text: str) -> list[str]:
    """Meaningful words of ``text``, in order, without duplicates."""
    _init()
    seen: dict[str, None] = {}
    for token in jieba.cut_for_search(text or ""):
        token = _PUNCT.sub("", token.lower())
        if not token or token in STOPWORDS:
            continue
        if len(token) == 1 and not token.isalnum():
            continue
        seen.setdefault(token, None)
    return list(seen)


def index_text(title: str, description: str) -> str:
    """The value stored in ``Matter.search_text``."""
    return " " + " ".join(words(f"{title} {description}")) + " "


def query_words(query: str) -> list[str]:
    """Words of a search box query; single characters are dropped unless nothing else remains."""
    found = words(query)
    longer = [w for w in found if len(w) > 1]
    return (longer or found)[:8]


def similarity(a: list[str], b: list[str]) -> float:
    """Overlap of two word lists (Dice coefficient), weighting longer words more."""
    if not a or not b:
        return 0.0
    sa, sb = set(a), set(b)
    weight = lambda ws: sum(min(len(w), 4) for w in ws)  # noqa: E731
    common = weight(sa & sb)
    return 2 * common / (weight(sa) + weight(sb))
