"""Fuzz the JSONL record loader: a line is loaded exactly or reported, never partly loaded, never a crash."""
from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from train.corpus import LABELS, Document, Problem, parse_record, read_jsonl
from train.validate import check_corpus, check_document

WHERE = "fuzz.jsonl:7"

_LETTERS = "قصفتالرمدنيةوبلـهجكسشعغ٠١٢٣٤٥٦٧٨٩0123456789 ،.“”\u200f\u200c"

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12,
)

# raw JSON text put in place of a value after serialisation (things json.dumps would not write)
RAW_VALUES = st.one_of(
    st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),  # huge ints, beyond the 4300-digit limit too
    st.integers(min_value=1, max_value=6000).map(lambda n: "-" + "1" * n),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-0", "0.0", "5e0", "true", "null", "{}", "[]",
                     '"\\ud800"', '"\\u0000"', "1_000"]),
    st.integers(min_value=1, max_value=50_000).map(lambda n: "[" * n + "]" * n),  # deeply nested arrays
    st.integers(min_value=1, max_value=50_000).map(lambda n: '{"a":' * n + "0" + "}" * n),
)


@st.composite
def valid_records(draw) -> dict:
    text = draw(st.text(st.sampled_from(_LETTERS), min_size=1, max_size=40))
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), min_size=draw(st.sampled_from([0, 2, 4, 6])),
                                    max_size=8))))
    entities = []
    for a, b in zip(cuts[::2], cuts[1::2]):
        if a < b:
            entities.append({"start": a, "end": b, "label": draw(st.sampled_from(LABELS)), "text": text[a:b]})
    rec: dict = {"id": draw(st.text(min_size=1, max_size=10)), "text": text, "entities": entities}
    if draw(st.booleans()):
        rec["meta"] = {"doc": "d", "date": "2019-01-02", "split": draw(st.sampled_from(["train", "dev", "test"]))}
    return rec


def _targets(rec: dict) -> list[dict]:
    """The objects a mutation may change: the record, its meta and its entity objects."""
    out = [rec]
    if isinstance(rec.get("meta"), dict):
        out.append(rec["meta"])
    if isinstance(rec.get("entities"), list):
        out.extend(e for e in rec["entities"] if isinstance(e, dict))
    return out


@st.composite
def mutated_lines(draw) -> str:
    rec = draw(valid_records())
    raws: dict[str, str] = {}
    for _ in range(draw(st.integers(0, 4))):
        targets = _targets(rec)
        obj = draw(st.sampled_from(targets))
        keys = list(obj)
        op = draw(st.sampled_from(["drop", "rename", "retype", "shift", "text", "raw", "add", "entity", "entities"]))
        if op == "drop" and keys:
            del obj[draw(st.sampled_from(keys))]
        elif op == "rename" and keys:
            k = draw(st.sampled_from(keys))
            obj[draw(st.text(max_size=6))] = obj.pop(k)
        elif op == "retype" and keys:
            obj[draw(st.sampled_from(keys))] = draw(json_values)
        elif op == "shift" and obj is not rec and obj is not rec.get("meta"):
            k = draw(st.sampled_from(["start", "end"]))
            if isinstance(obj.get(k), int):
                obj[k] += draw(st.integers(-3, 3))
        elif op == "text":
            rec["text"] = draw(st.text(max_size=30))
        elif op == "raw" and keys:
            marker = f"@@raw{len(raws)}@@"
            raws[marker] = draw(RAW_VALUES)
            obj[draw(st.sampled_from(keys))] = marker
        elif op == "add":
            obj[draw(st.text(max_size=6))] = draw(json_values)
        elif op == "entity" and isinstance(rec.get("entities"), list):
            rec["entities"].insert(draw(st.integers(0, len(rec["entities"]))), draw(json_values))
        elif op == "entities":
            rec["entities"] = draw(json_values)
    line = json.dumps(rec, ensure_ascii=draw(st.booleans()))
    for marker, raw in raws.items():
        line = line.replace(json.dumps(marker), raw)
    tail = draw(st.sampled_from(["none", "none", "none", "truncate", "insert", "wrap", "dup"]))
    if tail == "truncate":
        line = line[: draw(st.integers(0, max(0, len(line) - 1)))]
    elif tail == "insert":
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.text(min_size=1, max_size=3)) + line[at:]
    elif tail == "wrap":
        line = draw(st.sampled_from(["[{0}]", "{0}\n{0}", "{0} x", "\ufeff{0}", " {0} ", "{0}\r"])).format(line)
    elif tail == "dup" and line.endswith("}"):
        line = line[:-1] + ', "entities": []}'  # a duplicate key: the last one wins
    return line


def _expected_entities(line: str):
    """What a correct loader must return for ``line``: the parsed entity list, or None when it is unloadable."""
    try:
        raw = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(raw, dict):
        return None
    return raw.get("entities", [])


