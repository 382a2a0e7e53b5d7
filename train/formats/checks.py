"""Import checks: every span a tool hands back, held against the text and the corpus word rule.

Annotation tools trim whitespace, let an annotator select half a word or a trailing comma, and keep a span's own
``text`` beside its offsets; any of these can disagree with the sentence. Each span is loaded exactly or reported
with what was found, what was expected and the offsets that would fix it: nothing is dropped silently.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Optional, Sequence

from model.spans import Entity, enforce_span_edges
from model.words import Word, split_words
from train.corpus import Document, Problem


@dataclass(frozen=True)
class RawSpan:
    """One span as a tool wrote it: unchecked values, and ``what`` names it in messages (``result 'x1'``)."""

    start: object
    end: object
    label: object
    text: Optional[object] = None  # the span's own copy of its text, when the format keeps one
    what: str = "span"
    score: Optional[float] = None


def _label_hint(label: str, labels: Sequence[str]) -> str:
    close = difflib.get_close_matches(label.upper(), labels, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _covering(words: Sequence[Word], start: int, end: int) -> tuple[int, int]:
    """Offsets of the whole words that ``[start, end)`` touches."""
    inside = [w for w in words if w.end > start and w.start < end]
    return (inside[0].start, inside[-1].end) if inside else (start, end)


def _has_astral(text: str) -> bool:
    return any(ord(c) > 0xFFFF for c in text)


def _span_problem(text: str, words: Sequence[Word], span: RawSpan, labels: Optional[Sequence[str]]
                  ) -> tuple[Optional[Entity], Optional[str], Optional[str]]:
    """(entity, None, note) when the span holds, else (None, message, None)."""
    s, e, label, claimed = span.start, span.end, span.label, span.text
    if type(s) is not int or type(e) is not int:
        return None, f"{span.what} has start={s!r} end={e!r}; expected integer character offsets", None
    if not isinstance(label, str) or not label:
        return None, f"{span.what} has label {label!r}; expected one label name (a string)", None
    head = f"{span.what} {label} at {s}-{e}"
    if not 0 <= s < e <= len(text):
        return None, (f"{head} is outside the text (length {len(text)}); expected 0 <= start < end <= "
                      f"{len(text)}; the task text was changed after annotation"), None
    actual = text[s:e]
    head = f"{span.what} {label} {actual!r} at {s}-{e}"
    note = None
    if claimed is not None and claimed != actual:
        if not isinstance(claimed, str):
            return None, f"{head}: its text is {claimed!r}; expected a string", None
        if claimed == actual.strip():
            lead = len(actual) - len(actual.lstrip())
            return None, (f"{head}: the tool trimmed the selection to {claimed!r} but start/end still hold the "
                          f"whitespace; expected the offsets of the trimmed text, {s + lead}-{s + lead + len(claimed)}"
                          ), None
        if claimed in actual and s in {w.start for w in words} and e in {w.end for w in words}:
            # Label Studio's granularity="word" widens start/end to whole words but keeps the selected text
            # (HumanSignal/label-studio#1931, #2878): the offsets are the annotator's span.
            note = (f"{head}: its text {claimed!r} is part of text[{s}:{e}] (the tool widened the selection to "
                    "whole words and kept the old text); the offsets are kept")
        else:
            hint = ("; the text has characters outside the BMP (emoji), which JavaScript tools count as two "
                    "UTF-16 units" if _has_astral(text) else "")
            return None, (f"{head}: text mismatch: the span's text {claimed!r} != text[{s}:{e}] {actual!r}; "
                          f"expected them equal; the task text was changed after annotation{hint}"), None
    if actual != actual.strip():
        lead = len(actual) - len(actual.lstrip())
        trimmed = actual.strip()
        return None, (f"{head}: the selection has whitespace at its edge; expected the words alone; "
                      f"shrink it to {s + lead}-{s + lead + len(trimmed)} {trimmed!r}"), None
    if labels is not None and label not in labels:
        return None, (f"{head}: unknown label {label!r}{_label_hint(label, labels)}; expected one of "
                      f"{', '.join(labels)}; rename it in the tool's labeling config, or pass --any-labels"), None
    if s not in {w.start for w in words} or e not in {w.end for w in words}:
        cut = [w for w in words if (w.start < s < w.end) or (w.start < e < w.end)]
        a, b = _covering(words, s, e)
        cuts = " and ".join(f"{w.text!r} ({w.start}-{w.end})" for w in cut)
        return None, (f"{head}: half-word span: does not start and end on word boundaries, it cuts {cuts}; "
                      f"expected whole words; extend it to {a}-{b} {text[a:b]!r} (a glued clitic such as و/ب/ل "
                      "belongs inside the span)"), None
    inside = [w for w in words if s <= w.start and w.end <= e]
    kept = enforce_span_edges([w.text for w in inside], [f"B-{label}"] + [f"I-{label}"] * (len(inside) - 1))
    if kept != [f"B-{label}"] + [f"I-{label}"] * (len(inside) - 1):
        edge = [w for w, t in zip(inside, kept) if t == "O"]
        rest = [w for w, t in zip(inside, kept) if t != "O"]
        fix = (f"shrink it to {rest[0].start}-{rest[-1].end} {text[rest[0].start:rest[-1].end]!r}" if rest
               else "remove it")
        return None, (f"{head}: the span starts or ends on the separator "
                      f"{' '.join(repr(w.text) for w in edge)}; expected a final comma, full stop, dash or "
                      f"bracket outside the span (GUIDELINES.md); {fix}"), None
    return Entity(s, e, label, actual, span.score), None, note


def check_spans(text: str, spans: Sequence[RawSpan], where: str, record_id: str,
                labels: Optional[Sequence[str]]) -> tuple[list[Entity], list[Problem], list[Problem]]:
    """Check a sentence's spans; return (entities sorted by offset, problems, notes).

    ``labels=None`` accepts any label set. Overlapping spans are problems: the corpus is flat (GUIDELINES.md).

    >>> ents, problems, _ = check_spans("وقوات النظام", [RawSpan(1, 12, "FACTION")], "f:1", "r", ["FACTION"])
    >>> ents, "half-word span" in str(problems[0])
    ([], True)
    """
    words = split_words(text)
    entities: list[Entity] = []
    problems: list[Problem] = []
    notes: list[Problem] = []
    for span in spans:
        ent, message, note = _span_problem(text, words, span, labels)
        if message:
            problems.append(Problem(where, record_id, message))
        else:
            entities.append(ent)  # type: ignore[arg-type]
        if note:
            notes.append(Problem(where, record_id, note))
    entities.sort(key=lambda x: (x.start, x.end))
    for prev, cur in zip(entities, entities[1:]):
        if cur.start < prev.end:
            same = (cur.start, cur.end) == (prev.start, prev.end)
            problems.append(Problem(where, record_id, (
                f"overlapping spans: {cur.label} {cur.text!r} at {cur.start}-{cur.end} "
                f"{'is the same span as' if same else 'overlaps'} {prev.label} {prev.text!r} at "
                f"{prev.start}-{prev.end}; expected flat, non-overlapping spans (GUIDELINES.md); keep one of them")))
    return entities, problems, notes


def checked_document(rid: str, text: object, spans: Sequence[RawSpan], meta: dict, where: str,
                     labels: Optional[Sequence[str]]) -> tuple[Optional[Document], list[Problem], list[Problem]]:
    """A Document when the text and every span hold; else None and the problems (notes either way)."""
    if not isinstance(text, str) or not text.strip():
        return None, [Problem(where, rid, f"text is {text!r}; expected the sentence as a non-empty string")], []
    entities, problems, notes = check_spans(text, spans, where, rid, labels)
    if problems:
        return None, problems, notes
    return Document(rid, text, entities, meta, where), [], notes
