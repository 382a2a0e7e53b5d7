"""The alias table and the Arabic normaliser."""
from __future__ import annotations

import json

import pytest

from model.arabic import normalise_arabic, proclitic_readings, strip_clitics
from model.aliases import (
    ALIASES_PATH,
    bare_name,
    canonical_actor,
    canonical_location,
    lookup_location,
    table_size,
)


@pytest.mark.parametrize(
    "surface,expected",
    [
        ("داعش", "Islamic State"),
        ("تنظيم “الدولة الإسلامية”", "Islamic State"),
        ("لتنظيم “الدولة الإسلامية”", "Islamic State"),
        ("تنظيم الدولة", "Islamic State"),
        ("الدولة الإسلامية", "Islamic State"),
        ("التنظيم", "Islamic State"),
        ("وداعش", "Islamic State"),
        ("تنظيم داعش", "Islamic State"),
        ("تنظيم “داعش”", "Islamic State"),
        ("قسد", "Syrian Democratic Forces"),
        ("قوات سوريا الديمقراطية", "Syrian Democratic Forces"),
        ("بقوات سورية الديمقراطية", "Syrian Democratic Forces"),
        ("قوات النظام", "Military Forces of Syria"),
        ("وقوات النظام", "Military Forces of Syria"),
        ("للنظام", "Military Forces of Syria"),
        ("الجيش السوري", "Military Forces of Syria"),
        ("قوات الأسد", "Military Forces of Syria"),
        ("هيئة تحرير الشام", "Hay'at Tahrir al-Sham"),
        ("جماعة أنصار الله", "Houthis (Ansar Allah)"),
        ("الحوثيين", "Houthis (Ansar Allah)"),
        ("قوات الدعم السريع", "Rapid Support Forces"),
        ("حركة الشباب", "Al-Shabaab"),
        ("الشباب المجاهدين", "Al-Shabaab"),
        ("الحشد الشعبي", "Popular Mobilization Forces"),
        ("والحشد", "Popular Mobilization Forces"),
        ("التحالف الدولي", "International Coalition"),
        ("للتحالف الدولي", "International Coalition"),
        ("القوات التركية", "Turkish Armed Forces"),
        ("القوات الروسية", "Russian Armed Forces"),
        ("الجيش الوطني الليبي", "Libyan National Army"),
        ("قوات حفتر", "Libyan National Army"),
        ("ووحدات حماية الشعب", "People's Protection Units"),
        ("وحدات مقاومة سنجار", "Sinjar Resistance Units"),
        ("الفصائل الموالية لتركيا", "Syrian National Army"),
        # spelling variants: hamza seats, taa marbuta/haa, alef maqsura, tatweel, diacritics
        ("هيئه تحرير الشام", "Hay'at Tahrir al-Sham"),
        ("الدولـة الإسلاميـة", "Islamic State"),
        ("تَنْظِيمُ الدَّوْلَةِ", "Islamic State"),
        ("الدوله الاسلاميه", "Islamic State"),
    ],
)
def test_canonical_actor(surface: str, expected: str) -> None:
    assert canonical_actor(surface) == expected


def test_generic_forms_need_a_country() -> None:
    assert canonical_actor("الجيش") == "الجيش"  # ambiguous without context
    assert canonical_actor("الجيش", "Iraq") == "Military Forces of Iraq"
    assert canonical_actor("الجيش", "Sudan") == "Military Forces of Sudan"
    assert canonical_actor("التحالف", "Yemen") == "Saudi-led Coalition"
    assert canonical_actor("التحالف", "Syria") == "International Coalition"
    assert canonical_actor("والجيش", "Somalia") == "Military Forces of Somalia"


@pytest.mark.parametrize(
    "surface,expected",
    [
        ("وكتيبة الفرسان", "كتيبة الفرسان"),  # unknown: surface, clitic stripped
        ("لمجلس دير الزور العسكري", "مجلس دير الزور العسكري"),
        ("ولواء الباقر", "لواء الباقر"),
        ("الكانيات", "الكانيات"),
        ("وغرفة عمليات “فاثبتوا”", "غرفة عمليات “فاثبتوا”"),
    ],
)
def test_unknown_actor_keeps_its_surface(surface: str, expected: str) -> None:
    assert canonical_actor(surface) == expected


