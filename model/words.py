"""The corpus word rule, shared by annotation, training and inference.

A word is a maximal run of characters that are neither whitespace nor Unicode punctuation (categories P*);
each punctuation mark is a word of its own. Tatweel (U+0640) is a letter. Every offset indexes the caller's
original string, so spans found on words map back to it exactly.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import NamedTuple


class Word(NamedTuple):
    """One word of a text with its character offsets: ``text[start:end] == word.text``."""

    start: int
    end: int
    text: str


@lru_cache(maxsize=4096)
def _kind(char: str) -> int:
    """0 = whitespace, 1 = punctuation, 2 = word character."""
    if char.isspace() or unicodedata.category(char) in ("Zs", "Zl", "Zp", "Cc", "Cf") and char != "\u200c":
        # Format characters (RLM, LRM, BOM, ZWJ) behave as separators in report text; ZWNJ stays inside words.
        return 0
    if unicodedata.category(char).startswith("P"):
        return 1
    return 2


def split_words(text: str) -> list[Word]:
    """Split ``text`` into words by the corpus word rule.

    >>> [w.text for w in split_words("قصف “التحالف” الرقة، أمس.")]
    ['قصف', '“', 'التحالف', '”', 'الرقة', '،', 'أمس', '.']
    >>> split_words("  الـ 4")[0]
    Word(start=2, end=5, text='الـ')
    """
    words: list[Word] = []
    start = -1
    for i, char in enumerate(text):
        kind = _kind(char)
        if kind == 2:
            if start < 0:
                start = i
            continue
        if start >= 0:
            words.append(Word(start, i, text[start:i]))
            start = -1
        if kind == 1:
            words.append(Word(i, i + 1, char))
    if start >= 0:
        words.append(Word(start, len(text), text[start:]))
    return words


def is_aligned(words: list[Word], start: int, end: int) -> bool:
    """True when ``[start, end)`` starts at a word start and ends at a word end."""
    starts = {w.start for w in words}
    ends = {w.end for w in words}
    return start in starts and end in ends


_SENTENCE_END = frozenset(".!?؟\n")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``, stripped of surrounding whitespace, in order.

    A sentence ends after ``. ! ? ؟`` (a full stop between digits, as in ``3.5``, does not end one) or at a
    line break; empty sentences are dropped.

    >>> t = "قصف على الرقة. وقتل 3.5 ألف؟\\r\\nانتهى"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['قصف على الرقة.', 'وقتل 3.5 ألف؟', 'انتهى']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for i, char in enumerate(text):
        if char not in _SENTENCE_END:
            continue
        if char == "." and 0 < i < n - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
            continue
        spans.append((start, i + 1))
        start = i + 1
    spans.append((start, n))
    out = []
    for s, e in spans:
        while s < e and (text[s].isspace() or _kind(text[s]) == 0):
            s += 1
        while e > s and (text[e - 1].isspace() or _kind(text[e - 1]) == 0):
            e -= 1
        if e > s:
            out.append((s, e))
    return out
