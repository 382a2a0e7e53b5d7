"""Words -> model inputs: sub-word ids in windows that fit the model, shared by training and inference.

A sentence is tokenised once, as pre-split words. When it is longer than the model's window it is cut into
overlapping windows on word boundaries, never truncated: every word's first sub-word lands in some window.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

# A pathological "word" (a 10k-character URL) keeps only its first pieces: its tag is read from the first one.
MAX_WORD_TOKENS = 16


@dataclass
class Window:
    """One model input: ``input_ids`` with special tokens, and for each position the sentence word it belongs to.

    ``first[i]`` is True where position ``i`` holds the first sub-word of word ``word_ids[i]``.
    """

    input_ids: list[int]
    word_ids: list[Optional[int]]
    first: list[bool]

    def __len__(self) -> int:
        return len(self.input_ids)


def _special_ids(tokenizer) -> tuple[Optional[int], Optional[int]]:
    start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    end = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    return start, end


def tokenize_words(tokenizer, batch: Sequence[Sequence[str]]) -> list[list[tuple[int, int]]]:
    """Tokenise sentences given as words; per sentence, a list of ``(token_id, word_index)``.

    Words that yield no token (zero-width characters) simply get none; long words keep MAX_WORD_TOKENS pieces.
    """
    if not batch:
        return []
    nonempty = [list(words) if words else [""] for words in batch]
    enc = tokenizer(nonempty, is_split_into_words=True, add_special_tokens=False)
    out = []
    for i, words in enumerate(batch):
        if not words:
            out.append([])
            continue
        pieces: list[tuple[int, int]] = []
        per_word: dict[int, int] = {}
        for tid, wid in zip(enc["input_ids"][i], enc.word_ids(i)):
            if wid is None:
                continue
            per_word[wid] = per_word.get(wid, 0) + 1
            if per_word[wid] <= MAX_WORD_TOKENS:
                pieces.append((tid, wid))
        out.append(pieces)
    return out


def make_windows(tokenizer, pieces: Sequence[tuple[int, int]], max_length: int, stride: int) -> list[Window]:
    """Cut one sentence's ``(token_id, word_index)`` pieces into windows of at most ``max_length`` tokens.

    Consecutive windows share about ``stride`` tokens and always start on a word's first piece.
    """
    start_id, end_id = _special_ids(tokenizer)
    n_special = (start_id is not None) + (end_id is not None)
    budget = max_length - n_special
    if budget < MAX_WORD_TOKENS:
        raise ValueError(f"max_length {max_length} leaves {budget} tokens per window; expected >= {MAX_WORD_TOKENS}")
    if not pieces:
        return []
    word_starts = [i for i, (_, w) in enumerate(pieces) if i == 0 or pieces[i - 1][1] != w]
    spans: list[tuple[int, int]] = []
    begin = 0
    n = len(pieces)
    while True:
        if n - begin <= budget:
            spans.append((begin, n))
            break
        end = max(s for s in word_starts if s <= begin + budget)
        if end <= begin:  # cannot happen while words are capped below the budget; guard anyway
            end = begin + budget
        spans.append((begin, end))
        nxt = min((s for s in word_starts if s >= end - stride), default=end)
        begin = nxt if nxt > begin else end
    windows = []
    for b, e in spans:
        ids = [t for t, _ in pieces[b:e]]
        wids: list[Optional[int]] = [w for _, w in pieces[b:e]]
        first = [i + b == 0 or pieces[i + b - 1][1] != w for i, (_, w) in enumerate(pieces[b:e])]
        if start_id is not None:
            ids, wids, first = [start_id] + ids, [None] + wids, [False] + first
        if end_id is not None:
            ids, wids, first = ids + [end_id], wids + [None], first + [False]
        windows.append(Window(ids, wids, first))
    return windows


def encode_sentences(
    tokenizer,
    batch: Sequence[Sequence[str]],
    max_length: int,
    stride: int,
    preprocess: Optional[Callable[[str], str]] = None,
) -> list[list[Window]]:
    """Windows for each sentence of ``batch`` (sentences given as word lists)."""
    if preprocess is not None:
        batch = [[preprocess(w) for w in words] for words in batch]
    return [make_windows(tokenizer, p, max_length, stride) for p in tokenize_words(tokenizer, batch)]


def pad_id(tokenizer) -> int:
    """The id padding positions get (0 for tokenizers without a pad token: the attention mask hides them)."""
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0


def pad_windows(windows: Sequence[Window], pad: int) -> tuple[np.ndarray, np.ndarray]:
    """``input_ids`` and ``attention_mask`` for a batch of windows, right-padded to the longest with ``pad``.

    >>> pad_windows([Window([5, 6, 7], [None, 0, None], [False, True, False]), Window([5, 7], [None, None],
    ...              [False, False])], pad=0)[0].tolist()
    [[5, 6, 7], [5, 7, 0]]
    """
    width = max(len(w) for w in windows)
    ids = np.full((len(windows), width), pad, dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for r, w in enumerate(windows):
        ids[r, : len(w)] = w.input_ids
        mask[r, : len(w)] = 1
    return ids, mask


def window_labels(window: Window, word_labels: Sequence[int]) -> list[int]:
    """Training labels for a window.

    Special tokens have no word id; continuation sub-words are scored through their word's first piece.
    Both get -100 so the loss ignores them.
    """
    return [word_labels[w] if (w is not None and f) else -100 for w, f in zip(window.word_ids, window.first)]


def best_window_positions(windows: Sequence[Window]) -> dict[int, tuple[int, int]]:
    """For each word, the (window, position) of its first piece where it has the most context on both sides."""
    best: dict[int, tuple[int, int, int]] = {}
    for k, win in enumerate(windows):
        n = len(win)
        for pos, (w, f) in enumerate(zip(win.word_ids, win.first)):
            if w is None or not f:
                continue
            margin = min(pos, n - 1 - pos)
            if w not in best or margin > best[w][2]:
                best[w] = (k, pos, margin)
    return {w: (k, pos) for w, (k, pos, _) in best.items()}


def arabert_preprocessor(model_name: str) -> Callable[[str], str]:
    """Word-level ArabertPreprocessor for ``model_name``; a word it empties keeps its original form."""
    try:
        from arabert.preprocess import ArabertPreprocessor
    except ImportError as exc:
        raise ImportError(
            "this checkpoint expects arabert preprocessing but the 'arabert' package is not installed; "
            "install it with: pip install arabert"
        ) from exc
    prep = ArabertPreprocessor(model_name=model_name)

    def run(word: str) -> str:
        out = prep.preprocess(word).strip()
        return out if out else word

    return run
