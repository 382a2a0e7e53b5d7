"""Build a test archive from the corpus, and measure a command's wall time and peak memory (for the README's
batch-extraction figures).

    python scripts/scale_archive.py build --n 10000 --out outputs/serve/archive10k.jsonl [--shards DIR --k 4]
    python scripts/scale_archive.py measure -- war-ner extract --model ... --out ... archive.jsonl

``build`` joins the sentences of each corpus report (``data/annotations/*.jsonl``, grouped by ``meta.doc``, in file
order, one sentence per line) and repeats the reports with new ids (``<doc>#<k>``) until there are ``--n``.
``measure`` samples the resident memory of the command's whole process tree (workers, Ray's raylet and actors)
every 0.2 s: the peak of the sum is reported, which counts pages shared between processes more than once.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import OrderedDict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def corpus_reports(folder: Path) -> list[dict]:
    """One report per ``meta.doc``: its sentences joined by newlines, its date."""
    docs: "OrderedDict[str, dict]" = OrderedDict()
    for split in ("train", "dev", "test"):
        for line in (folder / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            s = json.loads(line)
            doc = docs.setdefault(s["meta"]["doc"], {"doc": s["meta"]["doc"], "date": s["meta"].get("date"),
                                                     "sentences": []})
            doc["sentences"].append(s["text"])
    return [{"doc": d["doc"], "date": d["date"], "text": "\n".join(d["sentences"])} for d in docs.values()]


def build(args) -> int:
    reports = corpus_reports(Path(args.corpus))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(args.n):
        r = reports[i % len(reports)]
        lines.append(json.dumps({"id": f"{r['doc']}#{i // len(reports)}", "date": r["date"], "text": r["text"]},
                                ensure_ascii=False) + "\n")
    out.write_text("".join(lines), encoding="utf-8")
    if args.shards:
        shards = Path(args.shards)
        shards.mkdir(parents=True, exist_ok=True)
        size = -(-len(lines) // args.k)
        for k in range(args.k):
            (shards / f"part-{k:03d}.jsonl").write_text("".join(lines[k * size:(k + 1) * size]), encoding="utf-8")
    chars = sum(len(r["text"]) for r in reports)
    print(f"{out}: {args.n} reports from {len(reports)} corpus reports (mean {chars / len(reports):.0f} characters)")
    return 0


def measure(args) -> int:
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(args.command)
    root = psutil.Process(proc.pid)
    peak, peak_procs = 0, 0
    while proc.poll() is None:
        try:
            tree = [root] + root.children(recursive=True)
            rss = 0
            for p in tree:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            if rss > peak:
                peak, peak_procs = rss, len(tree)
        except psutil.Error:
            pass
        time.sleep(0.2)
    wall = time.perf_counter() - start
    print(json.dumps({"returncode": proc.returncode, "wall_s": round(wall, 1), "peak_rss_mb": round(peak / 2**20),
                      "processes_at_peak": peak_procs}), file=sys.stderr)
    return proc.returncode


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--corpus", default=str(REPO / "data" / "annotations"))
    b.add_argument("--n", type=int, default=10_000)
    b.add_argument("--out", required=True)
    b.add_argument("--shards", help="also write the archive as --k JSONL shards in this folder")
    b.add_argument("--k", type=int, default=4)
    b.set_defaults(func=build)
    m = sub.add_parser("measure")
    m.add_argument("command", nargs=argparse.REMAINDER)
    m.set_defaults(func=measure)
    args = ap.parse_args(argv)
    if args.cmd == "measure" and args.command[:1] == ["--"]:
        args.command = args.command[1:]
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
