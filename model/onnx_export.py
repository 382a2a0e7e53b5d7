"""Checkpoint folder -> ONNX folder that ``Predictor.from_pretrained`` runs on ONNX Runtime.

``export_onnx(model_dir, out_dir)`` traces the token classifier with the TorchScript-based exporter
(``torch.onnx.export(..., dynamo=False)``: the dynamo exporter of torch 2.13 needs ``onnxscript``, which this
project does not install, and the legacy path exports BERT-family encoders exactly), with dynamic batch and
sequence axes, inputs ``input_ids`` and ``attention_mask`` and the output ``logits``. With ``quantize="int8"``
the weights of every MatMul/Gather are quantised to signed 8-bit by ONNX Runtime's dynamic quantisation
(activations are quantised on the fly per batch); ``"int8-static"`` calibrates them on training text instead, and
``keep_fp32`` leaves chosen nodes unquantised (``model.quantize``).

The folder holds ``model.onnx``, the tokenizer, the checkpoint's ``config.json`` (``id2label`` and the
``war_ner_*`` keys the predictor reads) and ``onnx_export.json`` (how it was made and how close its logits are to
torch's). Nothing is published before that check passes; the folder is then assembled beside ``out_dir`` and
renamed into place (``model.atomic.atomic_dir``), so a failed export never leaves a half-written folder where a
working one was.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from model.atomic import atomic_dir
from model.fast_path import weights_fingerprint

# Files copied from the checkpoint besides the tokenizer (which is re-saved through transformers).
_EXTRA_FILES = ("training_config.yaml", "metrics.json", "README.md", "event_heads.safetensors", "event_heads.json",
                "tag_prior.json")
# Max |onnx - torch| over real (unpadded) positions accepted for an fp32 export.
FP32_TOLERANCE = 1e-3

SAMPLE_TEXTS = (
    "قصفت طائرات التحالف مواقع لتنظيم الدولة في ريف دير الزور الشرقي فجر اليوم، ما أسفر عن مقتل 12 عنصرا.",
    "أعلنت قوات سوريا الديمقراطية السيطرة على بلدة الباغوز.",
    "وفي 3 آذار / مارس 2019 اندلعت اشتباكات عنيفة بين الجيش الوطني الليبي وقوات حكومة الوفاق جنوب طرابلس "
    "استمرت حتى ساعات الصباح الأولى وأدت إلى سقوط 7 قتلى و15 جريحا بين المدنيين.",
    "انفجرت عبوة ناسفة.",
)


class _Logits:
    """``(input_ids, attention_mask) -> logits``: the traced forward (no token_type_ids: BERT uses zeros)."""

    @staticmethod
    def wrap(model, hidden: bool = False):
        """With ``hidden``, the graph also returns the last hidden states (the event heads read them)."""
        import torch

        class Wrapper(torch.nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask):
                out = self.inner(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=hidden)
                return (out.logits, out.hidden_states[-1]) if hidden else out.logits

        # eval() on the wrapper too: the exporter restores the wrapper's mode (recursively) after tracing.
        return Wrapper(model).eval()


def _sample_batch(tokenizer, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded ids and mask for ``texts`` split into words the way the predictor does it."""
    from model.encoding import encode_sentences, pad_id, pad_windows
    from model.words import split_words

    windows = [w for wins in encode_sentences(tokenizer, [[w.text for w in split_words(t)] for t in texts], 512, 64)
               for w in wins]
    return pad_windows(windows, pad_id(tokenizer))


def _session(path: Path):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def _compare(session, ids: np.ndarray, mask: np.ndarray, reference: np.ndarray) -> dict:
    names = {i.name for i in session.get_inputs()}
    feed = {k: v for k, v in (("input_ids", ids), ("attention_mask", mask)) if k in names}
    got = session.run(["logits"], feed)[0]
    real = mask.astype(bool)
    diff = np.abs(got - reference)[real]
    return {
        "max_abs_diff": float(diff.max()),
        "mean_abs_diff": float(diff.mean()),
        "argmax_agreement": float((got.argmax(-1) == reference.argmax(-1))[real].mean()),
        "positions": int(real.sum()),
    }


