"""Actor and place names: Arabic surface forms -> canonical names, from a table shipped as data.

The table (``model/data/aliases.json``) lists ACLED-style canonical actor names with the Arabic forms reports use
for them, and a smaller list of places. Lookups go through :func:`normalise_arabic`, so spelling variants that
differ only in hamza seats, taa marbuta, alef maqsura, tatweel, diacritics or quote marks all meet on one key.

>>> canonical_actor("وقوات النظام")
'Military Forces of Syria'
>>> canonical_actor("لتنظيم “الدولة الإسلامية”")
'Islamic State'
>>> canonical_actor("وكتيبة الفرسان")
'كتيبة الفرسان'
>>> canonical_location("بمدينة الرقة")
'Raqqa'
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Optional

from model.arabic import normalise_arabic, strip_clitics

ALIASES_PATH = Path(__file__).parent / "data" / "aliases.json"

# ----------------------------------------------------------------------------------------------------------------
# Clitics: the rule is model.arabic.strip_clitics; the table supplies the words a preposition may stand before.

# Head nouns that commonly carry a glued preposition in front of a name: لقوات، بمدينة، لنهر، بناحية ...
_HEAD_NOUNS = frozenset(
    """
    مدينه بلده قريه حي محافظه منطقه ناحيه قضاء مخيم نهر جبل جبال مطار معسكر سجن جامع مسجد مستشفي سد قاعده طريق
    باب ريف تل جسر ساحه شارع دوار معبر حقل حقول مجمع بحيره جزيره سهل قلعه سوق مدرسه مركز اقليم ولايه مديريه
    قوات القوات جيش تنظيم حركه جماعه هيئه فصائل فصيل لواء الويه كتائب كتيبه ميليشيا ميليشيات مليشيا مليشيات حزب
    عناصر مقاتلي مسلحي طائرات طيران فرقه فيلق جهاز شرطه حرس تحالف مجلس جبهه سرايا درع غرفه عصائب انصار
    """.split()
)


def bare_name(surface: str) -> str:
    """A name's surface form without its glued clitics, judged against the head nouns and the table's names.

    >>> bare_name("بمدينة الرقة"), bare_name("للتحالف الدولي"), bare_name("بغداد")
    ('مدينة الرقة', 'التحالف الدولي', 'بغداد')
    """
    return strip_clitics(surface, name_words())


# ----------------------------------------------------------------------------------------------------------------
# The table


@lru_cache(maxsize=1)
def load_table(path: Optional[str] = None) -> dict:
    """The alias table as parsed JSON (cached)."""
    with open(path or ALIASES_PATH, encoding="utf-8") as fh:
        return json.load(fh)


def _key(text: str) -> str:
    return normalise_arabic(text).replace("-", " ").replace("–", " ").strip()


@lru_cache(maxsize=2)
def _index(section: str) -> dict[str, dict]:
    """Lookup key -> entry for every form (canonical name and aliases) of the table's ``actors`` or ``locations``."""
    index: dict[str, dict] = {}
    for entry in load_table()[section]:
        for form in [entry["canonical"], *entry["aliases"]]:
            index.setdefault(_key(form), entry)
    return index


@lru_cache(maxsize=1)
def _contextual_index() -> dict[str, list[dict]]:
    index: dict[str, list[dict]] = {}
    for actor in load_table()["actors"]:
        for form in actor.get("contextual_aliases", []):
            index.setdefault(_key(form), []).append(actor)
    return index


@lru_cache(maxsize=1)
def name_words() -> frozenset[str]:
    """Normalised words a glued preposition may stand before: the head nouns and the first word of every name."""
    words = set(_HEAD_NOUNS)
    for index in (_index("actors"), _index("locations"), _contextual_index()):
        for key in index:
            first = key.split(" ", 1)[0]
            if first and not first.isascii():
                words.add(first)
    return frozenset(words)


# Generic heads that a report may put in front of a known name: "تنظيم داعش"، "ميليشيا الحوثي".
_ACTOR_HEADS = ("تنظيم", "جماعه", "حركه", "ميليشيا", "ميليشيات", "مليشيا", "مليشيات", "عناصر", "مسلحي", "مسلحو",
                "مقاتلي", "مقاتلو", "فصيل", "فصائل", "قوات", "طائرات", "طيران")
_PLACE_HEADS = ("مدينه", "بلده", "قريه", "محافظه", "قضاء", "ناحيه", "منطقه", "مركز", "حي", "مخيم")


def _keys(surface: str, heads: tuple[str, ...]) -> list[str]:
    """Lookup keys for a surface form: the whole name, then the name after a generic head noun."""
    key = _key(bare_name(surface))
    if not key:
        return []
    keys = [key]
    first, _, rest = key.partition(" ")
    if first in heads and rest:
        keys.append(_key(bare_name(rest)))
    return keys


def lookup_actor(surface: str, country: Optional[str] = None) -> Optional[dict]:
    """The table entry (``canonical``, ``kind``, ``countries``, ``aliases``) for an actor surface form, or None.

    Generic forms such as ``الجيش`` or ``التحالف`` resolve only when ``country`` (e.g. ``"Iraq"``) picks one of the
    actors they can name, or when they can name a single actor.
    """
    index, contextual = _index("actors"), _contextual_index()
    for key in _keys(surface, _ACTOR_HEADS):
        if key in index:
            return index[key]
        options = contextual.get(key, [])
        if country is not None:
            options = [a for a in options if country in a.get("countries", [])]
        if len(options) == 1:
            return options[0]
    return None


def lookup_location(surface: str) -> Optional[dict]:
    """The table entry (``canonical``, ``country``, ``aliases``) for a place surface form, or None."""
    index = _index("locations")
    for key in _keys(surface, _PLACE_HEADS):
        if key in index:
            return index[key]
    return None


def canonical_actor(surface: str, country: Optional[str] = None) -> str:
    """The canonical actor name for a FACTION surface form; unknown actors keep their surface, clitics stripped.

    ``country`` (an English country name as in the table) disambiguates generic forms like ``الجيش``.
    """
    entry = lookup_actor(surface, country)
    return entry["canonical"] if entry else bare_name(surface)


def canonical_location(surface: str) -> str:
    """The canonical place name where the table has one, else the cleaned surface form (clitics stripped)."""
    entry = lookup_location(surface)
    return entry["canonical"] if entry else bare_name(surface)


def actor_kind(canonical: str) -> Optional[str]:
    """``state``, ``foreign_state``, ``coalition`` or ``non_state`` for a canonical name in the table, else None."""
    for actor in load_table()["actors"]:
        if actor["canonical"] == canonical:
            return actor.get("kind")
    return None


def table_size() -> dict[str, int]:
    """Counts of canonical actors, actor surface forms, places and place surface forms in the table."""
    table = load_table()
    return {
        "actors": len(table["actors"]),
        "actor_aliases": sum(len(a["aliases"]) for a in table["actors"]),
        "contextual_aliases": sum(len(a.get("contextual_aliases", [])) for a in table["actors"]),
        "locations": len(table["locations"]),
        "location_aliases": sum(len(p["aliases"]) for p in table["locations"]),
    }
