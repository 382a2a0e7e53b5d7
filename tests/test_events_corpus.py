"""Event records on the corpus: casualty fields of whole markup reports and of every test-split sentence against a
hand-checked table."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from model.events import build_events, join_sentences
from model.spans import Entity
from train.corpus import read_jsonl
from train.markup import parse_markup  # only to read the corpus markup files

ROOT = Path(__file__).resolve().parents[1]
MARKUP = ROOT / "data" / "annotations" / "markup"
TEST_JSONL = ROOT / "data" / "annotations" / "test.jsonl"


# ---------------------------------------------------------------------------------------------------------------
# Corpus runs

# Hand-checked casualty spans from data/annotations/markup: each row was decided by reading its sentence.
# doc | span text | occurrence of that text in the doc | count_min | count_max | qualifier | status
# (kept in a data file so this module stays short)
GOLD = (Path(__file__).resolve().parent / "fixtures" / "casualty_gold.psv").read_text(encoding="utf-8")
MIN_ACCURACY = 0.95


def _gold() -> dict[tuple[str, str, int], tuple]:
    table = {}
    for line in GOLD.strip().splitlines():
        doc, text, occ, lo, hi, qualifier, status = line.split("|")
        table[(doc, text, int(occ))] = (None if lo == "-" else int(lo), None if hi == "-" else int(hi), qualifier, status)
    return table


@lru_cache(maxsize=1)
def _markup_docs() -> dict[str, list]:
    by_doc: dict[str, list] = {}
    for path in sorted(MARKUP.glob("*.txt")):
        docs, _problems = parse_markup(path)
        for d in docs:
            by_doc.setdefault(d.meta["doc"], []).append(d)
    return by_doc


def _score(predicted: dict[tuple[str, str, int], tuple]) -> tuple[int, list[str]]:
    gold = _gold()
    found = [key for key in gold if key in predicted]
    wrong = [f"{key}: expected {gold[key]}, got {predicted[key]}" for key in found if predicted[key] != gold[key]]
    return len(found), wrong


def _read_casualties(groups: dict[str, list[tuple[str, list[Entity], str | None]]]) -> dict[tuple[str, str, int], tuple]:
    """Run build_events on each group of (text, entities, date) and key its casualties like the gold table."""
    out = {}
    for doc_id, parts in groups.items():
        seen: dict[str, int] = {}
        for text, entities, date in parts:
            by_span = {}
            for record in build_events(text, entities, date, doc_id, drop_quiet=False):  # every count read
                for c in record.casualties:
                    assert text[c.start : c.end] == c.text
                    by_span[(c.start, c.end)] = (c.count_min, c.count_max, c.qualifier, c.status)
            for e in entities:
                if e.label == "CASUALTY":
                    occ = seen.get(e.text, 0)
                    seen[e.text] = occ + 1
                    out[(doc_id, e.text, occ)] = by_span.get((e.start, e.end), ("no record",))
    return out


def test_gold_table_is_hand_checked_and_large_enough() -> None:
    gold = _gold()
    assert len(gold) >= 40
    assert len({doc.split("-")[0] for doc, _, _ in gold}) >= 4  # spans from several files


@pytest.mark.skipif(not MARKUP.is_dir() or not any(MARKUP.glob("*.txt")), reason="no markup files in data/annotations/markup")
def test_casualty_fields_on_markup_reports() -> None:
    """Whole reports (sentences joined) against the hand-checked table: >= 95% of the spans fully right."""
    groups = {}
    for doc_id, docs in _markup_docs().items():
        text, entities = join_sentences([(d.text, d.entities) for d in docs], sep="\n")
        groups[doc_id] = [(text, entities, docs[0].meta.get("date"))]
    found, wrong = _score(_read_casualties(groups))
    assert found >= 40, f"only {found} hand-checked spans found in the markup files"
    accuracy = 1 - len(wrong) / found
    assert accuracy >= MIN_ACCURACY, f"{accuracy:.1%} of {found} right:\n" + "\n".join(wrong)


@pytest.mark.skipif(not TEST_JSONL.exists(), reason="data/annotations/test.jsonl not generated yet (war-ner markup ...)")
def test_build_events_on_every_test_record() -> None:
    """Every test-split sentence builds (gold entities, one sentence at a time); hand-checked spans stay >= 95%."""
    docs, problems = read_jsonl(TEST_JSONL)
    assert not problems, problems[:5]
    groups: dict[str, list] = {}
    for d in docs:
        groups.setdefault(d.meta.get("doc", d.id), []).append((d.text, d.entities, d.meta.get("date")))
    predicted = _read_casualties(groups)
    assert len(predicted) == sum(1 for d in docs for e in d.entities if e.label == "CASUALTY")
    found, wrong = _score(predicted)
    assert found >= 40, f"only {found} hand-checked spans found in the test split"
    assert 1 - len(wrong) / found >= MIN_ACCURACY, "\n".join(wrong)