def _optimize_transformer(src: Path, dst: Path, config: dict) -> bool:
    """ONNX Runtime's transformer fusions (Attention, SkipLayerNorm, BiasGelu) for BERT-family encoders.

    Returns False (and writes nothing) when the model type is not one the optimizer knows.
    """
    if config.get("model_type") not in ("bert", "xlm-roberta", "roberta", "electra", "distilbert"):
        return False
    from onnxruntime.transformers.optimizer import optimize_model

    model_type = "bert" if config["model_type"] in ("bert", "xlm-roberta", "roberta", "electra") else "distilbert"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = optimize_model(str(src), model_type=model_type, num_heads=int(config.get("num_attention_heads", 0)),
                             hidden_size=int(config.get("hidden_size", 0)), opt_level=1)
    opt.save_model_to_file(str(dst))
    return True


def _quantize(src: Path, dst: Path, method: str, tokenizer, config: dict, *, calibration, calibration_limit: int,
              **options) -> dict:
    """``model.quantize.quantize_graph`` with the calibration windows built the way the predictor builds them."""
    from model.quantize import calibration_texts, calibration_windows, quantize_graph

    windows = None
    if method == "int8-static" or options.get("smooth") is not None:
        if calibration is None:
            raise ValueError("int8-static and smooth need calibration text; pass calibration= a JSONL file "
                             "(e.g. data/annotations/train.jsonl) or a list of texts")
        texts = (calibration_texts(calibration, calibration_limit) if isinstance(calibration, (str, os.PathLike))
                 else list(calibration)[:calibration_limit])
        max_length = min(int(config.get("war_ner_max_length", 256)), int(config.get("max_position_embeddings", 514)) - 2)
        stride = min(int(config.get("war_ner_stride", 64)), max_length // 2 - 1)
        # the histogram calibrators stack every run's tensors: they need windows of one shape
        histogram = method == "int8-static" and options.get("calibrate_method", "minmax") != "minmax"
        packed = min(128, max_length) if histogram else None
        windows = calibration_windows(tokenizer, texts, max_length, stride, packed=packed)
    return quantize_graph(src, dst, method=method, calibration=windows, **options)


def export_onnx(
    model_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    quantize: Optional[str] = None,
    opset: int = 17,
    optimize: bool = False,
    per_channel: bool = True,
    reduce_range: bool = False,
    keep_fp32: Sequence[str] = (),
    smooth: Optional[float] = None,
    calibration: Optional[str | os.PathLike | Sequence[str]] = None,
    calibration_limit: int = 400,
    calibrate_method: str = "minmax",
    sample_texts: Sequence[str] = SAMPLE_TEXTS,
) -> Path:
    """Export the checkpoint in ``model_dir`` to an ONNX folder ``out_dir`` (replaced atomically); return it.

    ``quantize``: None (fp32) or ``"int8"`` (dynamic quantisation, QInt8 weights; ``per_channel`` scales per output
    column, ``reduce_range`` uses 7-bit weights for CPUs without VNNI). ``optimize`` applies ONNX Runtime's offline
    transformer fusions (Attention/QAttention, SkipLayerNorm, BiasGelu) first; off by default because on a 2-core
    AVX-512 VNNI CPU the plain graph (which the session still fuses at load) ran faster for e5-small: fp32 465 vs
    488 ms, int8 240 vs 289 ms on the same 52 sentences. After writing, the ONNX logits are compared with torch's on
    ``sample_texts``; an fp32 export whose logits differ by more than ``FP32_TOLERANCE`` raises ``RuntimeError``.

    ``quantize="int8-static"`` fixes the activation ranges beforehand from the windows of ``calibration`` (an
    annotation JSONL file, e.g. ``data/annotations/train.jsonl``, or a list of texts; its first
    ``calibration_limit`` sentences; ``calibrate_method`` minmax, percentile or entropy). ``smooth``: SmoothQuant's
    alpha (activation outliers moved into the weights first, peaks read from ``calibration``). ``keep_fp32``:
    regular expressions over node names left unquantised (``model.quantize``). ``onnx_export.json`` records a fingerprint
    of the source weights, so a checkpoint's own ``onnx-int8/`` is used by ``Predictor`` only while it is current.
    """
    from model.quantize import METHODS

    if quantize not in (None, *METHODS):
        raise ValueError(f"quantize={quantize!r}; expected None or one of {', '.join(METHODS)}")
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    if not (model_dir / "config.json").exists():
        raise FileNotFoundError(f"{model_dir}: no config.json; expected a checkpoint folder written by `war-ner train`")
    if (model_dir / "model.onnx").exists():
        raise ValueError(f"{model_dir} is already an ONNX folder; export from the torch checkpoint it came from")
    import torch
    from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer

    started = time.perf_counter()
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    hf_config = AutoConfig.from_pretrained(model_dir)
    # eager attention traces to the plain MatMul/Softmax pattern (sdpa exports correctly too, checked)
    model = AutoModelForTokenClassification.from_pretrained(
        model_dir, config=hf_config, use_safetensors=True, attn_implementation="eager"
    ).eval()
    heads = (model_dir / "event_heads.safetensors").exists()
    wrapper = _Logits.wrap(model, hidden=heads)
    ids, mask = _sample_batch(tokenizer, sample_texts)
    with torch.inference_mode():
        got = wrapper(torch.from_numpy(ids), torch.from_numpy(mask))
        reference = (got[0] if heads else got).float().numpy()

    scratch = Path(tempfile.mkdtemp(prefix="war-ner-onnx-"))
    try:
        fp32 = scratch / "fp32.onnx"
        axes = {0: "batch", 1: "sequence"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TracerWarnings about Python-side shape checks
            torch.onnx.export(
                wrapper, (torch.from_numpy(ids), torch.from_numpy(mask)), str(fp32),
                input_names=["input_ids", "attention_mask"], output_names=["logits"] + (["hidden"] if heads else []),
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": axes,
                              **({"hidden": axes} if heads else {})},
                opset_version=opset, do_constant_folding=True, dynamo=False,
            )
        del model, wrapper
        current = fp32
        optimized = False
        if optimize:
            opt_path = scratch / "optimized.onnx"
            optimized = _optimize_transformer(current, opt_path, config)
            if optimized:
                current = opt_path
        final = current
        quantization = None
        if quantize:
            final = scratch / "model.onnx"
            quantization = _quantize(current, final, quantize, tokenizer, config, per_channel=per_channel,
                                     reduce_range=reduce_range, keep_fp32=keep_fp32, smooth=smooth,
                                     calibration=calibration,
                                     calibration_limit=calibration_limit, calibrate_method=calibrate_method)

        check = _compare(_session(final), ids, mask, reference)
        if quantize is None and not check["max_abs_diff"] <= FP32_TOLERANCE:
            raise RuntimeError(f"ONNX logits differ from torch by {check['max_abs_diff']:.3g} (> {FP32_TOLERANCE}) "
                               f"on {check['positions']} positions; the export is wrong, not written")
        info = {
            "source": str(model_dir.resolve()),
            "quantize": quantize,
            "opset": opset,
            "exporter": "torch.onnx.export(dynamo=False)",
            "transformer_optimizations": optimized,
            "per_channel": per_channel if quantize else None,
            "reduce_range": reduce_range if quantize else None,
            "quantization": quantization,
            "source_weights": weights_fingerprint(model_dir),
            "torch": torch.__version__,
            "onnxruntime": __import__("onnxruntime").__version__,
            "model_bytes": final.stat().st_size,
            "verify_vs_torch": check,
            "seconds": round(time.perf_counter() - started, 2),
        }

        def write(tmp: Path) -> None:
            shutil.move(final, tmp / "model.onnx")
            tokenizer.save_pretrained(tmp)
            shutil.copyfile(model_dir / "config.json", tmp / "config.json")
            for name in _EXTRA_FILES:
                if (model_dir / name).exists():
                    shutil.copyfile(model_dir / name, tmp / name)
            (tmp / "onnx_export.json").write_text(json.dumps(info, indent=2), encoding="utf-8")

        atomic_dir(out_dir, write)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out_dir
