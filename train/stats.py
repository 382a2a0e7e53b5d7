"""Corpus statistics: sentences, reports, mentions per type per split, distinct surface forms."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Sequence

from train.corpus import Document
from train.slices import phenomena


def corpus_stats(docs: Sequence[Document]) -> dict:
    """Counts per split (``meta.split``, or ``all`` when absent) and over the whole corpus."""
    by_split: dict[str, list[Document]] = defaultdict(list)
    for d in docs:
        by_split[d.meta.get("split") or "all"].append(d)
    by_split_out = {}
    for split, group in sorted(by_split.items()):
        mentions = Counter(e.label for d in group for e in d.entities)
        forms = defaultdict(set)
        for d in group:
            for e in d.entities:
                forms[e.label].add(e.text)
        by_split_out[split] = {
            "phenomena": phenomena(group),
            "sentences": len(group),
            "reports": len({d.meta.get("doc", d.id) for d in group}),
            "sentences_without_entities": sum(1 for d in group if not d.entities),
            "mentions": dict(sorted(mentions.items())),
            "distinct_forms": {k: len(v) for k, v in sorted(forms.items())},
        }
    total = Counter(e.label for d in docs for e in d.entities)
    return {
        "sentences": len(docs),
        "reports": len({d.meta.get("doc", d.id) for d in docs}),
        "mentions": dict(sorted(total.items())),
        "distinct_forms": {k: len({e.text for d in docs for e in d.entities if e.label == k}) for k in sorted(total)},
        "phenomena": phenomena(docs),
        "splits": by_split_out,
    }


def format_stats(stats: dict) -> str:
    types = sorted(stats["mentions"])
    lines = [f"{stats['sentences']} sentences in {stats['reports']} reports"]
    lines.append(f"{'split':6s} {'reports':>7s} {'sents':>6s} " + " ".join(f"{t:>10s}" for t in types))
    for split, s in stats["splits"].items():
        lines.append(f"{split:6s} {s['reports']:7d} {s['sentences']:6d} "
                     + " ".join(f"{s['mentions'].get(t, 0):10d}" for t in types))
    lines.append(f"{'all':6s} {stats['reports']:7d} {stats['sentences']:6d} "
                 + " ".join(f"{stats['mentions'][t]:10d}" for t in types))
    lines.append("distinct forms: " + ", ".join(f"{t} {n}" for t, n in stats["distinct_forms"].items()))
    ph = stats["phenomena"]
    lines.append(f"phenomena: {ph['dateline_sentences']} dateline sentences, {ph['fixed_names']} fixed names, "
                 f"{ph['long_reports']} reports of 1,000+ words ({ph['long_report_sentences']} sentences), "
                 f"{ph['no_entity_sentences']} sentences without entities")
    lines.append("glued-proclitic mentions: " + ", ".join(f"{t} {n}" for t, n in ph["glued_proclitic_mentions"].items()))
    return "\n".join(lines)
