"""fp32 ONNX graph -> int8 graph: dynamic or static (calibrated on text), per-channel weights, chosen nodes in fp32.

Both methods quantise only the MatMuls against constant weights (activation x activation products in attention
stay fp32) and, with ``keep_fp32``, leave every node whose name matches one of the patterns in fp32: the measured
way to keep a sensitive layer (the classifier, one encoder block) exact.

- ``int8`` (dynamic): weights int8 offline, activations quantised per batch at run time (a min/max pass per MatMul).
- ``int8-static``: activation ranges fixed beforehand from real windows of text (``calibration_texts``), stored
  as QuantizeLinear/DequantizeLinear pairs (QDQ) that ONNX Runtime fuses into integer MatMuls at load time.

ONNX Runtime's x86 kernels multiply uint8 activations by int8 weights. Without VNNI (plain AVX2) the instruction
they use adds pairs of products in int16 and can saturate; ``reduce_range`` (7-bit weights) avoids that at a small
cost in precision. With VNNI (AVX512_VNNI/AVX_VNNI) nothing saturates.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Iterator, Optional, Sequence

import numpy as np

from model.errors import InputError, read_text

METHODS = ("int8", "int8-static")
CALIBRATION_METHODS = ("minmax", "percentile", "entropy")


def calibration_texts(path: str | os.PathLike, limit: Optional[int] = None) -> list[str]:
    """The ``text`` of each record of an annotation JSONL file (e.g. ``data/annotations/train.jsonl``), in order."""
    texts = []
    for n, line in enumerate(read_text(path, "a JSONL file of records with a 'text' field").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise InputError(f"invalid JSON ({exc})", where=f"{path}:{n}", expected="one JSON object per line",
                             fix="check the file is the annotation JSONL") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise InputError("no string field 'text'", where=f"{path}:{n}", expected="records like "
                             '{"text": "...", "entities": [...]}', fix="pass the annotation JSONL (train.jsonl)")
        texts.append(record["text"])
        if limit and len(texts) >= limit:
            break
    if not texts:
        raise InputError("no records", where=str(path), expected="at least one annotated sentence to calibrate on",
                         fix="pass a non-empty JSONL file")
    return texts


def calibration_windows(tokenizer, texts: Sequence[str], max_length: int, stride: int,
                        packed: Optional[int] = None) -> list[list[int]]:
    """The model inputs the predictor would build for ``texts`` (words, sub-words, windows), one id list each.

    With ``packed=N`` the sentences' pieces are laid end to end and cut into windows of exactly N tokens (special
    tokens included): every window has the same shape, which the histogram calibrators (percentile, entropy)
    need, and none holds padding.
    """
    from model.encoding import encode_sentences
    from model.words import split_words

    per_text = encode_sentences(tokenizer, [[w.text for w in split_words(t)] for t in texts], max_length, stride)
    windows = [w.input_ids for wins in per_text for w in wins]
    if not packed:
        return windows
    start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    end = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    head, tail = [start] if start is not None else [], [end] if end is not None else []
    stream = [t for w in windows for t in w[len(head) : len(w) - len(tail)]]
    body = packed - len(head) - len(tail)
    return [head + stream[k : k + body] + tail for k in range(0, len(stream) - body + 1, body)]


def _reader(windows: Sequence[Sequence[int]], input_names: set[str]):
    """A ``CalibrationDataReader`` feeding one window per run (no padding: pad rows would widen the ranges)."""
    from onnxruntime.quantization import CalibrationDataReader

    class WindowReader(CalibrationDataReader):
        def __init__(self) -> None:
            self._items = self._feeds()

        def _feeds(self) -> Iterator[dict]:
            for ids in windows:
                arr = np.asarray([ids], dtype=np.int64)
                feed = {"input_ids": arr, "attention_mask": np.ones_like(arr)}
                yield {k: v for k, v in feed.items() if k in input_names}

        def get_next(self) -> Optional[dict]:
            return next(self._items, None)

        def rewind(self) -> None:
            self._items = self._feeds()

    return WindowReader()


def _activation_peaks(model, names: Sequence[str], windows: Sequence[Sequence[int]]) -> dict[str, np.ndarray]:
    """Per-channel max |value| of the named tensors over the calibration windows (run as extra graph outputs)."""
    import onnx
    import onnxruntime as ort

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    have = {o.name for o in probe.graph.output}
    for name in names:
        if name not in have:
            probe.graph.output.append(onnx.ValueInfoProto(name=name))
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    inputs = {i.name for i in session.get_inputs()}
    peaks: dict[str, np.ndarray] = {}
    for ids in windows:
        arr = np.asarray([ids], dtype=np.int64)
        feed = {k: v for k, v in (("input_ids", arr), ("attention_mask", np.ones_like(arr))) if k in inputs}
        for name, value in zip(names, session.run(list(names), feed)):
            peak = np.abs(value).reshape(-1, value.shape[-1]).max(axis=0)
            peaks[name] = np.maximum(peaks[name], peak) if name in peaks else peak
    return peaks


def smooth_graph(model, windows: Sequence[Sequence[int]], alpha: float = 0.5):
    """SmoothQuant (Xiao et al. 2023) for int8 with per-tensor activation scales: a few channels of a
    transformer's activations are 10-100x larger than the rest and set the scale for all of them. Each weight
    MatMul's input channel j is divided by ``s_j = peak|x_j|^alpha / peak|w_j|^(1 - alpha)`` (a Mul inserted before
    it: in a post-LN BERT the LayerNorm output also feeds the residual, so the scale cannot be folded into it) and
    the weight's row j multiplied by ``s_j``: the product is unchanged in fp32, the activations become easier to
    quantise and the weights, quantised per output column, absorb the range. Returns the rewritten ModelProto.
    """
    import onnx
    from onnx import numpy_helper

    graph = model.graph
    weights = {t.name: t for t in graph.initializer}
    consumers: dict[str, list] = {}
    for node in graph.node:
        if node.op_type == "MatMul" and len(node.input) == 2 and node.input[1] in weights:
            consumers.setdefault(node.input[0], []).append(node)
    peaks = _activation_peaks(model, list(consumers), windows)
    for k, (x_name, nodes) in enumerate(consumers.items()):
        mats = [numpy_helper.to_array(weights[n.input[1]]) for n in nodes]
        w_peak = np.max([np.abs(w).max(axis=1) for w in mats], axis=0)  # per input channel (row of [in, out])
        scale = (np.maximum(peaks[x_name], 1e-5) ** alpha / np.maximum(w_peak, 1e-5) ** (1 - alpha))
        scale = np.clip(scale, 1e-2, 1e2).astype(np.float32)
        inv = f"smooth_{k}_inv"
        graph.initializer.append(numpy_helper.from_array((1.0 / scale).astype(np.float32), inv))
        smoothed = f"{x_name}_smoothed"
        graph.node.append(onnx.helper.make_node("Mul", [x_name, inv], [smoothed], name=f"smooth_{k}_Mul"))
        for node, w in zip(nodes, mats):
            node.input[0] = smoothed
            weights[node.input[1]].CopyFrom(numpy_helper.from_array((w * scale[:, None]).astype(w.dtype),
                                                                    node.input[1]))
    return _toposort(model)  # the new Muls were appended: put every node after its inputs again


def _toposort(model):
    """Reorder the nodes so each comes after the nodes producing its inputs (ONNX requires it)."""
    graph = model.graph
    ready = {i.name for i in graph.input} | {t.name for t in graph.initializer} | {""}
    nodes, ordered = list(graph.node), []
    while nodes:
        rest = []
        for node in nodes:
            if all(i in ready for i in node.input):
                ordered.append(node)
                ready.update(node.output)
            else:
                rest.append(node)
        if len(rest) == len(nodes):
            raise ValueError("cycle or missing input in the graph")
        nodes = rest
    del graph.node[:]
    graph.node.extend(ordered)
    return model


def matching_nodes(model_path: str | os.PathLike, patterns: Sequence[str]) -> list[str]:
    """Names of the graph's nodes matching any regular expression in ``patterns`` (``re.search``).

    A pattern that matches nothing is an error: a typo would otherwise quantise everything silently.
    """
    import onnx

    names = [n.name for n in onnx.load(str(model_path), load_external_data=False).graph.node]
    found: list[str] = []
    for pattern in patterns:
        try:
            rx = re.compile(pattern)
        except re.error as exc:
            raise InputError(f"--keep-fp32 {pattern!r} is not a regular expression ({exc})",
                             expected="a pattern such as 'classifier' or 'layer\\.11/'", fix="escape it") from None
        hits = [n for n in names if rx.search(n)]
        if not hits:
            sample = ", ".join(n for n in names if "MatMul" in n)[:300]
            raise InputError(f"--keep-fp32 {pattern!r} matches no node of {model_path}",
                             expected=f"a pattern over node names such as {sample} ...",
                             fix="use a part of one of those names")
        found.extend(h for h in hits if h not in found)
    return found


def quantize_graph(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    *,
    method: str = "int8",
    per_channel: bool = True,
    reduce_range: bool = False,
    keep_fp32: Sequence[str] = (),
    calibration: Optional[Sequence[Sequence[int]]] = None,
    calibrate_method: str = "minmax",
    smooth: Optional[float] = None,
) -> dict:
    """Quantise the fp32 graph ``src`` into ``dst``; return what was done (for ``onnx_export.json``).

    ``calibration``: the windows (token id lists) a static quantisation reads its activation ranges from, and
    ``smooth`` (SmoothQuant's alpha, ``smooth_graph``) its activation peaks.
    """
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_dynamic, quantize_static

    if method not in METHODS:
        raise InputError(f"quantize={method!r}", expected=f"one of {', '.join(METHODS)}", fix="pick one of those")
    if calibrate_method not in CALIBRATION_METHODS:
        raise InputError(f"calibrate_method={calibrate_method!r}", expected=f"one of {', '.join(CALIBRATION_METHODS)}")
    excluded = matching_nodes(src, keep_fp32) if keep_fp32 else []
    # Fused contrib ops carry no inferred output types: say they are float. Only weight MatMuls are quantised.
    extra = {"DefaultTensorType": onnx.TensorProto.FLOAT, "MatMulConstBOnly": True}
    info: dict = {"method": method, "per_channel": per_channel, "reduce_range": reduce_range,
                  "keep_fp32": list(keep_fp32), "nodes_kept_fp32": excluded, "smooth_alpha": smooth}
    if smooth is not None:
        if not calibration:
            raise InputError("smoothing without calibration text", expected="windows of training text",
                             fix="pass --calibration data/annotations/train.jsonl")
        smoothed = Path(dst).with_name(Path(dst).stem + ".smoothed.onnx")
        onnx.save(smooth_graph(onnx.load(str(src)), calibration, smooth), str(smoothed))
        try:
            return {**quantize_graph(smoothed, dst, method=method, per_channel=per_channel, reduce_range=reduce_range,
                                     keep_fp32=keep_fp32, calibration=calibration, calibrate_method=calibrate_method),
                    "smooth_alpha": smooth, "smoothing_windows": len(calibration)}
        finally:
            smoothed.unlink(missing_ok=True)
    if method == "int8":
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=per_channel,
                         reduce_range=reduce_range, nodes_to_exclude=excluded, extra_options=extra)
        return info
    if not calibration:
        raise InputError("int8-static without calibration text", expected="windows of training text",
                         fix="pass --calibration data/annotations/train.jsonl")
    inputs = {i.name for i in onnx.load(str(src), load_external_data=False).graph.input}
    calib = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
             "entropy": CalibrationMethod.Entropy}[calibrate_method]
    # Ranges are folded in every 64 windows so memory stays flat however much text calibrates.
    extra.update(CalibMaxIntermediateOutputs=64, CalibPercentile=99.999)
    quantize_static(str(src), str(dst), _reader(calibration, inputs), quant_format=QuantFormat.QDQ,
                    op_types_to_quantize=["MatMul"], per_channel=per_channel, reduce_range=reduce_range,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, nodes_to_exclude=excluded,
                    calibrate_method=calib, extra_options=extra)
    info.update(calibrate_method=calibrate_method, calibration_windows=len(calibration))
    return info


def _alpha(text: str) -> Optional[float]:
    """``--smooth`` values: an alpha, or ``none`` for no smoothing."""
    import argparse

    if text.lower() in ("none", "off"):
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--smooth {text!r}; expected an alpha such as 0.75, or none") from None


def add_arguments(parser, *, default: Optional[str] = None, smooth: Optional[float] = None) -> None:
    """The quantisation options ``war-ner export-onnx`` and ``war-ner bench`` share (``default``/``smooth``:
    their defaults there)."""
    import argparse

    parser.add_argument("--quantize", choices=METHODS, default=default,
                        help="int8: dynamic (activation ranges per batch); int8-static: ranges calibrated on "
                             "--calibration text" + (f" (default {default})" if default else ""))
    parser.add_argument("--per-channel", action=argparse.BooleanOptionalAction, default=True,
                        help="one weight scale per output column (default) or one per matrix")
    parser.add_argument("--reduce-range", action="store_true",
                        help="7-bit weights: avoids int16 saturation on CPUs without VNNI, at some precision")
    parser.add_argument("--keep-fp32", action="append", default=[], metavar="PATTERN",
                        help="leave nodes whose name matches this regular expression in fp32 (repeatable), "
                             "e.g. 'layer\\.4/output/dense' or 'classifier'")
    parser.add_argument("--smooth", type=_alpha, metavar="ALPHA", default=smooth,
                        help="SmoothQuant before quantising: move activation outliers into the weights (0..1; 0.75 "
                             "had the fewest flips vs fp32 on dev for e5-small; none: off)" + (f" (default {smooth})" if smooth else "")
                             + "; reads --calibration")
    parser.add_argument("--calibration", metavar="JSONL",
                        help="annotation JSONL whose sentences calibrate int8-static and --smooth "
                             "(e.g. data/annotations/train.jsonl)")
    parser.add_argument("--calibration-limit", type=int, default=400, help="sentences of --calibration to use")
    parser.add_argument("--calibrate-method", choices=CALIBRATION_METHODS, default="minmax")


def options_from_args(args) -> dict:
    """``export_onnx`` keywords from the options of ``add_arguments`` (``quantize`` included)."""
    if (args.quantize == "int8-static" or args.smooth is not None) and not args.calibration:
        raise InputError(f"{'--smooth' if args.smooth is not None else '--quantize int8-static'} without "
                         "--calibration", expected="a JSONL file of training sentences",
                         fix="add --calibration data/annotations/train.jsonl")
    if args.smooth is not None and not 0.0 <= args.smooth <= 1.0:
        raise InputError(f"--smooth {args.smooth}", expected="an alpha between 0 and 1", fix="e.g. --smooth 0.75")
    if not args.quantize and (args.keep_fp32 or args.calibration or args.reduce_range or args.smooth is not None):
        raise InputError("--keep-fp32/--calibration/--reduce-range/--smooth without --quantize",
                         expected="an int8 export", fix="add --quantize int8 or --quantize int8-static")
    opts = {"quantize": args.quantize, "per_channel": args.per_channel, "reduce_range": args.reduce_range,
            "keep_fp32": list(args.keep_fp32), "smooth": args.smooth}
    if args.calibration:
        opts.update(calibration=args.calibration, calibration_limit=args.calibration_limit,
                    calibrate_method=args.calibrate_method)
    return opts
