"""Authoring markup ``[[LABEL|text]]`` -> records with computed offsets (train.markup)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from model.spans import Entity
from model.words import split_words
from train.cli import main
from train.corpus import read_jsonl
from train.markup import check_markup, markup_to_jsonl, parse_markup, parse_sentence
from train.validate import check_document, validate_paths

REPORT_A = """\
# doc: t-alpha
# date: 2016-10-17
# split: train
تقدمت [[FACTION|وقوات النظام]] نحو [[LOCATION|قرية الصفصاف]] [[DATE|صباح الأحد]].
أعلنت [[FACTION|القوات التركية]] بدء [[OPERATION|عملية “درع الشمال”]] قرب [[LOCATION|بمدينة الحسكة]].
قُتل [[CASUALTY|١٢]] مدنياً في [[DATE|الـ 3 من آذار]]، وأصيب [[CASUALTY|نحو ٣٠]] آخرين.
"""

REPORT_B = """\
# doc: t-beta
# date: 2020-02-29
# split: dev
سقط [[CASUALTY|عشرات]] الجرحى في قصف [[FACTION|جيـش الفتح]] على [[LOCATION|حي “الزهور”]].

# doc: t-gamma
# date: 2021-07-01
# split: test
لم تسجل أي خسائر بشرية.
اندلعت اشتباكات بين [[FACTION|والحشد]] [[FACTION|والبيشمركة]] ليلاً.
"""


def write(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


def texts_of(problems) -> list[str]:
    return [str(p) for p in problems]


# ---------------------------------------------------------------- parse_sentence


@pytest.mark.parametrize(
    "line, text, surfaces",
    [
        ("تقدمت [[FACTION|وقوات النظام]] نحو [[LOCATION|قرية الصفصاف]].",
         "تقدمت وقوات النظام نحو قرية الصفصاف.", ["وقوات النظام", "قرية الصفصاف"]),
        ("بدأت [[OPERATION|عملية “درع الشمال”]] [[DATE|فجر اليوم]]",
         "بدأت عملية “درع الشمال” فجر اليوم", ["عملية “درع الشمال”", "فجر اليوم"]),
        ("في [[DATE|الـ 3 من آذار]] قُتل [[CASUALTY|١٢]] شخصاً",
         "في الـ 3 من آذار قُتل ١٢ شخصاً", ["الـ 3 من آذار", "١٢"]),
        ("[[CASUALTY|ما لا يقل عن ١٥]] مدنياً [[LOCATION|بريف]]",
         "ما لا يقل عن ١٥ مدنياً بريف", ["ما لا يقل عن ١٥", "بريف"]),
        ("«نص» [[FACTION|جيـــش الفتح]]، ثم [[LOCATION|لنهر الخابور]]!",
         "«نص» جيـــش الفتح، ثم لنهر الخابور!", ["جيـــش الفتح", "لنهر الخابور"]),
        ("لا شيء هنا.", "لا شيء هنا.", []),
    ],
)
def test_parse_sentence_offsets(line, text, surfaces):
    got_text, entities, messages = parse_sentence(line, "x:1")
    assert messages == []
    assert got_text == text
    assert [e.text for e in entities] == surfaces
    for e in entities:
        assert got_text[e.start : e.end] == e.text
    starts = {w.start for w in split_words(got_text)}
    ends = {w.end for w in split_words(got_text)}
    assert all(e.start in starts and e.end in ends for e in entities)


def test_parse_sentence_exact_offsets():
    text, entities, messages = parse_sentence("قصفت [[FACTION|طائرات]] [[LOCATION|وتل أبيض]].", "x:1")
    assert text == "قصفت طائرات وتل أبيض."
    assert entities == [Entity(5, 11, "FACTION", "طائرات"), Entity(12, 20, "LOCATION", "وتل أبيض")]
    assert messages == []


def test_parse_sentence_adjacent_marks():
    text, entities, _ = parse_sentence("[[DATE|أمس]][[LOCATION|حمص]]", "x:1")
    assert text == "أمسحمص"
    assert entities == [Entity(0, 3, "DATE", "أمس"), Entity(3, 6, "LOCATION", "حمص")]


def test_parse_sentence_unknown_label():
    _, _, messages = parse_sentence("هاجم [[ARMY|الجيش]] البلدة", "x:1")
    assert messages == ["unknown label 'ARMY' in '[[ARMY|الجيش]]'; expected one of "
                        "FACTION, LOCATION, OPERATION, CASUALTY, DATE, PERSON"]


def test_parse_sentence_custom_labels():
    _, entities, messages = parse_sentence("هاجم [[ARMY|الجيش]]", "x:1", labels=("ARMY",))
    assert messages == [] and entities[0].label == "ARMY"


@pytest.mark.parametrize("line", ["هاجم [[FACTION|الجيش البلدة", "هاجم [[FACTION الجيش]] البلدة",
                                  "هاجم الجيش]] البلدة", "[[FACTION|[[LOCATION|حمص]]]]"])
def test_parse_sentence_unclosed_or_nested(line):
    _, _, messages = parse_sentence(line, "x:1")
    assert any(re.match(r"stray '(\[\[|\]\])' left after parsing; expected \[\[LABEL\|text\]\] marks, closed, "
                        r"not nested", m) for m in messages), messages


def test_parse_sentence_empty_entity():
    _, _, messages = parse_sentence("هاجم [[FACTION| ]] البلدة", "x:1")
    assert messages == ["empty entity '[[FACTION| ]]'; expected [[LABEL|text]] with text"]


# ---------------------------------------------------------------- parse_markup


def test_parse_markup_ids_meta_and_offsets(tmp_path):
    f = write(tmp_path / "a.txt", REPORT_A + "\n" + REPORT_B)
    docs, problems = parse_markup(f)
    assert problems == []
    assert [d.id for d in docs] == ["t-alpha-1", "t-alpha-2", "t-alpha-3", "t-beta-1", "t-gamma-1", "t-gamma-2"]
    assert docs[0].meta == {"doc": "t-alpha", "date": "2016-10-17", "split": "train"}
    assert docs[3].meta == {"doc": "t-beta", "date": "2020-02-29", "split": "dev"}
    assert docs[5].meta["split"] == "test"
    assert docs[0].source == f"{f}:4"
    assert docs[3].source == f"{f}:11"
    assert docs[4].entities == []
    for d in docs:
        assert "[[" not in d.text and "]]" not in d.text
        for e in d.entities:
            assert d.text[e.start : e.end] == e.text
        assert check_document(d) == [], d.id
    labels = [(e.label, e.text) for e in docs[1].entities]
    assert labels == [("FACTION", "القوات التركية"), ("OPERATION", "عملية “درع الشمال”"),
                      ("LOCATION", "بمدينة الحسكة")]
    assert [e.text for e in docs[2].entities] == ["١٢", "الـ 3 من آذار", "نحو ٣٠"]


def test_header_variants_and_crlf(tmp_path):
    content = "#doc:t-crlf\r\n#  date :  2019-05-06  \r\n# split: test\r\n  نص [[DATE|أمس]] هنا  \r\n"
    f = write(tmp_path / "c.txt", content)
    docs, problems = parse_markup(f)
    assert problems == []
    [d] = docs
    assert d.id == "t-crlf-1"
    assert d.meta == {"doc": "t-crlf", "date": "2019-05-06", "split": "test"}
    assert d.text == "نص أمس هنا"
    assert d.entities == [Entity(3, 6, "DATE", "أمس")]


def test_next_doc_header_restarts_numbering(tmp_path):
    f = write(tmp_path / "n.txt", "# doc: r1\n# date: 2019-01-01\n# split: train\nأ.\nب.\n# doc: r2\n"
                                  "# date: 2019-01-02\n# split: train\nج.\n")
    docs, problems = parse_markup(f)
    assert problems == []
    assert [(d.id, d.text, d.meta["doc"]) for d in docs] == [("r1-1", "أ.", "r1"), ("r1-2", "ب.", "r1"),
                                                            ("r2-1", "ج.", "r2")]


def test_missing_date_and_split_are_none(tmp_path):
    f = write(tmp_path / "m.txt", "# doc: r1\nجملة.\n")
    docs, problems = parse_markup(f)
    assert problems == []
    assert docs[0].meta == {"doc": "r1", "date": None, "split": None}
    _, all_problems = check_markup([f])
    assert texts_of(all_problems) == [
        f"{f}:2 r1-1: meta.split is None; expected one of train, dev, test",
        f"{f}:2 r1-1: meta.date is None; expected the report date as YYYY-MM-DD",
    ]


def test_sentence_before_doc(tmp_path):
    f = write(tmp_path / "s.txt", "جملة بلا تقرير.\n# doc: r1\n# date: 2019-01-01\n# split: dev\nجملة.\n")
    docs, problems = parse_markup(f)
    assert texts_of(problems) == [
        f"{f}:1: sentence before any '# doc:' line; start the report with its header"
    ]
    assert [d.id for d in docs] == ["r1-1"]


def test_blank_line_ends_the_report(tmp_path):
    """GUIDELINES: a blank line ends the report, so a sentence after it needs a new header."""
    f = write(tmp_path / "b.txt", "# doc: r1\n# date: 2019-01-01\n# split: dev\nجملة.\n\nجملة يتيمة.\n")
    docs, problems = parse_markup(f)
    assert [d.id for d in docs] == ["r1-1"]
    assert texts_of(problems) == [f"{f}:6: sentence before any '# doc:' line; start the report with its header"]


def test_header_before_doc(tmp_path):
    f = write(tmp_path / "h.txt", "# date: 2019-01-01\n# doc: r1\n# split: dev\nجملة.\n")
    docs, problems = parse_markup(f)
    assert texts_of(problems) == [f"{f}:1: '# date:' before any '# doc:' line; expected '# doc:' first"]
    assert docs[0].meta == {"doc": "r1", "date": None, "split": "dev"}


@pytest.mark.parametrize("line", ["# source: رويترز", "#note", "  # doc r1"])
def test_unknown_header(tmp_path, line):
    f = write(tmp_path / "u.txt", f"# doc: r1\n# date: 2019-01-01\n# split: dev\n{line}\nجملة.\n")
    docs, problems = parse_markup(f)
    assert texts_of(problems) == [
        f"{f}:4: unknown header {line!r}; expected '# doc:', '# date:', '# split:' or '# incident:'"
    ]
    assert [d.id for d in docs] == ["r1-1"]


def test_markup_errors_carry_line_and_id(tmp_path):
    f = write(tmp_path / "e.txt", "# doc: r1\n# date: 2019-01-01\n# split: dev\nجملة سليمة.\n"
                                  "هاجم [[ARMY|الجيش]] و[[FACTION|الشرطة البلدة.\n")
    _, problems = parse_markup(f)
    got = texts_of(problems)
    assert len(got) == 2
    assert got[0].startswith(f"{f}:5 r1-2: unknown label 'ARMY' in '[[ARMY|الجيش]]'")
    assert got[1].startswith(f"{f}:5 r1-2: stray '[[' left after parsing")


# ---------------------------------------------------------------- check_markup (every validator rule)


def test_check_markup_misaligned_clitic(tmp_path):
    f = write(tmp_path / "k.txt", "# doc: r1\n# date: 2019-01-01\n# split: train\n"
                                  "تقدمت و[[FACTION|قوات النظام]] نحو البلدة.\n")
    _, problems = check_markup([f])
    assert texts_of(problems) == [
        f"{f}:4 r1-1: entity FACTION 'قوات النظام' at 7-18: span does not start and end on word boundaries; "
        "expected whole words; extend it (a glued clitic such as و/ب/ل belongs inside the span)"
    ]


def test_check_markup_whitespace_in_mark_and_bad_meta(tmp_path):
    f = write(tmp_path / "w.txt", "# doc: r1\n# date: 2019-02-30\n# split: validation\n"
                                  "وصلت [[FACTION|التعزيزات ]] اليوم.\n")
    _, problems = check_markup([f])
    got = texts_of(problems)
    assert len(got) == 3
    assert got[0].startswith(f"{f}:4 r1-1: entity FACTION 'التعزيزات ' at 5-15: span has whitespace at its edge")
    assert got[1] == f"{f}:4 r1-1: meta.split is 'validation'; expected one of train, dev, test"
    assert got[2] == f"{f}:4 r1-1: meta.date is '2019-02-30'; expected the report date as YYYY-MM-DD"


def test_check_markup_across_files(tmp_path):
    a = write(tmp_path / "a.txt", "# doc: r1\n# date: 2019-01-01\n# split: train\nجملة أولى.\n")
    b = write(tmp_path / "b.txt", "# doc: r1\n# date: 2019-01-01\n# split: dev\nجملة أولى.\n")
    _, problems = check_markup([a, b])
    got = texts_of(problems)
    assert got[0] == f"{b}:4 r1-1: duplicate id (first at {a}:4); expected unique ids across all files; rename one"
    assert got[1].startswith(f"{b}:4 r1-1: report 'r1' is in dev and in train ({a}:4)")
    assert got[2].startswith(f"{b}:4 r1-1: the same sentence is in dev and in train ({a}:4 r1-1)")
    assert len(got) == 3


# ---------------------------------------------------------------- markup_to_jsonl


def test_markup_to_jsonl_writes_valid_splits(tmp_path):
    src = tmp_path / "markup"
    src.mkdir()
    write(src / "one.txt", REPORT_A)
    write(src / "two.txt", REPORT_B)
    write(src / "ignored.md", "not markup")
    out = tmp_path / "out"
    counts = markup_to_jsonl([src], out)
    assert counts == {"train": 3, "dev": 1, "test": 2}
    assert sorted(p.name for p in out.iterdir()) == ["dev.jsonl", "test.jsonl", "train.jsonl"]
    assert validate_paths([out]) == []
    docs, problems = read_jsonl(out / "train.jsonl")
    assert problems == []
    assert [d.id for d in docs] == ["t-alpha-1", "t-alpha-2", "t-alpha-3"]
    first = json.loads((out / "train.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first == {
        "id": "t-alpha-1",
        "text": "تقدمت وقوات النظام نحو قرية الصفصاف صباح الأحد.",
        "entities": [
            {"start": 6, "end": 18, "label": "FACTION", "text": "وقوات النظام"},
            {"start": 23, "end": 35, "label": "LOCATION", "text": "قرية الصفصاف"},
            {"start": 36, "end": 46, "label": "DATE", "text": "صباح الأحد"},
        ],
        "meta": {"doc": "t-alpha", "date": "2016-10-17", "split": "train"},
    }
    raw = (out / "dev.jsonl").read_text(encoding="utf-8")
    assert "“الزهور”" in raw  # written as UTF-8, not \\u escapes
    assert not list(out.glob(".*.tmp"))


def test_markup_to_jsonl_empty_split_file_is_written(tmp_path):
    f = write(tmp_path / "only.txt", REPORT_A)
    counts = markup_to_jsonl([f], tmp_path / "out")
    assert counts == {"train": 3, "dev": 0, "test": 0}
    assert (tmp_path / "out" / "dev.jsonl").read_text(encoding="utf-8") == ""


@pytest.mark.parametrize("bad", [
    "قتل [[ARMY|أحمد]] اليوم.",             # unknown label
    "قتل [[CASUALTY|3 اليوم.",             # unclosed mark
    "قتل و[[FACTION|الحرس]] اليوم.",        # misaligned span (clitic outside)
])
def test_markup_to_jsonl_writes_nothing_on_problems(tmp_path, bad):
    src = tmp_path / "markup"
    src.mkdir()
    write(src / "one.txt", REPORT_A)
    write(src / "two.txt", f"# doc: t-bad\n# date: 2019-01-01\n# split: dev\n{bad}\n")
    out = tmp_path / "out"
    out.mkdir()
    before = {"train.jsonl": "OLD TRAIN\n", "dev.jsonl": "OLD DEV\n"}
    for name, content in before.items():
        write(out / name, content)
    with pytest.raises(ValueError, match=r"^.*two\.txt:4 t-bad-1: .*\(nothing was written\)$"):
        markup_to_jsonl([src], out)
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == before


def test_markup_to_jsonl_new_out_dir_not_created_on_problems(tmp_path):
    f = write(tmp_path / "x.txt", "جملة قبل الترويسة.\n")
    with pytest.raises(ValueError, match="nothing was written"):
        markup_to_jsonl([f], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_markup(tmp_path, capsys):
    src = tmp_path / "markup"
    src.mkdir()
    write(src / "a.txt", REPORT_A + "\n" + REPORT_B)
    out = tmp_path / "out"
    assert main(["markup", str(src), "--out-dir", str(out)]) == 0
    assert json.loads(capsys.readouterr().out) == {"train": 3, "dev": 1, "test": 2}
    assert main(["validate", str(out)]) == 0
    capsys.readouterr()

    write(src / "b.txt", "# doc: z\n# date: 2019-01-01\n# split: dev\n[[ARMY|جيش]]\n")
    (out / "train.jsonl").write_text("KEEP\n", encoding="utf-8")
    assert main(["markup", str(src), "--out-dir", str(out)]) == 2
    err = capsys.readouterr().err
    # one line: the first problem, how many more (parse + validator) and the command that lists them
    assert err.startswith(f"war-ner markup: error: {src / 'b.txt'}:4 z-1: unknown label 'ARMY'") and err.count("\n") == 1
    assert "(and 1 more problem(s): `war-ner markup --check " in err and err.endswith("(nothing was written)\n")
    assert (out / "train.jsonl").read_text(encoding="utf-8") == "KEEP\n"
