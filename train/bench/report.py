"""The bench result as plain-text tables."""
from __future__ import annotations

from train.bench.goals import RECORDS_OF


def _machine(result: dict) -> list[str]:
    m = result.get("machine", {})
    cpu = m.get("cpu") or {}
    isa = cpu.get("isa") or {}
    flags = " ".join(f for f, on in isa.items() if on) or "unknown"
    versions = ", ".join(f"{k} {v}" for k, v in (m.get("versions") or {}).items() if v)
    lines = []
    if cpu:
        lines.append(f"cpu: {cpu.get('model')} ({cpu.get('logical_cpus')} logical); isa: {flags}")
    if versions:
        lines.append(f"versions: {versions}")
    return lines


def _paths(ck: dict) -> list[str]:
    lines = [f"{'path':22s} {'sent/s':>8s} {'x pipe':>7s} {'p50 ms':>8s} {'p95 ms':>8s} {'peak MB':>8s} "
             f"{'F1':>7s} {'F1 sent':>7s} {'agree':>6s}"]
    for path, r in ck["paths"].items():
        if "error" in r:
            lines.append(f"{path:22s} ERROR {r['error'][:200]}")
            continue
        f1s = r.get("f1_sentences")
        lines.append(
            f"{path:22s} {r['sentences_per_s']:8.1f} {r.get('speedup_vs_pipeline', float('nan')):7.2f} "
            f"{r['latency_ms_p50']:8.1f} {r['latency_ms_p95']:8.1f} {r['peak_rss_mb']:8.0f} {r['f1']:7.4f} "
            f"{(f'{f1s:7.4f}' if f1s is not None else '      -')} {r.get('tag_agreement_with_torch', 1.0):6.3f}")
    for rec_path, ner_path in RECORDS_OF.items():
        records, ner = ck["paths"].get(rec_path, {}), ck["paths"].get(ner_path, {})
        if "reports_per_s" in records:
            ratio = (f", {records['sentences_per_s'] / ner['sentences_per_s']:.3f} of {ner_path}'s sentences/s"
                     if "sentences_per_s" in ner else "")
            lines.append(f"end to end ({rec_path}: text -> event records): {records['reports_per_s']:.1f} reports/s, "
                         f"{records.get('records_per_s', 0):.1f} records/s{ratio}")
    longs = [(p, r["long"]) for p, r in ck["paths"].items() if "long" in r]
    if longs:
        sizes = ", ".join(f"{x['words']} words/{x.get('windows', '?')} windows" for x in longs[0][1]["reports"])
        lines.append(f"long reports ({sizes}): " + "; ".join(
            f"{p} {lg['ms_per_report']:.0f} ms/report ({lg['words_per_s']:.0f} words/s)" for p, lg in longs))
    for name, e in ck["exports"].items():
        v = e["verify_vs_torch"]
        q = e.get("quantization") or {}
        how = q.get("method", e.get("quantize") or "fp32")
        if q.get("nodes_kept_fp32"):
            how += f", {len(q['nodes_kept_fp32'])} node(s) fp32"
        lines.append(f"  {name} ({how}): {e['model_mb']} MB, export {e['seconds']} s, max |logit diff| vs torch "
                     f"{v['max_abs_diff']:.2e}, argmax agreement {v['argmax_agreement']:.4f}")
    if ck.get("student_model_dir"):
        lines.append(f"  student-onnx-int8 is another checkpoint, {ck['student_model_dir']}, distilled from this one")
    sc = ck.get("scaling")
    if sc and "sizes" in sc:
        lines.append(f"scaling ({sc['path']}, peak {sc.get('peak_rss_mb', 0):.0f} MB): " + "; ".join(
            f"{row['reports']} reports {row['wall_seconds']:.3f} s ({row['ms_per_report']:.2f} ms/report)"
            for row in sc["sizes"]))
    elif sc:
        lines.append(f"scaling: ERROR {sc.get('error', '')[:200]}")
    return lines


def _training(name: str, tr: dict) -> list[str]:
    seeds = next((r.get("seeds") for r in tr.values() if r.get("seeds")), None)
    lines = [f"\n== training: {name} (seeds {seeds}; totals over seeds, mean F1) ==",
             f"{'trainer':40s} {'steps':>5s} {'loop s':>7s} {'wall s':>7s} {'samples/s':>9s} {'pad eff':>7s} "
             f"{'test F1':>7s}"]
    for key, r in tr.items():
        if "error" in r:
            lines.append(f"{key:40s} ERROR {r['error'][:200]}")
            continue
        eff = r["real_tokens"] / max(r["padded_tokens"], 1)
        lines.append(f"{r['trainer'][:40]:40s} {r['steps']:5d} {r['loop_seconds']:7.2f} {r['wall_seconds']:7.2f} "
                     f"{r['samples_per_s']:9.1f} {eff:7.3f} {r['test_f1']:7.4f}")
    return lines


def format_table(result: dict) -> str:
    """The benchmark as plain-text tables: machine, paths per checkpoint, long reports, scaling, training, goals."""
    s = result["settings"]
    machine = result.get("machine", {})
    lines = [f"texts: {result['texts']['reports']} reports, {result['texts']['sentences']} sentences; threads "
             f"{s['threads']}; median of {s['repeats']} passes x {s.get('rounds', 1)} process round(s); batch size "
             f"{s['batch_size']}; load avg start {machine.get('load_average_start')}, end "
             f"{machine.get('load_average_end')}", *_machine(result)]
    for label, ck in result["checkpoints"].items():
        lines.append(f"\n== inference: {label} ({ck['model_dir']}) ==")
        lines.extend(_paths(ck))
    for name, tr in result.get("training", {}).items():
        lines.extend(_training(name, tr))
    if result.get("goals"):
        lines.append("\n== goals ==")
        for name, g in result["goals"].items():
            detail = ", ".join(f"{k}={v}" for k, v in g.items() if k != "met")
            lines.append(f"[{'met' if g['met'] else 'NOT met'}] {name}: {detail}")
    return "\n".join(lines)