def check_contract(line: str, parse=parse_record) -> tuple[Document | None, list[Problem]]:
    doc, problems = parse(line, WHERE)
    assert isinstance(problems, list)
    for p in problems:
        assert isinstance(p, Problem)
        assert p.where == WHERE
        assert str(p).startswith(WHERE)
        assert isinstance(p.message, str) and p.message
    if doc is None:
        assert problems, "no document and no problem: the line was silently dropped"
        return doc, problems
    assert problems == [], "a document was loaded although problems were reported"
    raw = json.loads(line)
    assert isinstance(raw, dict)
    assert doc.id == raw["id"] and isinstance(doc.id, str) and doc.id
    assert doc.text == raw["text"]
    expected = raw.get("entities", [])
    assert isinstance(expected, list)
    assert len(doc.entities) == len(expected), "entities were dropped without a problem"
    for got, want in zip(doc.entities, expected):
        assert isinstance(want, dict) and set(want) == {"start", "end", "label", "text"}
        assert type(want["start"]) is int and type(want["end"]) is int
        assert (got.start, got.end, got.label, got.text) == (want["start"], want["end"], want["label"], want["text"])
        assert type(got.start) is int and type(got.end) is int
        assert doc.text[got.start : got.end] == got.text
        assert 0 <= got.start < got.end <= len(doc.text)
    assert isinstance(doc.meta, dict)
    # whatever the loader accepts, the validator must be able to check without crashing
    for p in check_document(doc) + check_corpus([doc, doc], {"fuzz.jsonl": "train"}):
        assert str(p)
    return doc, problems


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_lines())
@example('{"id": "a", "text": "ab", "entities": [{"start": ' + "9" * 5000 + ', "end": 1, "label": "X", "text": "a"}]}')
@example('{"id": ' + "1" * 4301 + "}")
@example("[" * 100_000 + "]" * 100_000)
@example('{"id": "a", "text": "ab", "entities": [{"start": NaN, "end": 1, "label": "DATE", "text": "a"}]}')
@example('{"id": "a", "text": "ab", "entities": [{"start": 0, "end": 1e400, "label": "DATE", "text": "a"}]}')
@example('{"id": "a", "text": "ab", "entities": [{"start": false, "end": true, "label": "DATE", "text": "a"}]}')
@example('{"id": "a", "text": "ab", "entities": [{"start": 0, "end": 1, "label": "DATE", "text": "a"}, 5]}')
@example('{"id": "a", "text": "\\ud800b", "entities": [{"start": 0, "end": 1, "label": "DATE", "text": "\\ud800"}]}')
@example('{"id": "a", "text": "ab", "entities": [{"start": 0, "end": 1, "label": "DATE", "text": "a"}], '
         '"entities": []}')
@example('{"id": "a", "text": "ab"}')
@example("")
@example("null")
def test_parse_record_contract(line):
    check_contract(line)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_records())
def test_valid_records_load_exactly(rec):
    line = json.dumps(rec, ensure_ascii=False)
    doc, problems = check_contract(line)
    assert doc is not None and problems == []
    assert json.loads(doc.to_json())["entities"] == rec["entities"]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(mutated_lines(), min_size=1, max_size=5))
def test_read_jsonl_keeps_line_numbers(tmp_path, lines):
    lines = [ln.replace("\n", " ") for ln in lines]
    f = tmp_path / "fuzz.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    try:
        f.read_bytes().decode("utf-8")
    except UnicodeDecodeError:  # a lone surrogate written raw: the whole file is reported as not UTF-8
        docs, problems = read_jsonl(f)
        assert docs == [] and len(problems) == 1 and "not UTF-8" in problems[0].message
        return
    docs, problems = read_jsonl(f)
    loaded = {d.source for d in docs}
    for n, line in enumerate(lines, start=1):
        where = f"{f}:{n}"
        if not line.strip():
            continue
        bad = [p for p in problems if p.where == where]
        assert (where in loaded) != bool(bad), (where, line[:200], bad)


def test_huge_int_offset_is_reported_not_raised():
    line = '{"id": "a", "text": "ab", "entities": [{"start": ' + "9" * 5000 + ', "end": 1, "label": "X", "text": "a"}]}'
    doc, problems = parse_record(line, WHERE)
    assert doc is None
    assert len(problems) == 1 and problems[0].message.startswith("invalid JSON (")


def test_nan_offset_is_reported():
    line = '{"id": "a", "text": "ab", "entities": [{"start": NaN, "end": 1, "label": "DATE", "text": "a"}]}'
    doc, problems = parse_record(line, WHERE)
    assert doc is None
    assert [p.message for p in problems] == [
        "entity 0 has start=nan end=1, expected integers; write character offsets"
    ]
    assert math.isnan(json.loads(line, parse_constant=float)["entities"][0]["start"])


def test_the_contract_catches_a_lossy_loader():
    """A loader that keeps the good entities and silently drops a bad one must fail the contract."""

    def lossy(line, where):
        raw = json.loads(line)
        raw["entities"] = [e for e in raw["entities"] if isinstance(e, dict)]
        return parse_record(json.dumps(raw), where)

    line = '{"id": "a", "text": "ab", "entities": [{"start": 0, "end": 1, "label": "DATE", "text": "a"}, 5]}'
    check_contract(line)
    try:
        check_contract(line, lossy)
    except AssertionError as exc:
        assert "dropped" in str(exc)
    else:
        raise AssertionError("the contract did not notice a dropped entity")
