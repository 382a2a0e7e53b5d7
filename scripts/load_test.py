"""Load test of ``war-ner serve``: N concurrent clients post corpus reports to ``/extract`` for S seconds.

    war-ner serve --model outputs/e5-offline/onnx-int8 --port 8000 &
    python scripts/load_test.py --url http://127.0.0.1:8000 --clients 20 --seconds 60

Each client (an asyncio task on one ``httpx.AsyncClient``) sends the next report as soon as the last answer came;
the reports are the corpus reports (``data/annotations``, sentences joined per ``meta.doc``). Prints requests/s,
p50/p95/p99 latency and every error; exits 1 when any request failed or answered other than 200.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from scale_archive import corpus_reports  # noqa: E402


async def _client(http, url: str, reports: list[dict], start: int, until: float, latencies: list, errors: list):
    i = start
    while time.perf_counter() < until:
        r = reports[i % len(reports)]
        i += 1
        t = time.perf_counter()
        try:
            resp = await http.post(url, json={"text": r["text"], "date": r["date"], "id": r["doc"]})
            ok = resp.status_code == 200 and "records" in resp.json()
            if not ok:
                errors.append(f"{r['doc']}: HTTP {resp.status_code} {resp.text[:200]}")
        except Exception as exc:  # noqa: BLE001 - a load test counts every failure, whatever it is
            errors.append(f"{r['doc']}: {type(exc).__name__}: {exc}")
            ok = False
        if ok:
            latencies.append(time.perf_counter() - t)


async def run(url: str, clients: int, seconds: float, reports: list[dict], timeout: float) -> dict:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
        health = (await http.get(url.rstrip("/") + "/health")).json()
        t0 = time.perf_counter()
        until = t0 + seconds
        await asyncio.gather(*(_client(http, url.rstrip("/") + "/extract", reports, k * 7, until, latencies, errors)
                               for k in range(clients)))
        wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    return {"model": health.get("model"), "backend": health.get("backend"), "clients": clients,
            "seconds": round(wall, 1), "requests": len(latencies) + len(errors), "ok": len(latencies),
            "errors": len(errors), "requests_per_s": round(len(latencies) / wall, 2),
            "p50_ms": round(q[49] * 1000, 1), "p95_ms": round(q[94] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
            "max_ms": round(max(latencies, default=float("nan")) * 1000, 1), "first_errors": errors[:5]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--timeout", type=float, default=120, help="client-side seconds per request")
    ap.add_argument("--corpus", default=str(REPO / "data" / "annotations"))
    args = ap.parse_args(argv)
    result = asyncio.run(run(args.url, args.clients, args.seconds, corpus_reports(Path(args.corpus)), args.timeout))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
