"""Vocabulary trimming: a copy of a Unigram model folder that keeps only the pieces a corpus needs (most of
e5-small's 117M parameters are its 250k-row embedding matrix)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional, Sequence, Union

import numpy as np

from train.encoder.build import REQUIRED_FILES, STAMP_FILE
from train.encoder.publish import check_target, dump_json, write_folder

if TYPE_CHECKING:
    from tokenizers import Tokenizer

_TRIM_MAP = "trim_map.json"
# A piece wholly in Arabic script (the Arabic, Supplement, Extended-A and presentation-form blocks; Arabic-Indic
# digits included) or wholly ASCII digits, optionally word-initial "▁": casualty counts and years are written both ways.
_ARABIC_PIECE = re.compile("^\u2581?(?:[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]+|[0-9]+)$")


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
    as with the full vocabulary (only corpus pieces would re-split it into shorter, less informative ones). Ids stay
    in their original order; ``trim_map.json`` lists, per new id, the old one. On ``texts`` the trimmed folder
    gives the same pieces and hidden states as the full one. Returns sizes and parameter counts before/after.
    """
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer

    model_dir, out_dir = Path(model_dir), Path(out_dir)
    for name in REQUIRED_FILES:
        if not (model_dir / name).is_file():
            raise FileNotFoundError(f"{model_dir / name}: missing; expected a folder made by build_e5_small "
                                    f"(files {', '.join(REQUIRED_FILES)})")
    check_target(out_dir, overwrite)
    tok_json = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    if tok_json.get("model", {}).get("type") != "Unigram":
        raise ValueError(f"{model_dir}/tokenizer.json has a {tok_json.get('model', {}).get('type')!r} model; "
                         "trim_vocabulary handles Unigram (SentencePiece) vocabularies only")
    vocab = tok_json["model"]["vocab"]
    seen = _pieces_seen(Tokenizer.from_file(str(model_dir / "tokenizer.json")), texts)
    old_ids = _ids_to_keep(tok_json, seen, keep_ids, keep_arabic)
    new_id = {old: new for new, old in enumerate(old_ids)}
    new_tok = _remapped_tokenizer(tok_json, old_ids, new_id)
    config, tensors, metadata, before = _trimmed_weights(model_dir, old_ids, new_id)

    def write(tmp: Path) -> None:
        dump_json(tmp / "config.json", config)
        save_file(tensors, str(tmp / "model.safetensors"), metadata=metadata or {"format": "pt"})
        new_tok.save(str(tmp / "tokenizer.json"), pretty=False)
        for name in ("tokenizer_config.json", "special_tokens_map.json", STAMP_FILE):
            if (model_dir / name).is_file():
                shutil.copyfile(model_dir / name, tmp / name)
        dump_json(tmp / _TRIM_MAP, {"source": str(model_dir.resolve().name), "source_vocab_size": len(vocab),
                                     "source_ids": old_ids})

    write_folder(out_dir, overwrite, write)
    return {
        "out_dir": str(out_dir),
        "keep_arabic": keep_arabic,
        "vocab_size_before": before["vocab_size"],
        "vocab_size_after": len(old_ids),
        "pieces_seen": len(seen),
        "params_before": before["params"],
        "params_after": int(sum(v.size for v in tensors.values())),
        "bytes_before": _dir_bytes(model_dir),
        "bytes_after": _dir_bytes(out_dir),
    }


def _pieces_seen(tok: "Tokenizer", texts: Iterable[Union[str, Sequence[str]]]) -> set[int]:
    """Every piece id the full tokenizer produces on ``texts`` (strings both as running text and as words)."""
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
    return keep


def _ids_to_keep(tok_json: dict, seen: set[int], keep_ids: Optional[Iterable[int]], keep_arabic: bool) -> list[int]:
    """The sorted old ids of the trimmed vocabulary: ``seen`` plus what unseen text needs (see trim_vocabulary)."""
    vocab = tok_json["model"]["vocab"]
    keep = set(seen)
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
    return sorted(keep)


def _remapped_tokenizer(tok_json: dict, old_ids: list[int], new_id: dict[int, int]) -> "Tokenizer":
    """The tokenizer over the kept pieces, with every id it stores (unk, added tokens, post-processor) remapped."""
    from tokenizers import Tokenizer

    tok_json["model"]["vocab"] = [tok_json["model"]["vocab"][i] for i in old_ids]
    if tok_json["model"].get("unk_id") is not None:
        tok_json["model"]["unk_id"] = new_id[tok_json["model"]["unk_id"]]
    for added in tok_json.get("added_tokens", []):
        added["id"] = new_id[added["id"]]
    tok_json["post_processor"] = _remap_post_processor(tok_json.get("post_processor"), new_id)
    return Tokenizer.from_str(json.dumps(tok_json, ensure_ascii=False))


def _trimmed_weights(model_dir: Path, old_ids: list[int], new_id: dict[int, int]
                     ) -> tuple[dict, dict[str, np.ndarray], Optional[dict], dict[str, int]]:
    """The config and tensors with only the kept embedding rows, the file's metadata, and the source's
    ``vocab_size`` (embedding rows) and parameter count."""
    from safetensors import safe_open

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
    config["vocab_size"] = len(old_ids)
    for key in ("pad_token_id", "bos_token_id", "eos_token_id"):
        if config.get(key) is not None:
            config[key] = new_id[config[key]]
    return config, tensors, metadata, {"vocab_size": old_rows, "params": n_before}
