"""CoNLL BIO <-> JSONL records (train.conll) and ``war-ner convert``."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from model.spans import Entity, spans_to_bio
from model.words import split_words
from train.cli import main
from train.conll import ConllError, document_to_conll, is_conll_path, read_conll, write_conll
from train.corpus import Document, read_jsonl, write_jsonl_atomic
from train.markup import parse_sentence

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
ANERCORP_TEST = SHARED / "anercorp" / "ANERCorp_CamelLab_test.txt"
WOJOOD_TEST = SHARED / "wojood_sample" / "wojood_sample_test.txt"

# several types, multi-word entities, entities at sentence start and end, one-word sentence
CONLL = """\
قصفت O
طائرات O
التحالف B-ORG
الدولي I-ORG
مواقع O
في O
حي B-LOC
الصناعة I-LOC
. O

التقى O
سامر B-PERS
نادر I-PERS
بقادة O
الفرقة B-ORG
الرابعة I-ORG
صباح B-DATE
الجمعة I-DATE

حلب B-LOC
ودمشق B-LOC
وحمص B-LOC
، O
بحسب O
وكالة B-ORG
الأنباء I-ORG

هدوء O
"""


def write(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


def to_conll(docs) -> str:
    buf = io.StringIO()
    write_conll(docs, buf)
    return buf.getvalue()


# ---------------------------------------------------------------- reading


def test_read_conll_records(tmp_path):
    f = write(tmp_path / "small.conll", CONLL)
    docs = read_conll(f)
    assert [d.id for d in docs] == ["small-1", "small-2", "small-3", "small-4"]
    assert [d.source for d in docs] == [f"{f}:1", f"{f}:11", f"{f}:20", f"{f}:28"]
    d = docs[0]
    assert d.text == "قصفت طائرات التحالف الدولي مواقع في حي الصناعة ."
    assert d.meta == {}
    assert d.entities == [Entity(12, 26, "ORG", "التحالف الدولي"), Entity(36, 46, "LOC", "حي الصناعة")]
    for doc in docs:
        for e in doc.entities:
            assert doc.text[e.start : e.end] == e.text
    assert [(e.label, e.text) for e in docs[2].entities] == [
        ("LOC", "حلب"), ("LOC", "ودمشق"), ("LOC", "وحمص"), ("ORG", "وكالة الأنباء")
    ]
    assert docs[3].entities == []


def test_conll_round_trip_identical_bytes(tmp_path):
    f = write(tmp_path / "small.conll", CONLL)
    docs = read_conll(f)
    out = tmp_path / "again.conll"
    with open(out, "w", encoding="utf-8") as fh:
        write_conll(docs, fh)
    assert out.read_bytes() == (CONLL + "\n").encode("utf-8")  # the writer ends every sentence with a blank line
    # and a file that already ends with a blank line round-trips byte for byte
    f2 = write(tmp_path / "closed.conll", CONLL + "\n")
    assert to_conll(read_conll(f2)).encode("utf-8") == f2.read_bytes()


def test_orphan_i_tag_opens_an_entity(tmp_path):
    content = "وصلت O\nالتعزيزات O\nإلى O\nمدينة I-LOC\nإدلب I-LOC\nأمس I-DATE\n\n"
    f = write(tmp_path / "orphan.conll", content)
    [doc] = read_conll(f)
    assert [(e.label, e.text) for e in doc.entities] == [("LOC", "مدينة إدلب"), ("DATE", "أمس")]
    written = to_conll([doc])
    assert written == "وصلت O\nالتعزيزات O\nإلى O\nمدينة B-LOC\nإدلب I-LOC\nأمس B-DATE\n\n"
    # the normalised form is a fixed point
    f2 = write(tmp_path / "norm.conll", written)
    assert to_conll(read_conll(f2)) == written


def test_orphan_i_after_other_type(tmp_path):
    f = write(tmp_path / "o.conll", "أ B-ORG\nب I-LOC\nج I-LOC\n")
    [doc] = read_conll(f)
    assert [(e.label, e.text) for e in doc.entities] == [("ORG", "أ"), ("LOC", "ب ج")]


def test_extra_tag_columns_are_ignored(tmp_path):
    content = "بلدية B-ORG B-GPE\nالمدينة I-ORG B-LOC\nقالت O\nالوزيرة B-PERS B-OCC I-X\n\n"
    f = write(tmp_path / "nested.txt", content)
    [doc] = read_conll(f)
    assert [(e.label, e.text) for e in doc.entities] == [("ORG", "بلدية المدينة"), ("PERS", "الوزيرة")]
    assert to_conll([doc]) == "بلدية B-ORG\nالمدينة I-ORG\nقالت O\nالوزيرة B-PERS\n\n"


def test_blank_lines_whitespace_and_crlf(tmp_path):
    content = "\n\nأ\tB-LOC\r\n  ب   I-LOC  \r\n \t \r\n\r\n\nج O\r\n"
    f = write(tmp_path / "ws.conll", content)
    docs = read_conll(f)
    assert [d.text for d in docs] == ["أ ب", "ج"]
    assert docs[0].entities == [Entity(0, 3, "LOC", "أ ب")]
    assert [d.source for d in docs] == [f"{f}:3", f"{f}:8"]


def test_empty_file(tmp_path):
    assert read_conll(write(tmp_path / "e.conll", "")) == []
    assert read_conll(write(tmp_path / "e2.conll", "\n\n  \n")) == []


@pytest.mark.parametrize(
    "content, line, pattern",
    [
        ("أ O\nب\nج O\n", 2, r"found 'ب', expected 'token TAG'; add the tag column"),
        ("أ O\n\nب O\nج LOC\n", 4, r"tag 'LOC' is not BIO; expected O, B-TYPE or I-TYPE"),
        ("أ B-\n", 1, r"tag 'B-' is not BIO"),
        ("أ S-LOC\n", 1, r"tag 'S-LOC' is not BIO"),
        ("أ o\n", 1, r"tag 'o' is not BIO"),
    ],
)
def test_bad_line_error(tmp_path, content, line, pattern):
    f = write(tmp_path / "bad.conll", content)
    with pytest.raises(ConllError, match=f"^{re.escape(str(f))}:{line}: {pattern}"):
        read_conll(f)


def test_conll_error_is_a_value_error():
    assert issubclass(ConllError, ValueError)


def test_is_conll_path():
    assert is_conll_path("a.txt") and is_conll_path("b.CONLL") and is_conll_path("c.bio") and is_conll_path("d.iob")
    assert not is_conll_path("train.jsonl")


# ---------------------------------------------------------------- JSONL -> CoNLL -> JSONL


MARKED = [
    "تقدمت [[FACTION|وقوات النظام]] نحو [[LOCATION|قرية الصفصاف]]، [[DATE|صباح الأحد]].",
    "أعلنت [[FACTION|القوات التركية]] بدء [[OPERATION|عملية “درع الشمال”]] قرب [[LOCATION|بمدينة الحسكة]].",
    "قُتل [[CASUALTY|١٢]] مدنياً في [[DATE|الـ 3 من آذار]] (بحسب مصادر)، وأصيب [[CASUALTY|نحو ٣٠]].",
    "لا جديد   اليوم\u200fعلى الجبهات؟!",
    "[[LOCATION|حلب]]",
]


def marked_docs() -> list[Document]:
    docs = []
    for n, line in enumerate(MARKED, start=1):
        text, entities, messages = parse_sentence(line, f"m:{n}")
        assert messages == []
        docs.append(Document(f"m-{n}", text, entities, {"doc": "m", "date": "2020-01-01", "split": "train"}))
    return docs


def words_and_tags(doc: Document) -> tuple[list[str], list[str]]:
    words = split_words(doc.text)
    return [w.text for w in words], spans_to_bio(words, doc.entities)


def test_jsonl_conll_jsonl_keeps_words_and_tags(tmp_path):
    docs = marked_docs()
    write_jsonl_atomic(tmp_path / "train.jsonl", docs)
    loaded, problems = read_jsonl(tmp_path / "train.jsonl")
    assert problems == []
    conll = write(tmp_path / "train.conll", to_conll(loaded))
    back = read_conll(conll)
    assert len(back) == len(docs)
    for before, after in zip(docs, back):
        assert words_and_tags(after) == words_and_tags(before)
        assert [e.label for e in after.entities] == [e.label for e in before.entities]
        assert [e.text.split() for e in after.entities] == [
            [w.text for w in split_words(e.text)] for e in before.entities
        ]
    # the CoNLL text is the words joined by single spaces
    assert back[0].text == "تقدمت وقوات النظام نحو قرية الصفصاف ، صباح الأحد ."
    assert back[3].text == "لا جديد اليوم على الجبهات ؟ !"


def test_document_to_conll():
    doc = marked_docs()[1]
    lines = document_to_conll(doc).split("\n")
    assert lines[-2:] == ["", ""]
    assert "عملية B-OPERATION" in lines and "“ I-OPERATION" in lines and "” I-OPERATION" in lines
    assert "بمدينة B-LOCATION" in lines and ". O" in lines


def test_document_to_conll_misaligned_span_raises():
    doc = Document("x", "وقوات النظام", [Entity(1, 12, "FACTION", "قوات النظام")])
    with pytest.raises(ValueError, match="does not start and end on word boundaries"):
        document_to_conll(doc)


# ---------------------------------------------------------------- CLI convert


def test_cli_convert_both_directions(tmp_path, capsys):
    src = write(tmp_path / "small.conll", CONLL + "\n")
    jsonl = tmp_path / "small.jsonl"
    assert main(["convert", str(src), "--to", "jsonl", "--out", str(jsonl)]) == 1  # ORG, PERS: not our types
    assert "unknown label 'ORG'" in capsys.readouterr().err and not jsonl.exists()
    assert main(["convert", str(src), "--to", "jsonl", "--out", str(jsonl), "--any-labels"]) == 0
    assert "4 sentences -> " in capsys.readouterr().err
    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["small-1", "small-2", "small-3", "small-4"]
    assert records[0]["entities"][0] == {"start": 12, "end": 26, "label": "ORG", "text": "التحالف الدولي"}
    assert main(["validate", "--any-labels", str(jsonl)]) == 1  # no meta: CoNLL records have no report
    capsys.readouterr()

    back = tmp_path / "back.conll"
    assert main(["convert", str(jsonl), "--to", "conll", "--out", str(back), "--any-labels"]) == 0
    assert back.read_bytes() == src.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["back.conll", "small.conll", "small.jsonl"]


def test_cli_convert_jsonl_dir_to_conll(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    write_jsonl_atomic(corpus / "train.jsonl", marked_docs()[:3])
    write_jsonl_atomic(corpus / "dev.jsonl", marked_docs()[3:])
    out = tmp_path / "all.conll"
    assert main(["convert", str(corpus), "--to", "conll", "--out", str(out)]) == 0
    capsys.readouterr()
    docs = read_conll(out)
    assert len(docs) == 5
    expected = marked_docs()[3:] + marked_docs()[:3]  # dev.jsonl sorts before train.jsonl
    for got, want in zip(docs, expected):
        assert words_and_tags(got) == words_and_tags(want)


def test_cli_convert_errors(tmp_path, capsys):
    bad = write(tmp_path / "bad.conll", "أ O\nب\n")
    out = tmp_path / "x.jsonl"
    assert main(["convert", str(bad), "--to", "jsonl", "--out", str(out)]) == 2
    assert f"war-ner convert: error: {bad}:2: found 'ب'" in capsys.readouterr().err
    assert not out.exists()

    assert main(["convert", str(tmp_path / "missing.conll"), "--to", "jsonl", "--out", str(out)]) == 2
    assert "no such file or directory" in capsys.readouterr().err

    # a span off word boundaries: error, no output and no temporary file left behind
    misaligned = tmp_path / "m.jsonl"
    misaligned.write_text(json.dumps({"id": "a", "text": "وقوات النظام", "entities": [
        {"start": 1, "end": 12, "label": "FACTION", "text": "قوات النظام"}]}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    target = tmp_path / "m.conll"
    assert main(["convert", str(misaligned), "--to", "conll", "--out", str(target)]) == 1  # a problem found
    assert "does not start and end on word boundaries" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.conll", "m.jsonl"]


# ---------------------------------------------------------------- real corpora (when present)


@pytest.mark.skipif(not ANERCORP_TEST.exists(), reason=f"ANERcorp test split not found at {ANERCORP_TEST}")
def test_anercorp_test_split_counts():
    docs = read_conll(ANERCORP_TEST)
    assert len(docs) == 925
    assert sum(len(d.text.split(" ")) for d in docs) == 25_008
    assert {e.label for d in docs for e in d.entities} == {"PERS", "LOC", "ORG", "MISC"}
    for d in docs:
        for e in d.entities:
            assert d.text[e.start : e.end] == e.text


@pytest.mark.skipif(not WOJOOD_TEST.exists(), reason=f"Wojood sample not found at {WOJOOD_TEST}")
def test_wojood_sample_nested_reads():
    docs = read_conll(WOJOOD_TEST)
    assert len(docs) == 357
    assert sum(len(d.text.split(" ")) for d in docs) == 5_344
