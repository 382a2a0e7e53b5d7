"""Predictor: raw text -> entities with character offsets into the caller's original string.

Texts are split into sentences and words (the corpus word rule), every window of every sentence is batched by
length through the token classifier, and each word takes the tag of its first sub-word from the window where it
has the most context. Works on any of our checkpoints and on any Hugging Face token-classification folder with
BIO labels; a folder holding ``model.onnx`` runs on ONNX Runtime instead of torch, and so does a checkpoint folder
holding its own int8 export in ``onnx-int8/`` (``model.fast_path``) unless ``engine="torch"`` is asked for.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from model.encoding import (
    Window,
    arabert_preprocessor,
    best_window_positions,
    encode_sentences,
    pad_id,
    pad_windows,
)
from model.decoding import TagPrior, constrained_bio
from model.engines import OnnxRunner, TorchRunner, load_torch, onnx_tokenizer, resolve_engine, softmax
from model.errors import InputError
from model.event_heads import EventHeads, HeadOutputs, apply_heads
from model.spans import Entity, bio_to_spans, enforce_span_edges
from model.words import Word, split_sentences, split_words

DEFAULT_MAX_LENGTH = 256
DEFAULT_STRIDE = 64
BATCH_GROUP_SENTENCES = 512  # extract_batch holds this many sentences' hidden states at once (~30 MB, e5-small)


class Predictor:
    """Token-classification inference at the word level, with offsets into the original text."""

    def __init__(
        self,
        tokenizer,
        runner: Callable[[np.ndarray, np.ndarray], np.ndarray],
        id2label: dict[int, str],
        max_length: int = DEFAULT_MAX_LENGTH,
        stride: int = DEFAULT_STRIDE,
        batch_size: int = 32,
        preprocess: Optional[Callable[[str], str]] = None,
        heads: Optional[EventHeads] = None,
        tag_prior: Optional[TagPrior] = None,
    ):
        self.tokenizer = tokenizer
        self.heads = heads
        self.tag_prior = tag_prior  # tag bigrams weighed in decoding (``model/decoding.py``)
        self.runner = runner
        self.id2label = id2label
        self.max_length = max_length
        self.stride = stride
        self.batch_size = batch_size
        self.preprocess = preprocess
        self.pad_id = pad_id(tokenizer)
        self.engine = getattr(runner, "engine", "custom")
        self.model_dir: Optional[Path] = None

    @classmethod
    def from_pretrained(
        cls,
        model_dir: str | Path,
        *,
        device: Optional[str] = None,
        batch_size: int = 32,
        max_length: Optional[int] = None,
        stride: Optional[int] = None,
        num_threads: Optional[int] = None,
        engine: Optional[str] = None,
    ) -> "Predictor":
        """Load a checkpoint folder (ours, any HF token-classification folder, or our ONNX export).

        ``engine``: ``"auto"`` runs ONNX Runtime for an ONNX folder and for a checkpoint holding an up-to-date
        ``onnx-int8/`` export (the fast path), torch otherwise; ``"torch"`` forces torch on a checkpoint;
        ``"onnx"`` requires an ONNX folder or the fast path. Unset, it is ``$WAR_NER_ENGINE`` or ``"auto"``: the
        variable reaches every process a command starts (``war-ner extract --workers N``), a flag would not.
        ``predictor.engine`` and ``predictor.model_dir`` say what was loaded.
        """
        model_dir = Path(model_dir)
        if not (model_dir / "config.json").exists():
            raise FileNotFoundError(
                f"{model_dir}: no config.json; expected a checkpoint folder written by `war-ner train` "
                "or `war-ner export-onnx` (or any transformers token-classification folder)"
            )
        model_dir = resolve_engine(model_dir, engine or os.environ.get("WAR_NER_ENGINE") or "auto")
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        onnx = (model_dir / "model.onnx").exists()
        tokenizer = onnx_tokenizer(model_dir) if onnx else None
        if tokenizer is None:
            from transformers import AutoTokenizer  # imports torch

            tokenizer = AutoTokenizer.from_pretrained(model_dir)
        if onnx:
            runner = OnnxRunner(model_dir, num_threads)
        else:
            runner = load_torch(model_dir, device, num_threads)
        limit = min(
            int(config.get("max_position_embeddings", 512)) - 2,
            int(getattr(tokenizer, "model_max_length", 10**6) or 10**6),
        )
        max_length = max_length or min(int(config.get("war_ner_max_length", DEFAULT_MAX_LENGTH)), limit)
        stride = stride if stride is not None else int(config.get("war_ner_stride", DEFAULT_STRIDE))
        stride = min(stride, max_length // 2 - 1)
        prep = config.get("war_ner_preprocess")
        preprocess = arabert_preprocessor(prep.split(":", 1)[1]) if prep and prep.startswith("arabert:") else None
        predictor = cls(tokenizer, runner, runner.id2label, max_length, stride, batch_size, preprocess,
                        EventHeads.load(model_dir), TagPrior.load(model_dir))
        predictor.model_dir = model_dir
        return predictor

    @classmethod
    def from_model(cls, model, tokenizer, *, max_length: int = DEFAULT_MAX_LENGTH, stride: int = DEFAULT_STRIDE,
                   batch_size: int = 32, preprocess: Optional[Callable[[str], str]] = None) -> "Predictor":
        """Wrap an in-memory model (used during training for dev evaluation)."""
        runner = TorchRunner(model)
        return cls(tokenizer, runner, runner.id2label, max_length, stride, batch_size, preprocess)

    def _run_windows(self, windows: Sequence[Window], hidden: bool = False) -> list[tuple]:
        """(every label's probability, hidden states or None) per position for every window, batched by length."""
        results: list = [None] * len(windows)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        for b in range(0, len(order), self.batch_size):
            chunk = order[b : b + self.batch_size]
            ids, mask = pad_windows([windows[i] for i in chunk], self.pad_id)
            got = self.runner(ids, mask, hidden=True) if hidden else (self.runner(ids, mask), None)
            probs = softmax(got[0].astype(np.float32))
            for r, i in enumerate(chunk):
                n = len(windows[i])
                results[i] = (probs[r, :n], got[1][r, :n].astype(np.float32) if hidden else None)
        return results

    def _analyse(self, sentences: Sequence[Sequence[str]], hidden: bool = False, full: bool = False) -> list[tuple]:
        """Per sentence: (tags, scores), with ``hidden`` (sentence vector, one vector per word), and with ``full``
        each word's distribution over all labels (a words x labels array). Tags are the best valid BIO sequence
        over those distributions (``model/decoding.py``)."""
        per_sentence = encode_sentences(self.tokenizer, sentences, self.max_length, self.stride, self.preprocess)
        flat = [w for wins in per_sentence for w in wins]
        outputs = self._run_windows(flat, hidden)
        labels = [self.id2label[i] for i in range(len(self.id2label))]
        out = []
        k = 0
        for words, wins in zip(sentences, per_sentence):
            mine = outputs[k : k + len(wins)]
            k += len(wins)
            vectors: list = [None] * len(words)
            # a word no window reaches keeps "O" with probability 1
            dists = np.zeros((len(words), len(labels)), dtype=np.float32)
            dists[:, next((i for i, t in enumerate(labels) if t == "O"), 0)] = 1.0
            for w, (win, pos) in best_window_positions(wins).items():
                dists[w] = mine[win][0][pos]
                if hidden:
                    vectors[w] = mine[win][1][pos]
            best = constrained_bio(dists, labels, self.tag_prior)
            tags = [labels[i] for i in best]
            scores = [float(dists[w, i]) for w, i in enumerate(best)]
            row: tuple = (enforce_span_edges(words, tags), scores)
            if hidden:
                # the heads were trained on the mean over each window's positions (special tokens included)
                pooled = np.mean([m[1].mean(axis=0) for m in mine], axis=0) if mine else None
                row += (pooled, vectors)
            if full:
                row += (dists,)
            out.append(row)
        return out

    def windows(self, text: str) -> list[Window]:
        """The model inputs ``text`` becomes (its sentences' windows, in order): what one report costs."""
        units = self._units(text)
        per_sentence = encode_sentences(self.tokenizer, [[w.text for w in u] for u in units], self.max_length,
                                        self.stride, self.preprocess)
        return [w for wins in per_sentence for w in wins]

    def predict_word_tags(self, sentences: Sequence[Sequence[str]]) -> list[tuple[list[str], list[float]]]:
        """Tags and scores for pre-split sentences (one tag per word)."""
        return [row[:2] for row in self._analyse(sentences)]

    def predict_word_distributions(self, sentences: Sequence[Sequence[str]]
                                   ) -> list[tuple[list[str], list[float], np.ndarray]]:
        """``predict_word_tags`` in the same pass, plus each word's probability of every label (a words x labels
        array; column ``i`` is ``self.id2label[i]``), taken before span edges are enforced: what uncertainty
        scores (``war-ner suggest``) read."""
        return [(row[0], row[1], row[2]) for row in self._analyse(sentences, full=True)]

    def _units(self, text: str) -> list[list[Word]]:
        units = []
        for s, e in split_sentences(text):
            words = [Word(w.start + s, w.end + s, w.text) for w in split_words(text[s:e])]
            if words:
                units.append(words)
        return units

    def _records(self, text: str, entities: Optional[Sequence[Entity]], report_date, source_id) -> tuple[list, list]:
        units = self._units(text)
        rows = self._analyse([[w.text for w in u] for u in units], hidden=self.heads is not None) if (
            entities is None or self.heads is not None) else []
        return self._assemble(text, units, rows, entities, report_date, source_id)

    def _assemble(self, text: str, units: list[list[Word]], rows: list, entities: Optional[Sequence[Entity]],
                  report_date, source_id) -> tuple[list, list]:
        """One report's (entities, records) from its sentences' ``_analyse`` rows: the rules, then the heads."""
        from model.events import build_events

        if entities is None:
            entities = [e for u, row in zip(units, rows) for e in bio_to_spans(text, u, row[0], row[1])]
        records = build_events(text, entities, report_date, source_id=source_id)
        if self.heads is None:
            return list(entities), records
        sentences, words = [], []
        for u, (_, _, pooled, vectors) in zip(units, rows):
            if pooled is None:
                continue
            sentences.append((u[0].start, u[-1].end, self.heads.incident_probs(pooled[None])[0]))
            roles = self.heads.role_probs(np.stack(vectors)) if all(v is not None for v in vectors) else None
            if roles is not None:
                words.extend((w.start, w.end, p) for w, p in zip(u, roles))
        return list(entities), apply_heads(records, HeadOutputs(sentences, words, text), self.heads)

    def extract(self, text: str, report_date=None, source_id: Optional[str] = None) -> list:
        """Raw report text -> event records (NER, the rules, and the checkpoint's event heads when it has them)."""
        return self.extract_all(text, report_date, source_id)[1]

    def extract_all(self, text: str, report_date=None, source_id: Optional[str] = None) -> tuple[list, list]:
        """Raw report text -> (entities, event records), one pass of the encoder."""
        if not isinstance(text, str):
            raise TypeError(f"text is {type(text).__name__}; expected str")
        return self._records(text, None, report_date, source_id)

    def extract_batch(self, texts: Sequence[str], report_dates: Optional[Sequence] = None,
                      source_ids: Optional[Sequence[Optional[str]]] = None) -> list[tuple[list, list]]:
        """Many raw reports -> (entities, event records) for each, in the caller's order.

        The encoder runs over the sentences of many reports in length-sorted batches (one report per call makes
        small batches padded to its longest sentence), then the rules and heads run report by report. On torch
        this is ``[extract_all(t) for t in texts]``; dynamic int8 quantises a batch's activations with one range,
        so there a rare tag may differ from one report per call."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        for t, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"text {t} is {type(text).__name__}; expected str")
        dates = [None] * len(texts) if report_dates is None else list(report_dates)
        ids = [None] * len(texts) if source_ids is None else list(source_ids)
        if len(dates) != len(texts) or len(ids) != len(texts):
            raise InputError(f"{len(texts)} texts, {len(dates)} report dates and {len(ids)} source ids",
                             expected="one date and one id per text (or None for all)", where="extract_batch")
        units = [self._units(t) for t in texts]
        out: list[tuple[list, list]] = []
        start = 0
        while start < len(texts):  # bounded groups: a group's hidden states are all held at once
            end, n = start + 1, len(units[start])
            while end < len(texts) and n + len(units[end]) <= BATCH_GROUP_SENTENCES:
                n, end = n + len(units[end]), end + 1
            rows = self._analyse([[w.text for w in u] for i in range(start, end) for u in units[i]],
                                 hidden=self.heads is not None)
            for i in range(start, end):
                mine, rows = rows[: len(units[i])], rows[len(units[i]) :]
                out.append(self._assemble(texts[i], units[i], mine, None, dates[i], ids[i]))
            start = end
        return out

    def events(self, text: str, entities: Sequence[Entity], report_date=None, source_id: Optional[str] = None) -> list:
        """Event records from given entities (gold ones, for evaluation), with the checkpoint's event heads."""
        return self._records(text, list(entities), report_date, source_id)[1]

    def predict(self, texts: Sequence[str] | str) -> list[list[Entity]]:
        """Entities for each text, in the caller's order; offsets index each original string exactly."""
        if isinstance(texts, str):
            texts = [texts]
        units: list[tuple[int, list[Word]]] = []
        for t, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"text {t} is {type(text).__name__}; expected str")
            units.extend((t, words) for words in self._units(text))
        tagged = self.predict_word_tags([[w.text for w in words] for _, words in units])
        results: list[list[Entity]] = [[] for _ in texts]
        for (t, words), (tags, scores) in zip(units, tagged):
            results[t].extend(bio_to_spans(texts[t], words, tags, scores))
        return results
