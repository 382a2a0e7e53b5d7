"""The engines a Predictor runs a token classifier on: torch (a checkpoint in memory) or ONNX Runtime (an export),
and which folder ``engine="auto"|"torch"|"onnx"`` loads. Each runner maps padded ids and masks to logits (and, for
the event heads, last hidden states)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np

from model.errors import InputError

ENGINES = ("auto", "torch", "onnx")


def softmax(x: np.ndarray) -> np.ndarray:
    """Probabilities over the last axis."""
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


class TorchRunner:
    """Runs an in-memory transformers token classifier (eval mode, no gradients)."""

    engine = "torch"

    def __init__(self, model, device: Optional[str] = None):
        import torch

        self.torch = torch
        self.model = model
        self.device = device or str(next(model.parameters()).device)
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray, hidden: bool = False):
        """Logits, or (logits, last hidden states) with ``hidden``."""
        torch = self.torch
        was_training = self.model.training
        self.model.eval()
        with torch.inference_mode():
            out = self.model(
                input_ids=torch.from_numpy(input_ids).to(self.device),
                attention_mask=torch.from_numpy(attention_mask).to(self.device),
                output_hidden_states=hidden,
            )
        if was_training:
            self.model.train()
        logits = out.logits.float().cpu().numpy()
        return (logits, out.hidden_states[-1].float().cpu().numpy()) if hidden else logits


def resolve_engine(model_dir: Path, engine: str) -> Path:
    """The folder to load for ``engine``: ``model_dir`` itself, or its fast-path export."""
    from model.fast_path import FAST_PATH_DIR, fast_path

    if engine not in ENGINES:
        raise InputError(f"engine {engine!r} (from the argument or $WAR_NER_ENGINE)",
                         expected=f"one of {', '.join(ENGINES)}", fix="e.g. WAR_NER_ENGINE=torch to force torch")
    if (model_dir / "model.onnx").exists():
        if engine == "torch":
            raise InputError("is an ONNX export, which torch cannot run", where=str(model_dir),
                             expected="a checkpoint folder with model.safetensors for the torch engine",
                             fix="pass the checkpoint it was exported from, or drop the torch engine")
        return model_dir
    if engine == "torch":
        return model_dir
    fast = fast_path(model_dir)
    if fast is not None:
        return fast
    if engine == "onnx":
        raise InputError(f"holds neither model.onnx nor an up-to-date {FAST_PATH_DIR}/ export", where=str(model_dir),
                         expected="an ONNX folder for the onnx engine",
                         fix=f"war-ner export-onnx --model {model_dir} --quantize int8 --out {model_dir / FAST_PATH_DIR}")
    return model_dir


def load_torch(model_dir: Path, device: Optional[str], num_threads: Optional[int]) -> TorchRunner:
    import torch
    from transformers import AutoModelForTokenClassification

    if num_threads:
        torch.set_num_threads(num_threads)
    # safetensors only: loading never unpickles.
    model = AutoModelForTokenClassification.from_pretrained(model_dir, use_safetensors=True)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    return TorchRunner(model.to(device).eval(), device)


def onnx_tokenizer(model_dir: Path):
    """The folder's tokenizer without importing torch (``AutoTokenizer`` does: ~1-3 s and ~100 MB), or None.

    Only for folders whose tokenizer class is the generic ``tokenizer.json`` backend (ours: tiny and e5), which is
    the class ``AutoTokenizer`` would return for them, so tokenisation is the same.
    """
    cfg = model_dir / "tokenizer_config.json"
    if not (model_dir / "tokenizer.json").exists() or not cfg.exists():
        return None
    try:
        cls = json.loads(cfg.read_text(encoding="utf-8")).get("tokenizer_class")
    except ValueError:
        return None
    if cls not in ("PreTrainedTokenizerFast", "TokenizersBackend"):
        return None
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast.from_pretrained(model_dir)


class OnnxRunner:
    """Runs an ONNX export on ONNX Runtime's CPU provider."""

    engine = "onnx"

    def __init__(self, model_dir: Path, num_threads: Optional[int]):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        if num_threads:
            opts.intra_op_num_threads = num_threads
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(model_dir / "model.onnx"), opts, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.id2label = {int(k): v for k, v in config["id2label"].items()}

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray, hidden: bool = False):
        """Logits, or (logits, last hidden states) with ``hidden`` (exports made with the event heads)."""
        feed = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        feed = {k: v for k, v in feed.items() if k in self.inputs}
        if hidden:
            logits, states = self.session.run(["logits", "hidden"], feed)
            return logits, states
        return self.session.run(["logits"], feed)[0]