@pytest.mark.parametrize(
    "surface,expected",
    [
        ("بمدينة الرقة", "Raqqa"),
        ("الرقة", "Raqqa"),
        ("لنهر الفرات", "Euphrates River"),
        ("بالموصل", "Mosul"),
        ("وتكريت", "Tikrit"),
        ("بغداد", "Baghdad"),
        ("ببغداد", "Baghdad"),
        ("محافظة صلاح الدين", "Salah al-Din"),
        ("مقديشو", "Mogadishu"),
        ("الفاشر", "El Fasher"),
        ("وادي الشاي", "وادي الشاي"),  # و belongs to the name
        ("وسيبا شيخ خضر", "سيبا شيخ خضر"),
        ("بناحية الرياض", "ناحية الرياض"),
        ("بيجي", "Baiji"),  # ب belongs to the name
        ("وبعشيقة", "Bashiqa"),
        ("كفرنبل", "Kafr Nabl"),
    ],
)
def test_canonical_location(surface: str, expected: str) -> None:
    assert canonical_location(surface) == expected


def test_location_entries_carry_a_country() -> None:
    assert lookup_location("بمدينة الحديدة")["country"] == "Yemen"
    assert lookup_location("قرية لم يسمع بها أحد") is None


@pytest.mark.parametrize(
    "surface,expected",
    [
        ("للتحالف الدولي", "التحالف الدولي"),
        ("وللقوات التركية", "القوات التركية"),
        ("والتحالف", "التحالف"),
        ("فالتنظيم", "التنظيم"),
        ("بالرقة", "الرقة"),
        ("لـ داعش", "داعش"),
        ("و“الدولة الإسلامية”", "“الدولة الإسلامية”"),
        ("ووحدات حماية الشعب", "وحدات حماية الشعب"),
        ("لبنان", "لبنان"),
        ("كركوك", "كركوك"),
        (" ،الرقة. ", "الرقة"),
    ],
)
def test_strip_clitics(surface: str, expected: str) -> None:
    assert strip_clitics(surface) == expected
    assert bare_name(surface) == expected  # the table's words only add places a preposition may stand before


@pytest.mark.parametrize(
    "surface,alone,bare",
    [
        ("بمدينة الرقة", "بمدينة الرقة", "مدينة الرقة"),  # a head noun licenses the ب
        ("فبمدينة الرقة", "فبمدينة الرقة", "مدينة الرقة"),
        ("لقوات النظام", "لقوات النظام", "قوات النظام"),
        ("وبعشيقة", "بعشيقة", "بعشيقة"),  # the و comes off either way; بعشيقة is a name, its ب stays
    ],
)
def test_the_name_vocabulary_licenses_a_preposition(surface: str, alone: str, bare: str) -> None:
    assert strip_clitics(surface) == alone  # no vocabulary: ب/ل/ف come off only before the article
    assert bare_name(surface) == bare


@pytest.mark.parametrize(
    "word,stems",
    [
        ("وبالعشرات", ["وبالعشرات", "بالعشرات", "العشرات", "عشرات"]),
        ("للقوات", ["للقوات", "القوات", "قوات"]),
        ("فالتنظيم", ["فالتنظيم", "التنظيم", "تنظيم"]),
        ("بر", ["بر"]),  # too short to lose a letter
        ("و4", ["و4", "4"]),  # unless a figure follows
        ("لله", ["لله"]),  # لل needs two letters after it
    ],
)
def test_proclitic_readings(word: str, stems: list[str]) -> None:
    assert [r.stem for r in proclitic_readings(word)] == stems


def test_normalise_arabic() -> None:
    assert normalise_arabic("إأآٱا") == "ااااا"
    assert normalise_arabic("مدرسةٌ") == "مدرسه"
    assert normalise_arabic("على") == "علي"
    assert normalise_arabic("هيئة") == normalise_arabic("هيئه")
    assert normalise_arabic("١٢٣ ۴۵") == "123 45"
    assert normalise_arabic("الـــرقة") == "الرقه"
    assert normalise_arabic("  “قسد”\n") == "قسد"


def test_table_shape_and_size() -> None:
    table = json.loads(ALIASES_PATH.read_text(encoding="utf-8"))
    size = table_size()
    assert size["actors"] >= 50 and size["actor_aliases"] >= 300 and size["locations"] >= 100
    kinds = {"state", "foreign_state", "coalition", "non_state"}
    names = [a["canonical"] for a in table["actors"]]
    assert len(names) == len(set(names)), "canonical actor names are unique"
    for actor in table["actors"]:
        assert actor["kind"] in kinds and actor["aliases"], actor["canonical"]
    # every unambiguous alias maps back to its own entry
    for actor in table["actors"]:
        for alias in actor["aliases"]:
            assert canonical_actor(alias) == actor["canonical"], (alias, actor["canonical"])
    for place in table["locations"]:
        for alias in place["aliases"]:
            assert canonical_location(alias) == place["canonical"], (alias, place["canonical"])
